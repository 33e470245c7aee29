package dev.ampwatch.trainer.follow;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads the lines appended to a file that another process is writing, like {@code tail -F}: each
 * {@link #poll()} returns the complete lines written since the last one (a line still being written
 * waits for its newline). A file that does not exist yet is waited for; one that shrinks (truncated)
 * or is replaced by another file is read again from its start. UTF-8; CR LF line ends are accepted.
 *
 * <p>Opens the file only while polling, so the writer may rotate or delete it. Not thread-safe.
 */
public final class FileTail {
    private final Path file;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private long position;
    private Object fileKey;

    /**
     * @param fromStart read what the file already holds; otherwise start at its current end (what a
     *     previous trainer left in it is skipped)
     */
    public FileTail(Path file, boolean fromStart) throws IOException {
        this.file = Objects.requireNonNull(file);
        if (!fromStart && Files.exists(file)) {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            position = a.size();
            fileKey = a.fileKey();
        }
    }

    public Path file() {
        return file;
    }

    /** Complete lines appended since the last poll, without their line ends; empty if none. */
    public List<String> poll() throws IOException {
        List<String> lines = new ArrayList<>();
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return lines; // not written yet, or being replaced
        }
        if (a.size() < position || (fileKey != null && a.fileKey() != null && !fileKey.equals(a.fileKey()))) {
            position = 0; // truncated or replaced: start again
            partial.reset();
        }
        fileKey = a.fileKey();
        try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ)) {
            ch.position(position);
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            int n;
            while ((n = ch.read(buf)) > 0) {
                position += n;
                byte[] bytes = buf.array();
                for (int i = 0; i < n; i++) {
                    if (bytes[i] == '\n') {
                        lines.add(line());
                    } else {
                        partial.write(bytes[i]);
                    }
                }
                buf.clear();
            }
        } catch (NoSuchFileException e) {
            return lines;
        }
        return lines;
    }

    /** {@link #poll()}, then the last line even without a newline: for when the writer has exited. */
    public List<String> drain() throws IOException {
        List<String> lines = poll();
        if (partial.size() > 0) {
            lines.add(line());
        }
        return lines;
    }

    private String line() {
        String s = partial.toString(StandardCharsets.UTF_8);
        partial.reset();
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
