package dev.ampwatch.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ConfigurationSummary;
import dev.ampwatch.schema.ExperimentStats;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The held-out experiment of issue #9: mixed precision draws about 8 W less than FP32 at batch size 32
 * and 5 W more at batch size 128. Pooled by precision, the two effects cancel; by configuration, both show.
 *
 * <pre>{@code
 * import numpy as np
 * from scipy import stats
 * fp32_32 = [110.2, 111.5, 109.4, 110.9, 109.8]; amp_32 = [102.1, 103.0, 101.6, 102.7, 101.9]
 * fp32_128 = [130.1, 131.4, 129.6, 130.8, 129.9]; amp_128 = [135.3, 134.6, 136.1, 135.0, 135.8]
 * for name, x, y in [("bs=32", amp_32, fp32_32), ("bs=128", amp_128, fp32_128),
 *                    ("pooled", amp_32 + amp_128, fp32_32 + fp32_128)]:
 *     r = stats.ttest_ind(x, y, equal_var=False)
 *     print(name, float(np.mean(x) - np.mean(y)), float(r.statistic), float(r.pvalue))
 * # bs=32 -8.099999999999994 -17.70941351258833 4.084295899322478e-07
 * # bs=128 4.999999999999972 11.811389781538223 3.2372615058681545e-06
 * # pooled -1.5500000000000256 -0.24022771080522876 0.8134457882849379
 * }</pre>
 */
class ConfoundingTest {
    static final double[] FP32_32 = {110.2, 111.5, 109.4, 110.9, 109.8};
    static final double[] AMP_32 = {102.1, 103.0, 101.6, 102.7, 101.9};
    static final double[] FP32_128 = {130.1, 131.4, 129.6, 130.8, 129.9};
    static final double[] AMP_128 = {135.3, 134.6, 136.1, 135.0, 135.8};

    final ExperimentStats stats = ExperimentStatistics.compute(new Runs()
            .add("fp32", 32, FP32_32).add("amp-fp16", 32, AMP_32)
            .add("fp32", 128, FP32_128).add("amp-fp16", 128, AMP_128).experiment());

    @Test
    void mixedPrecisionIsComparedWithFp32AtEachBatchSizeAndBothOppositeEffectsAreSignificant() {
        Comparison bs32 = power("amp-fp16 bs=32");
        assertThat(bs32.getReferenceLabel()).isEqualTo("fp32 bs=32");
        assertThat(bs32.getMeanDifference()).isCloseTo(-8.099999999999994, within(1e-9));
        assertThat(bs32.getWelchT()).isCloseTo(-17.70941351258833, within(1e-9));
        assertThat(bs32.getWelchP()).isCloseTo(4.084295899322478e-07, within(1e-12));
        assertThat(bs32.getCiHigh()).isNegative();
        assertThat(bs32.getSignificant()).isTrue();

        Comparison bs128 = power("amp-fp16 bs=128");
        assertThat(bs128.getReferenceLabel()).isEqualTo("fp32 bs=128");
        assertThat(bs128.getMeanDifference()).isCloseTo(4.999999999999972, within(1e-9));
        assertThat(bs128.getWelchT()).isCloseTo(11.811389781538223, within(1e-9));
        assertThat(bs128.getWelchP()).isCloseTo(3.2372615058681545e-06, within(1e-12));
        assertThat(bs128.getCiLow()).isPositive();
        assertThat(bs128.getSignificant()).isTrue();
        // Holm over the two comparisons of average power: the smaller p doubled, the larger kept
        assertThat(bs32.getWelchPHolm()).isCloseTo(2 * 4.084295899322478e-07, within(1e-12));
        assertThat(bs128.getWelchPHolm()).isCloseTo(3.2372615058681545e-06, within(1e-12));
    }

    @Test
    void noComparisonPoolsRunsOfDifferentBatchSizes() {
        // pooled, amp-fp16 vs fp32 differs by -1.55 W with p = 0.81: the answer the old output gave
        assertThat(stats.getComparisons()).allSatisfy(c -> assertThat(batch(c.getConfiguration()))
                .isEqualTo(batch(c.getReference())));
        assertThat(stats.getComparisons()).extracting(Comparison::getWelchP)
                .noneSatisfy(p -> assertThat(p).isCloseTo(0.8134457882849379, within(1e-6)));
        assertThat(stats.getGroups()).extracting(g -> g.getGroup())
                .containsExactly("amp-fp16 bs=128", "amp-fp16 bs=32", "fp32 bs=128", "fp32 bs=32");
        assertThat(stats.getTests()).filteredOn(t -> t.getName().equals("welch-t"))
                .allSatisfy(t -> assertThat(t.getGroups()).hasSize(2)
                        .allSatisfy(g -> assertThat(g).contains("bs=")));
    }

    @Test
    void theFactorialAnovaShowsThePrecisionByBatchSizeInteraction() {
        var table = stats.getAnova().stream().filter(t -> t.getKind().equals("factorial-type-ii")
                && t.getMetric().equals("average_power_watts")).findFirst().orElseThrow();
        assertThat(table.getFactors()).containsExactly("precision", "batch_size");
        var interaction = table.getRows().stream().filter(r -> r.getTerm().equals("precision:batch_size"))
                .findFirst().orElseThrow();
        assertThat(interaction.getPValue()).isLessThan(1e-6);
    }

    @Test
    void labelsNameOnlyTheFactorsThatVaryAndKeysNameThemAll() {
        ConfigurationSummary first = stats.getConfigurations().get(0);
        assertThat(first.getLabel()).isEqualTo("amp-fp16 bs=128");
        assertThat(first.getKey()).isEqualTo("precision=amp-fp16|batch_size=128|hidden_units=256|epochs=5"
                + "|learning_rate=0.01|optimizer=sgd-momentum|dataset=fashion-mnist|train_samples=1000"
                + "|device=cpu (2 threads)|backend=cpu");
        assertThat(first.getFactors()).filteredOn(f -> f.getVaries()).extracting(f -> f.getFactor())
                .containsExactly("precision", "batch_size");
    }

    private Comparison power(String label) {
        return stats.getComparisons().stream().filter(c -> c.getMetric().equals("average_power_watts")
                && c.getConfigurationLabel().equals(label)).findFirst().orElseThrow();
    }

    private static String batch(String key) {
        return List.of(key.split("\\|")).stream().filter(p -> p.startsWith("batch_size=")).findFirst().orElseThrow();
    }
}
