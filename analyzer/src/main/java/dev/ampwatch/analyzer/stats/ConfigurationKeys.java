package dev.ampwatch.analyzer.stats;

import dev.ampwatch.schema.RunConfig;

/**
 * The configuration key of a run, as {@code ExperimentStats.configurations[].key} has it, for readers that
 * join runs (the run-energy topic, {@code /runs/{id}}) with the statistics. One home for the key, so a
 * report cannot group a run differently from the statistics.
 */
public final class ConfigurationKeys {
    private ConfigurationKeys() {}

    /** Every factor of {@code config} as name=level, joined by '|'; null when there is no config. */
    public static String of(RunConfig config) {
        return config == null ? null : Configurations.key(Configurations.levels(ExperimentRunsAggregator.settings(config)));
    }
}
