package dev.ampwatch.analyzer;

import dev.ampwatch.schema.RunEnergy;

/**
 * Told about what the analyzer emits, for metrics. Called on the engine's threads; implementations must
 * be thread-safe and fast. The direct engine tells run energy and dead letters once the transaction that
 * wrote them has committed, so a count is exact; on the Kafka Streams engine a call can repeat after a
 * retried transaction (the dead-letter counter then counts those again; values kept as the latest are
 * unaffected).
 */
public interface AnalyzerListener {
    void onRunEnergy(RunEnergy energy);

    /** An experiment's statistics changed (a run of it finished). */
    default void onExperimentStats(dev.ampwatch.schema.ExperimentStats stats) {}

    /**
     * A host's attributed time moved (reported at most about once a second per host): its devices' live
     * power and energy as of {@code attributedUntilUs}, event time.
     */
    default void onHostProgress(String host, long attributedUntilUs, java.util.List<LiveDevice> devices) {}

    /**
     * As {@link #onHostProgress(String, long, java.util.List)}, with the newest event time received from the host
     * ({@code receivedUntilUs}): equal to or below the attributed time once everything it sent is attributed (a host
     * that went quiet), above it while some waits (a host sending, or an analyzer behind).
     */
    default void onHostProgress(String host, long attributedUntilUs, long receivedUntilUs, java.util.List<LiveDevice> devices) {
        onHostProgress(host, attributedUntilUs, devices);
    }

    /**
     * This instance now processes the hosts of input partition {@code partition} (a Kafka Streams task of the
     * attribution initialized, a direct engine member assigned it): their series are this instance's to export.
     */
    default void onPartitionAssigned(int partition) {}

    /**
     * This instance no longer processes the hosts of input partition {@code partition} (its task closed, revoked or
     * lost): the instance that takes it over reports them; the series of its hosts, their runs and devices go here.
     */
    default void onPartitionReleased(int partition) {}

    /** A record was set aside; {@code kind} is deserialization, invalid, duplicate or late. */
    void onDeadLetter(String sourceTopic, String kind);

    AnalyzerListener NONE = new AnalyzerListener() {
        @Override
        public void onRunEnergy(RunEnergy energy) {}

        @Override
        public void onDeadLetter(String sourceTopic, String kind) {}
    };
}
