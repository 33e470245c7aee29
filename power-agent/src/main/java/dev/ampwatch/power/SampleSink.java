package dev.ampwatch.power;

import dev.ampwatch.schema.PowerSample;
import java.util.List;

/**
 * Where sampled records go (the Kafka publisher, or a list in tests). Must be thread-safe: each
 * source's sampler thread calls it. Should not block for long; a sink that cannot keep up drops
 * and counts rather than stalling the samplers.
 */
@FunctionalInterface
public interface SampleSink {

    /**
     * Accepts one record.
     *
     * @param sourceName the {@link PowerSource#name()} that produced it, for per-source metrics
     */
    void accept(String sourceName, PowerSample sample);

    /**
     * A sink that takes one tick's records together (the spool writes them with one system call): all of them,
     * or, on a {@link RuntimeException}, none. The sampler hands such a sink whole ticks.
     */
    interface Batching extends SampleSink {
        /** Accepts {@code samples} of one read of {@code sourceName}, in order: all, or none on an exception. */
        void acceptAll(String sourceName, List<PowerSample> samples);
    }
}
