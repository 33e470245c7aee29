package dev.ampwatch.analyzer;

import dev.ampwatch.schema.RunEnergy;

/**
 * Told about what the analyzer emits, for metrics. Called on stream threads; implementations must be
 * thread-safe and fast. Under exactly-once a call can repeat after a retried transaction, so it must
 * be idempotent (keep the latest value, do not add).
 */
public interface AnalyzerListener {
    void onRunEnergy(RunEnergy energy);

    /** A record was set aside; {@code kind} is deserialization, invalid or late. */
    void onDeadLetter(String sourceTopic, String kind);

    AnalyzerListener NONE = new AnalyzerListener() {
        @Override
        public void onRunEnergy(RunEnergy energy) {}

        @Override
        public void onDeadLetter(String sourceTopic, String kind) {}
    };
}
