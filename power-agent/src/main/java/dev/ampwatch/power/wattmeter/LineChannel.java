package dev.ampwatch.power.wattmeter;

import dev.ampwatch.power.PowerSourceException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Where a serial meter's lines come from: a real serial port through jSerialComm, or, when the
 * configured port is a named pipe (FIFO) or a plain file, that file read as a stream (a FIFO fed
 * by {@code socat}/{@code cat}, a capture, or a test). An open channel is read by one thread and
 * closed by another.
 */
interface LineChannel extends AutoCloseable {

    /**
     * Reads into {@code buffer}; returns the number of bytes read, 0 when nothing arrived for a
     * while (a serial timeout), or -1 at the end of a file or FIFO (more may come later).
     */
    int read(byte[] buffer) throws IOException;

    /** Writes a command to the meter; a no-op for files and FIFOs, which are only read. */
    void write(String command) throws IOException;

    /** Whether {@link #write} reaches the meter. */
    boolean writable();

    /** E.g. {@code "serial port /dev/ttyUSB0 at 115200 baud"}. */
    String describe();

    @Override
    void close() throws IOException;

    /**
     * Opens {@code port}: a FIFO or regular file as a stream, anything else (a character device, a
     * Windows {@code COM3}) through jSerialComm.
     */
    static LineChannel open(String port, int baud) throws PowerSourceException {
        Path path = Path.of(port);
        Optional<String> kind = fileKind(path);
        if (kind.isPresent()) {
            return FileLineChannel.open(path, kind.get());
        }
        try {
            return SerialPortChannel.open(port, baud);
        } catch (LinkageError e) { // jSerialComm missing from the class path, or its native part failed
            throw new PowerSourceException("cannot open serial port " + port + ": jSerialComm is unusable here ("
                    + e + "); a FIFO or file path is read without it", e);
        }
    }

    /** "fifo" or "file" when {@code path} is one, else empty (a device, or no such path). */
    static Optional<String> fileKind(Path path) {
        try {
            Object mode = Files.getAttribute(path, "unix:mode");
            int type = ((Integer) mode) & 0170000;
            return type == 0010000 ? Optional.of("fifo") : type == 0100000 ? Optional.of("file") : Optional.empty();
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return Files.isRegularFile(path) ? Optional.of("file") : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A FIFO or plain file read as a stream; at its end, the reader polls for more. */
    final class FileLineChannel implements LineChannel {
        private final FileChannel channel;
        private final InputStream in;
        private final String description;

        private FileLineChannel(FileChannel channel, String description) {
            this.channel = channel;
            this.in = Channels.newInputStream(channel);
            this.description = description;
        }

        static FileLineChannel open(Path path, String kind) throws PowerSourceException {
            try {
                // FileChannel reads can be woken by close() from another thread, which plain
                // FileInputStream reads cannot. A FIFO opened read-only blocks until a writer opens
                // it, so it is opened read-write where allowed (never written): that returns at
                // once, and reads then wait for data instead of seeing an end between writers.
                if (kind.equals("fifo")) {
                    try {
                        return new FileLineChannel(FileChannel.open(path, StandardOpenOption.READ,
                                StandardOpenOption.WRITE), kind + " " + path);
                    } catch (java.nio.file.AccessDeniedException e) {
                        // fall through: read-only, which waits for the first writer
                    }
                }
                return new FileLineChannel(FileChannel.open(path, StandardOpenOption.READ), kind + " " + path);
            } catch (NoSuchFileException e) {
                throw new PowerSourceException(path + " not found", e);
            } catch (IOException | RuntimeException e) {
                throw new PowerSourceException("cannot open " + kind + " " + path + ": " + e, e);
            }
        }

        @Override
        public int read(byte[] buffer) throws IOException {
            return in.read(buffer);
        }

        @Override
        public void write(String command) {}

        @Override
        public boolean writable() {
            return false;
        }

        @Override
        public String describe() {
            return description;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
