package dev.ampwatch.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.Comparison;
import org.junit.jupiter.api.Test;

/** The building blocks against scipy 1.17.1; the Python that produced each number is next to it. */
class PrimitivesReferenceTest {

    /**
     * <pre>{@code
     * from scipy import stats
     * for t, df, nc in [(2.1, 8, 1.5), (-1.3, 3, 0.7), (0.0, 12, -2.0), (4.3, 2, 10.0), (-2.2, 30, -3.1),
     *                   (1.96, 200, 2.8), (0.5, 1.5, 0.0), (6.0, 18, 5.5), (-4.0, 5, 2.0), (3.0, 9.3, 30.0)]:
     *     print(f"{{{t}, {df}, {nc}, {stats.nct.cdf(t, df, nc)!r}}},")
     * }</pre>
     */
    static final double[][] NCT = {
        {2.1, 8, 1.5, 0.6817114222991121},
        {-1.3, 3, 0.7, 0.04379769042273709},
        {0.0, 12, -2.0, 0.9772498680518208},
        {4.3, 2, 10.0, 0.007213630366136159},
        {-2.2, 30, -3.1, 0.8115691735656769},
        {1.96, 200, 2.8, 0.20089203329402186},
        {0.5, 1.5, 0.0, 0.65971644466503},
        {6.0, 18, 5.5, 0.6128391299229292},
        {-4.0, 5, 2.0, 1.94399770699693e-05},
        {3.0, 9.3, 30.0, 7.812660888958263e-94},
    };

    @Test
    void noncentralTCdfMatchesScipyNct() {
        for (double[] c : NCT) {
            assertThat(NoncentralT.cdf(c[0], c[1], c[2])).as("nct.cdf(%s, %s, %s)", c[0], c[1], c[2])
                    .isCloseTo(c[3], within(1e-9));
        }
    }

    @Test
    void noncentralTRefusesANoncentralityItWouldGetWrong() {
        assertThatThrownBy(() -> NoncentralT.cdf(1, 10, 40)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("underflows");
    }

    /**
     * <pre>{@code
     * import numpy as np
     * def holm(p):
     *     p = np.asarray(p); order = np.argsort(p, kind="stable"); m = len(p)
     *     adj = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p[order]))
     *     out = np.empty(m); out[order] = adj; return out
     * print(list(holm([0.01, 0.04, 0.03, 0.005, 0.2, 0.04])))   # [0.05, 0.12, 0.12, 0.03, 0.2, 0.12]
     * }</pre>
     */
    @Test
    void holmMatchesTheStepDownDefinition() {
        double[] adjusted = Holm.adjust(new double[] {0.01, 0.04, 0.03, 0.005, 0.2, 0.04});
        double[] expected = {0.05, 0.12, 0.12, 0.03, 0.2, 0.12};
        for (int i = 0; i < expected.length; i++) {
            assertThat(adjusted[i]).isCloseTo(expected[i], within(1e-15));
        }
    }

    /**
     * {@code scipy.stats.mannwhitneyu([1, 2, 3], [4, 5, 6, 7])}: U = 0, exact p = 2/35 = 0.05714285714285714;
     * {@code mannwhitneyu([5, 1, 9], [2, 8, 3, 7])}: U = 6, p = 1.0 (the exact two-sided p, capped).
     */
    @Test
    void exactMannWhitneyMatchesScipyAtTheExtremeAndTheCentre() {
        MannWhitney extreme = MannWhitney.test(new double[] {1, 2, 3}, new double[] {4, 5, 6, 7});
        assertThat(extreme.u()).isZero();
        assertThat(extreme.p()).isCloseTo(2.0 / 35, within(1e-15));
        assertThat(extreme.exact()).isTrue();
        MannWhitney centre = MannWhitney.test(new double[] {5, 1, 9}, new double[] {2, 8, 3, 7});
        assertThat(centre.u()).isEqualTo(6);
        assertThat(centre.p()).isEqualTo(1.0);
    }

    /**
     * The EXACT data of {@link ComparisonReferenceTest} with a 0.5 % margin (margin_ratio = 0.005 in its
     * script): {'margin': 0.6188333333333333, 'tost': 0.9260373859632687, 'power': 0.07365396261547391,
     * 'needed': 171.0}.
     */
    @Test
    void aSmallerMarginNeedsMoreRunsAsScipyCounts() {
        Comparison c = ExperimentStatistics.computeWith(new Runs()
                        .add("amp-fp16", 128, ComparisonReferenceTest.EXACT_AMP)
                        .add("fp32", 128, ComparisonReferenceTest.EXACT_FP32).experiment(),
                StatisticsSettings.DEFAULTS.withEquivalenceMarginRatio(0.005)).getComparisons().stream()
                .filter(x -> x.getMetric().equals("average_power_watts")).findFirst().orElseThrow();

        assertThat(c.getEquivalenceMargin()).isCloseTo(0.6188333333333333, within(1e-9));
        assertThat(c.getTostP()).isCloseTo(0.9260373859632687, within(1e-9));
        assertThat(c.getEquivalent()).isFalse();
        assertThat(c.getPowerAtRuns()).isCloseTo(0.07365396261547391, within(1e-9));
        assertThat(c.getRunsNeededPerGroup()).isEqualTo(171);
    }
}
