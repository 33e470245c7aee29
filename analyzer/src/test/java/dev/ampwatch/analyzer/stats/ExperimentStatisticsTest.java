package dev.ampwatch.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.MetricSummary;
import dev.ampwatch.schema.SignificanceTest;
import org.junit.jupiter.api.Test;

class ExperimentStatisticsTest {
    // Welch's t-test, worked example 1 of its Wikipedia article: t = -2.46, df = 24.5, p = 0.021
    static final double[] A1 = {27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4};
    static final double[] A2 = {27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4};

    @Test
    void theV1TestListStillCarriesWelchAgainstFp32AsAPublishedExampleHasIt() {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs().add("amp-fp16", 128, A1).add("fp32", 128, A2)
                .experiment());

        SignificanceTest welch = stats.getTests().stream()
                .filter(t -> t.getName().equals("welch-t") && t.getMetric().equals("average_power_watts"))
                .findFirst().orElseThrow();
        assertThat(welch.getGroups()).containsExactly("amp-fp16", "fp32");
        assertThat(welch.getStatistic()).isCloseTo(-2.46, within(0.005));
        assertThat(welch.getPValue()).isCloseTo(0.021, within(0.0015));
        assertThat(welch.getSignificant()).isTrue();
        assertThat(stats.getTests()).extracting(t -> t.getName() + ":" + t.getMetric())
                .containsExactlyInAnyOrder("welch-t:energy_joules", "welch-t:average_power_watts",
                        "anova:energy_joules", "anova:average_power_watts");
    }

    /**
     * A v1 test's verdict is its comparison's (Holm over the experiment's comparisons): with the unadjusted p the same
     * record said significant in {@code tests} and not significant in {@code comparisons} (a review, 2026-12-02).
     * Here p = 0.021 among three comparisons whose other two have p = 1: Holm's p is 3 * 0.021 = 0.063.
     */
    @Test
    void aV1WelchTestsVerdictIsItsComparisonsHolmVerdict() {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs().add("amp-fp16", 128, A1).add("fp32", 128, A2)
                .add("amp-fp16", 32, 100, 101, 99).add("fp32", 32, 99, 101, 100)
                .add("amp-fp16", 64, 90, 92, 91, 93).add("fp32", 64, 93, 91, 92, 90).experiment());

        Comparison c = stats.getComparisons().stream().filter(x -> x.getMetric().equals("average_power_watts")
                && x.getConfigurationLabel().equals("amp-fp16 bs=128")).findFirst().orElseThrow();
        assertThat(c.getWelchP()).isCloseTo(0.021, within(0.0015));
        assertThat(c.getWelchPHolm()).isCloseTo(3 * c.getWelchP(), within(1e-12));
        assertThat(c.getSignificant()).isFalse();
        SignificanceTest welch = stats.getTests().stream().filter(t -> t.getName().equals("welch-t")
                && t.getMetric().equals("average_power_watts") && t.getGroups().contains("amp-fp16 bs=128"))
                .findFirst().orElseThrow();
        assertThat(welch.getPValue()).isEqualTo(c.getWelchP()); // unadjusted, as v1 wrote it
        assertThat(welch.getSignificant()).isFalse();
    }

    @Test
    void aGroupWithOneRunGetsAReasonAndFailedRunsCountOnlyAsFailed() {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs().add("fp32", 128, 100, 101)
                .add("amp-fp16", 128, 95).failed("amp-fp16", 128, 256).experiment());

        Comparison c = power(stats);
        assertThat(c.getN()).isEqualTo(1);
        assertThat(c.getMean()).isEqualTo(95.0);
        assertThat(c.getWelchP()).isNull();
        assertThat(c.getMannWhitneyP()).isNull();
        assertThat(c.getReasons()).containsExactly("too few runs in amp-fp16: 1 (needs 2)");
        assertThat(stats.getTests()).noneMatch(t -> t.getName().equals("welch-t"));
        var amp = stats.getConfigurations().get(0);
        assertThat(amp.getRuns()).isEqualTo(1);
        assertThat(amp.getFailedRuns()).isEqualTo(1);
        MetricSummary ampPower = amp.getMetrics().stream().filter(m -> m.getMetric().equals("average_power_watts"))
                .findFirst().orElseThrow();
        assertThat(ampPower.getSd()).isNull();
        assertThat(ampPower.getReason()).isEqualTo("too few runs for a standard deviation: 1 (needs 2)");
    }

    @Test
    void identicalRunsInBothGroupsGiveReasonsNotNaN() {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs().add("fp32", 128, 100, 100, 100)
                .add("amp-fp16", 128, 100, 100).experiment());

        Comparison c = power(stats);
        assertThat(c.getMeanDifference()).isZero();
        assertThat(c.getEquivalenceMargin()).isEqualTo(5.0); // 5 % of 100 W: defined without variance
        assertThat(c.getWelchT()).isNull();
        assertThat(c.getHedgesG()).isNull();
        assertThat(c.getTostP()).isNull();
        assertThat(c.getRunsNeededPerGroup()).isNull();
        assertThat(c.getMannWhitneyP()).isEqualTo(1.0);
        assertThat(c.getReasons()).contains(Comparisons.ZERO_VARIANCE,
                "every run of both groups has the same value: the rank test has no information (p = 1)");
        assertThat(stats.getAnova()).filteredOn(t -> t.getMetric().equals("average_power_watts")).singleElement()
                .satisfies(t -> assertThat(t.getRows().get(0).getReason())
                        .isEqualTo("zero residual variance: every configuration's runs are identical"));
        MetricSummary fp32Power = stats.getConfigurations().stream().filter(x -> x.getLabel().equals("fp32"))
                .findFirst().orElseThrow().getMetrics().stream().filter(m -> m.getMetric().equals("average_power_watts"))
                .findFirst().orElseThrow();
        assertThat(fp32Power.getSd()).isZero(); // no zero-width "95 % interval" (a review, 2026-12-02)
        assertThat(fp32Power.getCiLow()).isNull();
        assertThat(fp32Power.getReason()).isEqualTo("zero variance: the 3 runs have the same value, so the interval of the"
                + " mean is undefined");
        assertThat(NoNaN.in(stats)).isEmpty();
    }

    @Test
    void whatCannotBeComparedIsListedWithItsReason() {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs().cpuOnly()
                .add("fp32", 128, 100, 101).add("amp-bf16", 64, 90, 92).withoutSettings(80).experiment());

        assertThat(stats.getNotComputed()).extracting(n -> n.getAnalysis() + " | " + n.getMetric() + " | " + n.getReason())
                .contains("runs without a configuration | null | 1 run(s) left out of every statistic: their start"
                                + " event was not seen, so their configuration is unknown",
                        "every analysis | average_gpu_power_watts | no completed run has a value for it",
                        "amp-bf16 bs=64 vs fp32 at the same settings | null | the experiment has no fp32 configuration"
                                + " at the same other settings",
                        "every configuration vs the benchmark | null | no run is flagged as the benchmark configuration"
                                + " (ampwatch sweep flags it in RunConfig.benchmark)");
        assertThat(stats.getComparisons()).isEmpty();
    }

    @Test
    void everyConfigurationIsComparedWithTheBenchmarkAndAPairAskedTwiceIsTestedOnce() {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs()
                .add("fp32", 128, 256, true, 100, 101, 99).add("amp-fp16", 128, 256, false, 95, 96, 94)
                .add("fp32", 32, 256, false, 90, 91, 89).add("amp-fp16", 32, 256, false, 85, 86, 87).experiment());

        assertThat(stats.getComparisons()).filteredOn(c -> c.getMetric().equals("energy_joules"))
                .extracting(c -> c.getConfigurationLabel() + " vs " + c.getReferenceLabel() + " " + c.getKinds())
                .containsExactlyInAnyOrder(
                        "amp-fp16 bs=128 vs fp32 bs=128 [PRECISION_VS_FP32, VERSUS_BENCHMARK]",
                        "amp-fp16 bs=32 vs fp32 bs=32 [PRECISION_VS_FP32]",
                        "amp-fp16 bs=32 vs fp32 bs=128 [VERSUS_BENCHMARK]",
                        "fp32 bs=32 vs fp32 bs=128 [VERSUS_BENCHMARK]");
        assertThat(stats.getConfigurations()).filteredOn(c -> c.getBenchmark()).extracting(c -> c.getLabel())
                .containsExactly("fp32 bs=128");
    }

    @Test
    void everyResponseVariableIsReportedWithItsUnit() {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs().add("fp32", 128, 100, 101)
                .add("amp-fp16", 128, 95, 97).experiment());

        assertThat(stats.getConfigurations().get(0).getMetrics()).extracting(m -> m.getMetric() + " [" + m.getUnit() + "]")
                .containsExactly("average_gpu_power_watts [W]", "average_power_watts [W]", "energy_joules [J]",
                        "net_energy_joules [J]", "energy_per_epoch_joules [J]", "energy_per_sample_joules [J]",
                        "duration_seconds [s]", "final_test_accuracy_ratio [ratio]");
        // 100 s runs of 5 epochs and 5,000 samples: 95 W is 9,500 J, 1,900 J per epoch, 1.9 J per sample
        MetricSummary perEpoch = stats.getConfigurations().get(0).getMetrics().get(4);
        assertThat(perEpoch.getMean()).isCloseTo(9_600.0 / 5, within(1e-9));
        assertThat(stats.getConfigurations().get(0).getMetrics().get(0).getMean()).isCloseTo(0.8 * 96, within(1e-9));
    }

    private static Comparison power(ExperimentStats stats) {
        return stats.getComparisons().stream().filter(c -> c.getMetric().equals("average_power_watts"))
                .findFirst().orElseThrow();
    }
}
