package dev.ampwatch.analyzer.streams;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;

/**
 * Key of a buffered record: host, NUL, event time, kind, sequence. Byte order is event-time order
 * within a host (events before samples at the same instant, so a sample at a run's start is inside it),
 * which both RocksDB and the in-memory store iterate in.
 */
final class PendingKey {
    static final byte EVENT = 0;
    static final byte SAMPLE = 1;

    private PendingKey() {}

    static Bytes of(String host, long timeUs, byte kind, long seq) {
        byte[] h = host.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(h.length + 1 + 8 + 1 + 8);
        // flip the sign bit so negative times sort before positive ones as unsigned bytes
        b.put(h).put((byte) 0).putLong(timeUs ^ Long.MIN_VALUE).put(kind).putLong(seq);
        return Bytes.wrap(b.array());
    }

    static Bytes firstAt(String host, long timeUs) {
        return of(host, timeUs, (byte) 0, 0L); // sequence numbers start at 0 and compare as unsigned bytes
    }

    static Bytes lastAt(String host, long timeUs) {
        return of(host, timeUs, Byte.MAX_VALUE, -1L);
    }

    static byte kind(Bytes key) {
        byte[] k = key.get();
        return k[k.length - 9];
    }
}
