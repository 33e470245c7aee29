package dev.ampwatch.analyzer;

import dev.ampwatch.schema.RunEnergy;

/**
 * Told about what the analyzer emits, for metrics. Called on stream threads; implementations must be
 * thread-safe and fast. Under exactly-once a call can repeat after a retried transaction, so it must
 * be idempotent (keep the latest value, do not add).
 */
public interface AnalyzerListener {
    void onRunEnergy(RunEnergy energy);

    /** An experiment's statistics changed (a run of it finished). */
    default void onExperimentStats(dev.ampwatch.schema.ExperimentStats stats) {}

    /** A record was set aside; {@code kind} is deserialization, invalid, duplicate or late. */
    void onDeadLetter(String sourceTopic, String kind);

    AnalyzerListener NONE = new AnalyzerListener() {
        @Override
        public void onRunEnergy(RunEnergy energy) {}

        @Override
        public void onDeadLetter(String sourceTopic, String kind) {}
    };
}
