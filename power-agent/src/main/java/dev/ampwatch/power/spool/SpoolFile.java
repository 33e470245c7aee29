package dev.ampwatch.power.spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of records on disk with a committed read position: what the agent sampled but
 * Kafka has not yet confirmed. Records are {@code [length][crc32][bytes]}; a torn tail (a crash in
 * the middle of a write) is cut off at open. The position is replaced atomically on commit; once
 * everything is committed the log is emptied. Bounded by {@code maxBytes} of uncommitted data.
 * Thread-safe (all methods synchronized).
 */
public final class SpoolFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolFile.class);
    private static final int HEADER = 8;

    /** One record and the position just after it. */
    public record Entry(byte[] payload, long next) {}

    private final Path dir;
    private final Path positionFile;
    private final FileChannel channel;
    private final long maxBytes;
    private long committed;
    private long end;
    private long pendingRecords;

    private SpoolFile(Path dir, FileChannel channel, long maxBytes, long committed) {
        this.dir = dir;
        this.positionFile = dir.resolve("position");
        this.channel = channel;
        this.maxBytes = maxBytes;
        this.committed = committed;
    }

    public static SpoolFile open(Path dir, long maxBytes) {
        try {
            Files.createDirectories(dir);
            Path position = dir.resolve("position");
            long committed = Files.exists(position) ? Long.parseLong(Files.readString(position).strip()) : 0;
            FileChannel channel = FileChannel.open(dir.resolve("spool.log"), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            SpoolFile spool = new SpoolFile(dir, channel, maxBytes, Math.min(committed, channel.size()));
            spool.recover();
            return spool;
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot open the sample spool in " + dir + ": " + e.getMessage()
                    + " (is the directory writable? set another with --spool-dir)", e);
        }
    }

    private void recover() throws IOException {
        long pos = committed;
        long records = 0;
        while (true) {
            Entry e = readAt(pos);
            if (e == null) {
                break;
            }
            pos = e.next();
            records++;
        }
        if (pos < channel.size()) {
            LOG.warn("sample spool {}: cutting {} bytes of an incomplete record at the end", dir, channel.size() - pos);
            channel.truncate(pos);
        }
        end = pos;
        pendingRecords = records;
        if (records > 0) {
            LOG.info("sample spool {}: {} samples from an earlier run will be sent first", dir, records);
        }
    }

    /** Appends a record; false (nothing written) if the uncommitted data would exceed the bound. */
    public synchronized boolean append(byte[] payload) {
        if (end - committed + HEADER + payload.length > maxBytes) {
            return false;
        }
        CRC32 crc = new CRC32();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length);
        b.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        try {
            long at = end;
            while (b.hasRemaining()) {
                at += channel.write(b, at);
            }
            end = at;
            pendingRecords++;
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to the sample spool in " + dir, e);
        }
    }

    /** Up to {@code max} uncommitted records, oldest first. */
    public synchronized List<Entry> readPending(int max) {
        List<Entry> out = new ArrayList<>();
        long pos = committed;
        try {
            while (out.size() < max && pos < end) {
                Entry e = readAt(pos);
                if (e == null) {
                    throw new IllegalStateException("sample spool " + dir + " is corrupt at byte " + pos);
                }
                out.add(e);
                pos = e.next();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sample spool in " + dir, e);
        }
        return out;
    }

    private Entry readAt(long pos) throws IOException {
        if (pos + HEADER > channel.size()) {
            return null;
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        channel.read(header, pos);
        header.flip();
        int length = header.getInt();
        int crc = header.getInt();
        if (length < 0 || pos + HEADER + length > channel.size()) {
            return null;
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        channel.read(body, pos + HEADER);
        CRC32 check = new CRC32();
        check.update(body.array());
        if ((int) check.getValue() != crc) {
            return null;
        }
        return new Entry(body.array(), pos + HEADER + length);
    }

    /** Everything before {@code position} reached Kafka; {@code records} of them. */
    public synchronized void commit(long position, int records) {
        try {
            committed = position;
            pendingRecords -= records;
            if (committed == end) {
                channel.truncate(0); // all delivered: start over, the file never grows past one outage
                committed = 0;
                end = 0;
            }
            Path tmp = dir.resolve("position.tmp");
            Files.writeString(tmp, Long.toString(committed), StandardCharsets.US_ASCII);
            Files.move(tmp, positionFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the sample spool position in " + dir, e);
        }
    }

    /** Forces written records to the disk. */
    public synchronized void sync() {
        try {
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sync the sample spool in " + dir, e);
        }
    }

    public synchronized long pendingRecords() {
        return pendingRecords;
    }

    public synchronized long pendingBytes() {
        return end - committed;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public synchronized void close() {
        try {
            channel.force(false);
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing the sample spool in {}: {}", dir, e.getMessage());
        }
    }
}
