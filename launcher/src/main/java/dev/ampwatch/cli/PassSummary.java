package dev.ampwatch.cli;

import dev.ampwatch.analyzer.energy.RunEnergyAssembler;
import dev.ampwatch.schema.EpochMetrics;
import java.util.List;

/**
 * An inference run's figures over all its passes, as the analyzer derives them (RunEnergyAssembler): inferences over the
 * passes' time, and each batch-latency percentile as the median over the passes. {@code infer} and a sweep printed the
 * last pass's instead, so one console showed two figures for one run (a review, 2026-12-02: 24,980 vs 18,140 inferences/s).
 */
record PassSummary(Double inferencesPerSecond, Double latencyP50Ms, Double latencyP99Ms) {
    /** A run without passes (it failed or was interrupted first). */
    static final PassSummary NONE = new PassSummary(null, null, null);

    static PassSummary of(List<EpochMetrics> passes) {
        long samples = 0;
        double seconds = 0;
        for (EpochMetrics p : passes) {
            if (p.getDurationMs() > 0) {
                samples += p.getSamples();
                seconds += p.getDurationMs() / 1000.0;
            }
        }
        return new PassSummary(seconds > 0 ? samples / seconds : null,
                RunEnergyAssembler.median(passes.stream().map(EpochMetrics::getLatencyP50Ms)),
                RunEnergyAssembler.median(passes.stream().map(EpochMetrics::getLatencyP99Ms)));
    }

    /** {@code %.Nf} of the value, blank when unknown. */
    static String fixed(Double v, int decimals) {
        return v == null ? "" : String.format(java.util.Locale.ROOT, "%." + decimals + "f", v);
    }
}
