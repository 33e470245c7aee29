package dev.ampwatch.analyzer.stats;

import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunEnergy;

/**
 * The configuration key of a run, as {@code ExperimentStats.configurations[].key} has it, for readers that
 * join runs (the run-energy topic, {@code /runs/{id}}) with the statistics. One home for the key, so a
 * report cannot group a run differently from the statistics.
 */
public final class ConfigurationKeys {
    private ConfigurationKeys() {}

    /** Every factor of {@code run}'s configuration as name=level, joined by '|'; null when it has no config. */
    public static String of(RunEnergy run) {
        return run.getConfig() == null ? null : Configurations.key(Configurations.levels(ExperimentRunsAggregator.settings(run)));
    }

    /** The key of a run of {@code config} on at most one GPU (the GPUs come from a run's energy). */
    static String of(RunConfig config) {
        return Configurations.key(Configurations.levels(ExperimentRunsAggregator.settings(config)));
    }
}
