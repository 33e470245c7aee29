package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.EpochMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

class PassSummaryTest {
    /**
     * infer and a sweep print an inference run's figures as the analyzer derives them (over all its passes), not the last
     * pass's: a review saw 24,980 inferences/s printed where /runs and the report had 18,140 (2026-12-02).
     */
    @Test
    void throughputIsOverAllPassesAndLatencyTheMedianOfThePasses() {
        List<EpochMetrics> passes = List.of(pass(10_000, 2_000, 2.0, 4.0), pass(10_000, 1_000, 1.0, 3.0),
                pass(10_000, 1_000, 1.2, 5.0), pass(10_000, 1_000, 1.1, 3.5));
        PassSummary s = PassSummary.of(passes);
        assertThat(s.inferencesPerSecond()).isCloseTo(40_000 / 5.0, within(1e-9)); // not the last pass's 10,000
        assertThat(s.latencyP50Ms()).isCloseTo((1.1 + 1.2) / 2, within(1e-12));
        assertThat(s.latencyP99Ms()).isCloseTo((3.5 + 4.0) / 2, within(1e-12));
        assertThat(PassSummary.fixed(null, 3)).isEmpty();
    }

    private static EpochMetrics pass(long samples, long ms, double p50, double p99) {
        return EpochMetrics.newBuilder().setLoss(0.3).setTestAccuracy(0.8).setSamples(samples)
                .setSamplesPerSecond(samples * 1000.0 / ms).setDurationMs(ms).setLatencyP50Ms(p50).setLatencyP95Ms(p99)
                .setLatencyP99Ms(p99).build();
    }
}
