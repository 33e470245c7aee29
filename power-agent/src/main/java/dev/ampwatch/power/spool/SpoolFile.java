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
import java.util.ArrayDeque;
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
 *
 * <p>What this process appended is also kept in memory while it is little ({@link #MEMORY_BYTES}), so the
 * sender reads the records it sends from there rather than back from the file (and checks no CRC it just
 * computed); after a long outage, and for what an earlier run left, it reads the file.
 * Thread-safe (all methods synchronized).
 */
public final class SpoolFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolFile.class);
    private static final int HEADER = 8;
    /** Uncommitted records mirrored in memory at most: some minutes of a rig's samples. */
    static final long MEMORY_BYTES = 4L * 1024 * 1024;

    /** One record and the position just after it. */
    public record Entry(byte[] payload, long next) {}

    private final Path dir;
    private final Path positionFile;
    private final FileChannel channel;
    private final long maxBytes;
    private long committed;
    private long end;
    private long pendingRecords;
    /** Exactly the records from committed to end, when {@link #mirrored}; else not used. */
    private final ArrayDeque<Entry> memory = new ArrayDeque<>();
    private long memoryBytes;
    private boolean mirrored;

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
            lockOrRefuse(dir, channel);
            SpoolFile spool = new SpoolFile(dir, channel, maxBytes, Math.min(committed, channel.size()));
            spool.recover();
            return spool;
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot open the sample spool in " + dir + ": " + e.getMessage()
                    + " (is the directory writable? set another with --spool-dir)", e);
        }
    }

    /**
     * One agent a spool: a second one on the same directory (two agents started from one working directory, whose
     * default spool is relative) read the first's records as its own, truncated them as corrupt and lost them (an
     * operator review). An exclusive lock on the spool file, held while it is open and released by the OS when the
     * process dies, refuses the second with the first's pid; nothing of the spool is read or changed before.
     */
    private static void lockOrRefuse(Path dir, FileChannel channel) throws IOException {
        java.nio.channels.FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException sameProcess) {
            lock = null;
        }
        Path pid = dir.resolve("agent.pid");
        if (lock == null) {
            channel.close();
            String holder = Files.exists(pid) ? Files.readString(pid).strip() : "?";
            throw new IllegalStateException("the sample spool in " + dir + " is in use by another power-agent (pid " + holder
                    + "): give each agent its own --spool-dir");
        }
        Files.writeString(pid, ProcessHandle.current().pid() + "\n");
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
        mirrored = records == 0;
        if (records > 0) {
            LOG.info("sample spool {}: {} samples from an earlier run will be sent first", dir, records);
        }
    }

    /** Appends a record; false (nothing written) if the uncommitted data would exceed the bound. */
    public synchronized boolean append(byte[] payload) {
        return appendAll(List.of(payload));
    }

    /**
     * Appends records with one write, all or none: false (nothing written) if the uncommitted data would exceed
     * the bound.
     */
    public synchronized boolean appendAll(List<byte[]> payloads) {
        int bytes = 0;
        for (byte[] p : payloads) {
            bytes += HEADER + p.length;
        }
        if (end - committed + bytes > maxBytes) {
            return false;
        }
        ByteBuffer b = ByteBuffer.allocate(bytes);
        CRC32 crc = new CRC32();
        for (byte[] p : payloads) {
            crc.reset();
            crc.update(p);
            b.putInt(p.length).putInt((int) crc.getValue()).put(p);
        }
        b.flip();
        try {
            long at = end;
            while (b.hasRemaining()) {
                at += channel.write(b, at);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to the sample spool in " + dir, e);
        }
        for (byte[] p : payloads) {
            end += HEADER + p.length;
            pendingRecords++;
            if (mirrored) {
                memory.addLast(new Entry(p, end));
                memoryBytes += HEADER + p.length;
            }
        }
        if (memoryBytes > MEMORY_BYTES) { // a long outage: the file alone until everything is sent
            mirrored = false;
            memory.clear();
            memoryBytes = 0;
        }
        return true;
    }

    /** Up to {@code max} uncommitted records, oldest first. */
    public synchronized List<Entry> readPending(int max) {
        if (mirrored) {
            List<Entry> out = new ArrayList<>(Math.min(max, memory.size()));
            for (Entry e : memory) {
                if (out.size() == max) {
                    break;
                }
                out.add(e);
            }
            return out;
        }
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
            while (mirrored && !memory.isEmpty() && memory.peekFirst().next() <= position) {
                memoryBytes -= HEADER + memory.pollFirst().payload().length;
            }
            if (committed == end) {
                channel.truncate(0); // all delivered: start over, the file never grows past one outage
                committed = 0;
                end = 0;
                mirrored = true; // nothing pending: what is appended next is mirrored from its start
                memory.clear();
                memoryBytes = 0;
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
