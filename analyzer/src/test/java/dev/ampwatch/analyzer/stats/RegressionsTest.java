package dev.ampwatch.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RegressionCheck;
import dev.ampwatch.schema.RegressionKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The latest runs of a mixed precision configuration against its earlier runs and against fp32 at the same
 * settings. Reference values from scipy 1.17:
 * <pre>
 * from scipy import stats
 * f=[100,101,99,100.5,99.5]; e=[90,91,89,90.5]; l=[105,104,106]
 * for a,b in [(l,e),(l,f),(e,f)]: print(stats.ttest_ind(a,b,equal_var=False).pvalue)
 * # 3.2710831596714874e-05  0.002873359852123784  1.253102880346979e-06
 * </pre>
 */
class RegressionsTest {
    static final double[] FP32 = {100, 101, 99, 100.5, 99.5};
    static final double[] EARLIER = {90, 91, 89, 90.5};
    static final double[] LATEST = {105, 104, 106};

    @Test
    void latestRunsThatLostTheSavingAreSignificantAgainstEarlierRunsAndFp32() {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs().add("fp32", 32, FP32).add("amp-fp16", 32, EARLIER)
                .add("amp-fp16", 32, LATEST).experiment());

        RegressionCheck drift = check(stats, RegressionKind.LATEST_VS_EARLIER, "average_power_watts");
        assertThat(drift.getN()).isEqualTo(3);
        assertThat(drift.getNReference()).isEqualTo(4);
        assertThat(drift.getMeanDifference()).isCloseTo(14.875, within(1e-9));
        assertThat(drift.getWelchP()).isCloseTo(3.2710831596714874e-05, within(1e-12));
        assertThat(drift.getReferenceLabel()).isEqualTo("amp-fp16 (earlier runs)");
        assertThat(drift.getSignificant()).isTrue();

        RegressionCheck now = check(stats, RegressionKind.LATEST_VS_FP32, "average_power_watts");
        assertThat(now.getMeanDifference()).isCloseTo(5.0, within(1e-9));
        assertThat(now.getMeanDifferenceRatio()).isCloseTo(0.05, within(1e-12));
        assertThat(now.getWelchP()).isCloseTo(0.002873359852123784, within(1e-12));
        assertThat(now.getReferenceLabel()).isEqualTo("fp32");
        assertThat(now.getCiLow()).isPositive();

        RegressionCheck before = check(stats, RegressionKind.EARLIER_VS_FP32, "energy_joules");
        assertThat(before.getMeanDifference()).isCloseTo(-987.5, within(1e-9));
        assertThat(before.getWelchP()).isCloseTo(1.253102880346979e-06, within(1e-12));
        assertThat(before.getSignificant()).isTrue();
        assertThat(NoNaN.in(stats)).isEmpty();
    }

    @Test
    void runsAreOrderedByTheirEndTimeNotByTheOrderTheyWereStored() {
        ExperimentRuns ordered = new Runs().add("fp32", 32, FP32).add("amp-fp16", 32, EARLIER).add("amp-fp16", 32, LATEST)
                .experiment();
        List<FinishedRun> shuffled = new ArrayList<>(ordered.getRuns());
        Collections.reverse(shuffled);
        ExperimentStats stats = ExperimentStatistics.compute(new ExperimentRuns("exp", shuffled));

        assertThat(check(stats, RegressionKind.LATEST_VS_EARLIER, "average_power_watts").getMean()).isCloseTo(105, within(1e-9));
    }

    @Test
    void holmAdjustsWithinOneKindAndMetricOverTheConfigurations() {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs().add("fp32", 32, FP32).add("amp-fp16", 32, EARLIER)
                .add("amp-fp16", 32, LATEST).add("fp32", 64, FP32).add("amp-fp16", 64, 100, 101, 99, 100, 100.5, 99.5)
                .experiment());

        List<RegressionCheck> family = stats.getRegressions().stream().filter(r -> r.getCheck() == RegressionKind.LATEST_VS_FP32
                && r.getMetric().equals("average_power_watts")).toList();
        assertThat(family).hasSize(2);
        double[] raw = family.stream().mapToDouble(RegressionCheck::getWelchP).toArray();
        double[] holm = Holm.adjust(raw);
        assertThat(family).extracting(RegressionCheck::getWelchPHolm).containsExactly(holm[0], holm[1]);
    }

    @Test
    void fewerThanFourRunsOrNoFp32TwinGiveReasonsNotNumbers() {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs().add("fp32", 32, FP32).add("amp-fp16", 32, 90, 91, 89)
                .add("amp-bf16", 64, 90, 91, 89, 92, 93).experiment());

        assertThat(stats.getRegressions()).hasSize(6).allSatisfy(r -> {
            assertThat(r.getConfigurationLabel()).isEqualTo("amp-fp16 bs=32");
            assertThat(r.getWelchP()).isNull();
            assertThat(r.getReasons()).containsExactly("needs 4 completed runs of amp-fp16 bs=32 (2 latest, 2 earlier): 3");
        });
    }

    static RegressionCheck check(ExperimentStats stats, RegressionKind kind, String metric) {
        return stats.getRegressions().stream().filter(r -> r.getCheck() == kind && r.getMetric().equals(metric))
                .findFirst().orElseThrow();
    }
}
