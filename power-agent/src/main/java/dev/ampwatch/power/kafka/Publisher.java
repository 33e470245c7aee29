package dev.ampwatch.power.kafka;

import dev.ampwatch.power.SampleSink;

/** A sink that delivers samples to Kafka. Closing sends what it can and releases the producer. */
public interface Publisher extends SampleSink, AutoCloseable {
    /** Samples taken but not yet confirmed by Kafka (in memory or on disk). */
    long pendingSamples();

    @Override
    void close();
}
