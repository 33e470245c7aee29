package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.AnalyzerConfig;
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
import java.util.function.BiConsumer;
import org.apache.kafka.common.utils.Bytes;

/**
 * The hosts' timelines of one partition, kept decoded in memory between commits and written through to
 * a changelogged key-value store at each commit: per record the analyzer touches only memory, per commit
 * it encodes each host that changed once, and of its grace buffer only the records that arrived since
 * the previous commit (one new chunk; see {@link GraceBuffer}). The engine calls {@link #writeBack()}
 * inside the transaction that also commits the input offsets, so the stored state and the offsets agree;
 * it calls {@link #forget()} whenever the memory may be ahead of the store (a task closed or revived).
 *
 * <p>Keys: {@code h<host>} holds the host's {@link HostState}; {@code p<host>\0<chunk>} a chunk of its
 * grace buffer (an 8-byte sequence number; stores written before chunks held time slices under the same
 * keys, which restore the same way). Both engines use this layout, in a changelog of the same name.
 */
public final class TimelineCache implements HostStep.Timelines {
    /** Makes or restores the timeline of a host from what was stored (null state: a new host). */
    public interface Factory {
        HostTimeline open(String host, HostState stored, Map<Long, List<Buffered>> chunks, long nowMs);

        /** Timelines with {@code config}'s attribution and timing. */
        static Factory of(AnalyzerConfig config) {
            return (host, stored, chunks, nowMs) -> stored == null
                    ? HostTimeline.create(host, config.attributionFor(host), config.timeline(), nowMs)
                    : HostTimeline.restore(stored, chunks, config.attributionFor(host), config.timeline(), nowMs);
        }
    }

    /** The store under the cache: bytes by key, with a changelog behind writes. */
    public interface Kv {
        byte[] get(Bytes key);

        /** Every entry whose key starts with {@code prefix}, in key order. */
        void forEachWithPrefix(byte[] prefix, BiConsumer<Bytes, byte[]> action);

        void put(Bytes key, byte[] value);

        void delete(Bytes key);
    }

    private static final AvroSerde<HostState> HOST_SERDE = StateSchemas.serde(HostState.class, HostState.getClassSchema(),
            "HostState.v1.avsc", "HostState.v2.avsc", "HostState.v3.avsc", "HostState.v4.avsc", "HostState.v5.avsc", "HostState.v6.avsc", "HostState.v7.avsc", "HostState.v8.avsc", "HostState.v9.avsc");
    /** How hosts' states are written to and read from the changelog: every earlier layout reads. */
    static AvroSerde<HostState> serde() {
        return HOST_SERDE;
    }

    /** A host's state as its changelog record holds it (for sizing it). */
    public static byte[] encodedState(HostState state) {
        return HOST_SERDE.encode(state);
    }

    private static final AvroSerde<PendingSlice> CHUNK_SERDE = new AvroSerde<>(PendingSlice.class, PendingSlice.getClassSchema());

    private final Kv store;
    private final Factory factory;
    private final Map<String, HostTimeline> loaded = new HashMap<>();
    private final List<HostTimeline> dirty = new ArrayList<>();
    private boolean allLoaded;

    public TimelineCache(Kv store, Factory factory) {
        this.store = store;
        this.factory = factory;
    }

    /** The host's timeline, loaded from the store on first use. */
    @Override
    public HostTimeline timeline(String host, long nowMs) {
        HostTimeline t = loaded.get(host);
        if (t == null) {
            t = load(host, nowMs);
            loaded.put(host, t);
        }
        return t;
    }

    /** Every host the store has state for (loads the ones not in memory yet, once). */
    @Override
    public Collection<HostTimeline> all(long nowMs) {
        if (!allLoaded) {
            List<String> hosts = new ArrayList<>();
            store.forEachWithPrefix(new byte[] {'h'}, (k, v) -> hosts.add(new String(k.get(), 1, k.get().length - 1, StandardCharsets.UTF_8)));
            hosts.forEach(h -> timeline(h, nowMs));
            allLoaded = true;
        }
        return loaded.values();
    }

    @Override
    public void changed(HostTimeline timeline) {
        if (timeline.markChanged()) {
            dirty.add(timeline);
        }
    }

    /** Whether a host changed since the last {@link #writeBack()}. */
    public boolean hasChanges() {
        return !dirty.isEmpty();
    }

    private HostTimeline load(String host, long nowMs) {
        byte[] bytes = store.get(hostKey(host));
        if (bytes == null) {
            return factory.open(host, null, Map.of(), nowMs);
        }
        HostState state = HOST_SERDE.decode(bytes);
        Map<Long, List<Buffered>> chunks = new HashMap<>();
        byte[] prefix = chunkPrefix(host);
        store.forEachWithPrefix(prefix, (key, value) -> {
            long chunk = ByteBuffer.wrap(key.get(), prefix.length, 8).getLong() ^ Long.MIN_VALUE;
            List<Buffered> records = new ArrayList<>();
            for (PendingRecord r : CHUNK_SERDE.decode(value).getRecords()) {
                byte[] payload = new byte[r.getPayload().remaining()];
                r.getPayload().duplicate().get(payload);
                records.add(Buffered.decode(r.getTimeUs(), r.getEvent(), r.getLate(), r.getSeq(), r.getMovedUs(), payload));
            }
            chunks.put(chunk, records);
        });
        return factory.open(host, state, chunks, nowMs);
    }

    /** Writes every changed host through to the store. */
    public void writeBack() {
        for (HostTimeline t : dirty) {
            String host = t.host();
            t.written();
            store.put(hostKey(host), HOST_SERDE.encode(t.state()));
            GraceBuffer buffer = t.buffer();
            GraceBuffer.Chunk chunk = buffer.takeUnwritten();
            if (chunk != null) {
                List<PendingRecord> records = new ArrayList<>(chunk.records().size());
                for (Buffered b : chunk.records()) {
                    records.add(new PendingRecord(b.timeUs(), b.isEvent(), b.seq(), b.isLate(), b.movedUs(), ByteBuffer.wrap(b.payload())));
                }
                store.put(chunkKey(host, chunk.seq()), CHUNK_SERDE.encode(new PendingSlice(records)));
            }
            for (long dropped : buffer.takeDropped()) {
                store.delete(chunkKey(host, dropped));
            }
        }
        dirty.clear();
    }

    /** Drops the memory: the next use loads from the store. */
    public void forget() {
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
