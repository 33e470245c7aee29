package dev.ampwatch.analyzer.streams;

import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds a {@link TimelineStore} over a persistent, changelogged key-value store. Kafka Streams' own
 * record cache stays off: the timeline store is the cache, and a second one would hold writes back
 * past the commit they belong to.
 */
final class TimelineStoreBuilder implements StoreBuilder<TimelineStore> {
    private final TimelineCache.Factory factory;
    private StoreBuilder<KeyValueStore<Bytes, byte[]>> inner;

    TimelineStoreBuilder(String name, TimelineCache.Factory factory) {
        this.factory = factory;
        this.inner = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingDisabled();
    }

    @Override
    public StoreBuilder<TimelineStore> withCachingEnabled() {
        return this; // see the class comment
    }

    @Override
    public StoreBuilder<TimelineStore> withCachingDisabled() {
        return this;
    }

    @Override
    public StoreBuilder<TimelineStore> withLoggingEnabled(Map<String, String> config) {
        inner = inner.withLoggingEnabled(config);
        return this;
    }

    @Override
    public StoreBuilder<TimelineStore> withLoggingDisabled() {
        inner = inner.withLoggingDisabled();
        return this;
    }

    @Override
    public TimelineStore build() {
        return new TimelineStore(inner.build(), factory);
    }

    @Override
    public Map<String, String> logConfig() {
        return inner.logConfig();
    }

    @Override
    public boolean loggingEnabled() {
        return inner.loggingEnabled();
    }

    @Override
    public String name() {
        return inner.name();
    }
}
