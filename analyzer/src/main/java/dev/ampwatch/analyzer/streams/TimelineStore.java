package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.analyzer.state.PendingRecord;
import dev.ampwatch.analyzer.state.PendingSlice;
import dev.ampwatch.analyzer.timeline.Buffered;
import dev.ampwatch.analyzer.timeline.GraceBuffer;
import dev.ampwatch.analyzer.timeline.HostTimeline;
import dev.ampwatch.schema.kafka.AvroSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * The hosts' timelines, kept decoded in memory between commits and written through to a changelogged
 * key-value store when the task commits: per record the analyzer touches only memory, per commit it
 * encodes each host that changed once, and of its grace buffer only the records that arrived since the
 * previous commit (one new chunk; see {@link GraceBuffer}).
 *
 * <p>Exactly-once holds because the write-back happens in {@link #flushCache()}, which Kafka Streams
 * calls while preparing every commit, before it flushes the producer and commits the transaction that
 * also holds the input offsets (the same hook its own record cache uses). A crash loses the memory and
 * the uncommitted transaction together; the restored store and the committed offsets agree. Dropping
 * the memory on {@link #clearCache()}, {@link #init} and {@link #close()} keeps a recycled or revived
 * task from using state the store does not have.
 *
 * <p>Keys: {@code h<host>} holds the host's {@link HostState}; {@code p<host>\0<chunk>} a chunk of its
 * grace buffer (an 8-byte sequence number; stores written before chunks held time slices under the same
 * keys, which restore the same way).
 */
public final class TimelineStore extends WrappedStateStore<KeyValueStore<Bytes, byte[]>, Bytes, byte[]> {
    /** Makes or restores the timeline of a host from what was stored (null state: a new host). */
    public interface Factory {
        HostTimeline open(String host, HostState stored, Map<Long, List<Buffered>> chunks, long nowMs);
    }

    private static final AvroSerde<HostState> HOST_SERDE = StateSchemas.serde(HostState.class, HostState.getClassSchema(),
            "HostState.v1.avsc");
    private static final AvroSerde<PendingSlice> CHUNK_SERDE = new AvroSerde<>(PendingSlice.class, PendingSlice.getClassSchema());

    private final Factory factory;
    private final Map<String, HostTimeline> loaded = new HashMap<>();
    private final List<HostTimeline> dirty = new ArrayList<>();
    private boolean allLoaded;

    TimelineStore(KeyValueStore<Bytes, byte[]> inner, Factory factory) {
        super(inner);
        this.factory = factory;
    }

    /** The host's timeline, loaded from the store on first use. */
    public HostTimeline timeline(String host, long nowMs) {
        HostTimeline t = loaded.get(host);
        if (t == null) {
            t = load(host, nowMs);
            loaded.put(host, t);
        }
        return t;
    }

    /** Every host this task has state for (loads the ones not in memory yet, once). */
    public Collection<HostTimeline> all(long nowMs) {
        if (!allLoaded) {
            List<String> hosts = new ArrayList<>();
            try (KeyValueIterator<Bytes, byte[]> it = wrapped().prefixScan(Bytes.wrap(new byte[] {'h'}), new BytesSerializer())) {
                it.forEachRemaining(kv -> hosts.add(new String(kv.key.get(), 1, kv.key.get().length - 1, StandardCharsets.UTF_8)));
            }
            hosts.forEach(h -> timeline(h, nowMs));
            allLoaded = true;
        }
        return loaded.values();
    }

    /** The timeline changed: write it at the next commit. */
    public void changed(HostTimeline timeline) {
        if (timeline.markChanged()) {
            dirty.add(timeline);
        }
    }

    private HostTimeline load(String host, long nowMs) {
        byte[] bytes = wrapped().get(hostKey(host));
        if (bytes == null) {
            return factory.open(host, null, Map.of(), nowMs);
        }
        HostState state = HOST_SERDE.decode(bytes);
        Map<Long, List<Buffered>> chunks = new HashMap<>();
        byte[] prefix = chunkPrefix(host);
        try (KeyValueIterator<Bytes, byte[]> it = wrapped().prefixScan(Bytes.wrap(prefix), new BytesSerializer())) {
            while (it.hasNext()) {
                var kv = it.next();
                long chunk = ByteBuffer.wrap(kv.key.get(), prefix.length, 8).getLong() ^ Long.MIN_VALUE;
                List<Buffered> records = new ArrayList<>();
                for (PendingRecord r : CHUNK_SERDE.decode(kv.value).getRecords()) {
                    byte[] payload = new byte[r.getPayload().remaining()];
                    r.getPayload().duplicate().get(payload);
                    records.add(Buffered.decode(r.getTimeUs(), r.getEvent(), r.getLate(), r.getSeq(), r.getMovedUs(), payload));
                }
                chunks.put(chunk, records);
            }
        }
        return factory.open(host, state, chunks, nowMs);
    }

    /** Writes every changed host through to the changelogged store. */
    void writeBack() {
        for (HostTimeline t : dirty) {
            String host = t.host();
            t.written();
            wrapped().put(hostKey(host), HOST_SERDE.encode(t.state()));
            GraceBuffer buffer = t.buffer();
            GraceBuffer.Chunk chunk = buffer.takeUnwritten();
            if (chunk != null) {
                List<PendingRecord> records = new ArrayList<>(chunk.records().size());
                for (Buffered b : chunk.records()) {
                    records.add(new PendingRecord(b.timeUs(), b.isEvent(), b.seq(), b.isLate(), b.movedUs(), ByteBuffer.wrap(b.payload())));
                }
                wrapped().put(chunkKey(host, chunk.seq()), CHUNK_SERDE.encode(new PendingSlice(records)));
            }
            for (long dropped : buffer.takeDropped()) {
                wrapped().delete(chunkKey(host, dropped));
            }
        }
        dirty.clear();
    }

    @Override
    public void flushCache() {
        writeBack();
        super.flushCache();
    }

    @Override
    public void commit(Map<org.apache.kafka.common.TopicPartition, Long> changelogOffsets) {
        writeBack(); // normally a no-op: flushCache ran first
        super.commit(changelogOffsets);
    }

    @Override
    public void clearCache() {
        forget();
        super.clearCache();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        forget();
        super.init(context, root);
    }

    @Override
    public void close() {
        forget();
        super.close();
    }

    private void forget() {
        loaded.clear();
        dirty.clear();
        allLoaded = false;
    }

    static Bytes hostKey(String host) {
        byte[] h = host.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[h.length + 1];
        k[0] = 'h';
        System.arraycopy(h, 0, k, 1, h.length);
        return Bytes.wrap(k);
    }

    private static byte[] chunkPrefix(String host) {
        byte[] h = host.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(h.length + 2).put((byte) 'p').put(h).put((byte) 0).array();
    }

    static Bytes chunkKey(String host, long chunk) {
        byte[] prefix = chunkPrefix(host);
        return Bytes.wrap(ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(chunk ^ Long.MIN_VALUE).array());
    }
}
