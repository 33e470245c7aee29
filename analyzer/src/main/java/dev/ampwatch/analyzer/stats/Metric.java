package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.state.FinishedRun;
import java.util.function.Function;

/**
 * The response variables compared between configurations, each with its unit. A run without a value
 * (no GPU readings, no accuracy or RMSE reported, no epoch completed) is left out of that variable's statistics
 * only.
 */
public enum Metric {
    AVERAGE_GPU_POWER("average_gpu_power_watts", "W", r -> r.getGpuEnergyJoules() == null || !(r.getDurationSeconds() > 0)
            ? null : r.getGpuEnergyJoules() / r.getDurationSeconds()),
    AVERAGE_POWER("average_power_watts", "W", FinishedRun::getAveragePowerWatts),
    ENERGY("energy_joules", "J", FinishedRun::getEnergyJoules),
    NET_ENERGY("net_energy_joules", "J", FinishedRun::getNetEnergyJoules),
    ENERGY_PER_EPOCH("energy_per_epoch_joules", "J", r -> r.getEpochsCompleted() > 0
            ? r.getEnergyJoules() / r.getEpochsCompleted() : null),
    ENERGY_PER_SAMPLE("energy_per_sample_joules", "J", FinishedRun::getJoulesPerSample),
    DURATION("duration_seconds", "s", FinishedRun::getDurationSeconds),
    FINAL_TEST_ACCURACY("final_test_accuracy_ratio", "ratio", FinishedRun::getTestAccuracy),
    /** A regression's test RMSE after its last epoch, in its target's units (RunConfig.task). */
    FINAL_TEST_RMSE("final_test_rmse", "target units", FinishedRun::getTestRmse);

    private final String id;
    private final String unit;
    private final Function<FinishedRun, Double> value;

    Metric(String id, String unit, Function<FinishedRun, Double> value) {
        this.id = id;
        this.unit = unit;
        this.value = value;
    }

    /** The name used in ExperimentStats, with its unit in it. */
    public String id() {
        return id;
    }

    public String unit() {
        return unit;
    }

    /** The run's value, or null when it has none (a NaN or infinite value counts as none). */
    Double of(FinishedRun run) {
        Double v = value.apply(run);
        return v == null || !Double.isFinite(v) ? null : v;
    }
}
