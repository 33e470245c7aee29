package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.timeline.HostTimeline;
import java.util.Collection;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * The Kafka Streams engine's home of a task's {@link TimelineCache}: a changelogged key-value store.
 *
 * <p>Exactly-once holds because the write-back happens in {@link #flushCache()}, which Kafka Streams
 * calls while preparing every commit, before it flushes the producer and commits the transaction that
 * also holds the input offsets (the same hook its own record cache uses). A crash loses the memory and
 * the uncommitted transaction together; the restored store and the committed offsets agree. Dropping
 * the memory on {@link #clearCache()}, {@link #init} and {@link #close()} keeps a recycled or revived
 * task from using state the store does not have.
 */
public final class TimelineStore extends WrappedStateStore<KeyValueStore<Bytes, byte[]>, Bytes, byte[]>
        implements HostStep.Timelines {
    private final TimelineCache cache;

    TimelineStore(KeyValueStore<Bytes, byte[]> inner, TimelineCache.Factory factory) {
        super(inner);
        this.cache = new TimelineCache(new TimelineCache.Kv() {
            @Override
            public byte[] get(Bytes key) {
                return wrapped().get(key);
            }

            @Override
            public void forEachWithPrefix(byte[] prefix, BiConsumer<Bytes, byte[]> action) {
                try (KeyValueIterator<Bytes, byte[]> it = wrapped().prefixScan(Bytes.wrap(prefix), new BytesSerializer())) {
                    it.forEachRemaining(kv -> action.accept(kv.key, kv.value));
                }
            }

            @Override
            public void put(Bytes key, byte[] value) {
                wrapped().put(key, value);
            }

            @Override
            public void delete(Bytes key) {
                wrapped().delete(key);
            }
        }, factory);
    }

    @Override
    public HostTimeline timeline(String host, long nowMs) {
        return cache.timeline(host, nowMs);
    }

    @Override
    public Collection<HostTimeline> all(long nowMs) {
        return cache.all(nowMs);
    }

    @Override
    public void changed(HostTimeline timeline) {
        cache.changed(timeline);
    }

    @Override
    public void flushCache() {
        cache.writeBack();
        super.flushCache();
    }

    @Override
    public void commit(Map<org.apache.kafka.common.TopicPartition, Long> changelogOffsets) {
        cache.writeBack(); // normally a no-op: flushCache ran first
        super.commit(changelogOffsets);
    }

    @Override
    public void clearCache() {
        cache.forget();
        super.clearCache();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        cache.forget();
        super.init(context, root);
    }

    @Override
    public void close() {
        cache.forget();
        super.close();
    }
}
