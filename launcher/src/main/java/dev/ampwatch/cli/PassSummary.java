package dev.ampwatch.cli;

import dev.ampwatch.schema.EpochMetrics;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * An inference run's figures over all its passes, as the analyzer derives them (RunEnergyAssembler): inferences over the
 * passes' time, and each batch-latency percentile as the median over the passes. {@code infer} and a sweep printed the
 * last pass's instead, so one console showed two figures for one run (a review, 2026-12-02: 24,980 vs 18,140 inferences/s).
 */
record PassSummary(Double inferencesPerSecond, Double latencyP50Ms, Double latencyP99Ms) {

    static PassSummary of(List<EpochMetrics> passes) {
        long samples = 0;
        double seconds = 0;
        for (EpochMetrics p : passes) {
            if (p.getDurationMs() > 0) {
                samples += p.getSamples();
                seconds += p.getDurationMs() / 1000.0;
            }
        }
        return new PassSummary(seconds > 0 ? samples / seconds : null, median(passes, EpochMetrics::getLatencyP50Ms),
                median(passes, EpochMetrics::getLatencyP99Ms));
    }

    /** The median of the passes' values (the mean of the middle two for an even count); null when none has one. */
    static Double median(List<EpochMetrics> passes, Function<EpochMetrics, Double> value) {
        double[] v = passes.stream().map(value).filter(Objects::nonNull).mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return null;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** {@code %.Nf} of the value, blank when unknown. */
    static String fixed(Double v, int decimals) {
        return v == null ? "" : String.format(java.util.Locale.ROOT, "%." + decimals + "f", v);
    }
}
