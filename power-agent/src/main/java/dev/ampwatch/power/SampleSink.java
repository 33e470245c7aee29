package dev.ampwatch.power;

import dev.ampwatch.schema.PowerSample;

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
}
