package dev.ampwatch.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ComparisonKind;
import dev.ampwatch.schema.ExperimentStats;
import org.junit.jupiter.api.Test;

/**
 * Every statistic of a comparison against values computed with scipy 1.17.1 / numpy by this script
 * (its output is pasted below each test's data):
 *
 * <pre>{@code
 * import numpy as np
 * from scipy import stats, special
 * alpha, margin_ratio, power_target = 0.05, 0.05, 0.8
 * def power(na, nb, diff, sd):
 *     dfn = na + nb - 2; c = stats.t.ppf(1 - alpha / 2, dfn); ncp = diff / (sd * np.sqrt(1 / na + 1 / nb))
 *     return stats.nct.sf(c, dfn, ncp) + stats.nct.cdf(-c, dfn, ncp)
 * def reference(x, y):                     # x: the configuration, y: its reference
 *     x, y = np.array(x), np.array(y); n1, n2 = len(x), len(y)
 *     w = stats.ttest_ind(x, y, equal_var=False)
 *     v1, v2 = x.var(ddof=1) / n1, y.var(ddof=1) / n2
 *     se = np.sqrt(v1 + v2); df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
 *     d = x.mean() - y.mean(); q = stats.t.ppf(1 - alpha / 2, df)
 *     ci = (d - q * se, d + q * se)
 *     mw = stats.mannwhitneyu(x, y)        # method='auto', use_continuity=True
 *     sp = np.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2))
 *     dfp = n1 + n2 - 2
 *     J = special.gamma(dfp / 2) / (np.sqrt(dfp / 2) * special.gamma((dfp - 1) / 2))
 *     g = J * d / sp
 *     seg = np.sqrt((n1 + n2) / (n1 * n2) + g ** 2 / (2 * (n1 + n2)))
 *     z = stats.norm.ppf(1 - alpha / 2)
 *     m = margin_ratio * abs(y.mean())
 *     tost = max(stats.t.sf((d + m) / se, df), stats.t.cdf((d - m) / se, df))
 *     need = next(n for n in range(2, 100000) if power(n, n, m, sp) >= power_target)
 *     return dict(t=w.statistic, df=df, p=w.pvalue, diff=d, ratio=d / y.mean(), ci_low=ci[0], ci_high=ci[1],
 *                 ci_low_ratio=ci[0] / y.mean(), ci_high_ratio=ci[1] / y.mean(), u=mw.statistic, mw_p=mw.pvalue,
 *                 g=g, g_low=g - z * seg, g_high=g + z * seg, margin=m, tost=tost, power=power(n1, n2, m, sp),
 *                 needed=need)
 * EXACT = ([121.3, 119.8, 123.5, 118.9, 122.6], [123.1, 125.4, 120.7, 124.9, 122.2, 126.3])
 * TIES = ([10.1, 10.4, 10.4, 9.8, 10.9, 10.2, 10.4, 10.0, 10.6, 9.9],
 *         [10.3, 10.8, 10.4, 11.0, 10.7, 10.9, 10.5, 10.2, 11.2, 10.6, 10.8, 10.9])
 * for name, (x, y) in [("EXACT", EXACT), ("TIES", TIES)]:
 *     print(name, {k: float(v) for k, v in reference(x, y).items()})
 * }</pre>
 */
class ComparisonReferenceTest {
    static final double TOL = 1e-9;
    static final double[] EXACT_AMP = {121.3, 119.8, 123.5, 118.9, 122.6};
    static final double[] EXACT_FP32 = {123.1, 125.4, 120.7, 124.9, 122.2, 126.3};
    static final double[] TIES_AMP = {10.1, 10.4, 10.4, 9.8, 10.9, 10.2, 10.4, 10.0, 10.6, 9.9};
    static final double[] TIES_FP32 = {10.3, 10.8, 10.4, 11.0, 10.7, 10.9, 10.5, 10.2, 11.2, 10.6, 10.8, 10.9};

    @Test
    void smallSamplesWithoutTiesMatchScipyWithTheExactMannWhitneyDistribution() {
        // EXACT {'t': -2.0925146634161043, 'df': 8.925814748059304, 'p': 0.06616810490820085,
        // 'diff': -2.546666666666667, 'ratio': -0.020576353353083762, 'ci_low': -5.303286439762893,
        // 'ci_high': 0.209953106429559, 'ci_low_ratio': -0.04284906899889221, 'ci_high_ratio': 0.001696362292724689,
        // 'u': 6.0, 'mw_p': 0.12554112554112554, 'g': -1.1450320006623385, 'g_low': -2.424667919808683,
        // 'g_high': 0.13460391848400577, 'margin': 6.1883333333333335, 'tost': 0.007641984989166951,
        // 'power': 0.993461929476867, 'needed': 4.0}
        Comparison c = only(ExperimentStatistics.compute(new Runs()
                .add("amp-fp16", 128, 256, false, EXACT_AMP).add("fp32", 128, 256, true, EXACT_FP32).experiment()));

        assertThat(c.getKinds()).containsExactly(ComparisonKind.PRECISION_VS_FP32, ComparisonKind.VERSUS_BENCHMARK);
        assertThat(c.getUnit()).isEqualTo("W");
        assertThat(c.getN()).isEqualTo(5);
        assertThat(c.getNReference()).isEqualTo(6);
        assertThat(c.getWelchT()).isCloseTo(-2.0925146634161043, within(TOL));
        assertThat(c.getWelchDf()).isCloseTo(8.925814748059304, within(TOL));
        assertThat(c.getWelchP()).isCloseTo(0.06616810490820085, within(TOL));
        assertThat(c.getWelchPHolm()).isCloseTo(0.06616810490820085, within(TOL)); // a family of one
        assertThat(c.getMeanDifference()).isCloseTo(-2.546666666666667, within(TOL));
        assertThat(c.getMeanDifferenceRatio()).isCloseTo(-0.020576353353083762, within(TOL));
        assertThat(c.getCiLow()).isCloseTo(-5.303286439762893, within(TOL));
        assertThat(c.getCiHigh()).isCloseTo(0.209953106429559, within(TOL));
        assertThat(c.getCiLowRatio()).isCloseTo(-0.04284906899889221, within(TOL));
        assertThat(c.getCiHighRatio()).isCloseTo(0.001696362292724689, within(TOL));
        assertThat(c.getMannWhitneyU()).isEqualTo(6.0);
        assertThat(c.getMannWhitneyP()).isCloseTo(0.12554112554112554, within(TOL));
        assertThat(c.getMannWhitneyMethod()).isEqualTo("exact");
        assertThat(c.getHedgesG()).isCloseTo(-1.1450320006623385, within(TOL));
        assertThat(c.getHedgesGCiLow()).isCloseTo(-2.424667919808683, within(TOL));
        assertThat(c.getHedgesGCiHigh()).isCloseTo(0.13460391848400577, within(TOL));
        assertThat(c.getEquivalenceMargin()).isCloseTo(6.1883333333333335, within(TOL));
        assertThat(c.getTostP()).isCloseTo(0.007641984989166951, within(TOL));
        assertThat(c.getEquivalent()).isTrue();
        assertThat(c.getPowerDifference()).isCloseTo(6.1883333333333335, within(TOL));
        assertThat(c.getPowerAtRuns()).isCloseTo(0.993461929476867, within(TOL));
        assertThat(c.getRunsNeededPerGroup()).isEqualTo(4);
        assertThat(c.getSignificant()).isFalse();
        assertThat(c.getReasons()).isEmpty();
    }

    @Test
    void tiedSamplesMatchScipyWithTheTieAndContinuityCorrectedNormalApproximation() {
        // TIES {'t': -3.0722061971118655, 'df': 18.288167813995816, 'p': 0.006477410944582251,
        // 'diff': -0.4216666666666651, 'ratio': -0.039438815276695106, 'ci_low': -0.7096972287994944,
        // 'ci_high': -0.1336361045338358, 'ci_low_ratio': -0.0663785404956659, 'ci_high_ratio': -0.012499090057724316,
        // 'u': 21.5, 'mw_p': 0.01181040864851829, 'g': -1.2794351153486303, 'g_low': -2.199860659547369,
        // 'g_high': -0.35900957114989185, 'margin': 0.5345833333333333, 'tost': 0.21063963969146074,
        // 'power': 0.9627008915853561, 'needed': 7.0}
        Comparison c = only(ExperimentStatistics.compute(new Runs()
                .add("amp-bf16", 64, TIES_AMP).add("fp32", 64, TIES_FP32).experiment()));

        assertThat(c.getKinds()).containsExactly(ComparisonKind.PRECISION_VS_FP32);
        assertThat(c.getWelchT()).isCloseTo(-3.0722061971118655, within(TOL));
        assertThat(c.getWelchDf()).isCloseTo(18.288167813995816, within(TOL));
        assertThat(c.getWelchP()).isCloseTo(0.006477410944582251, within(TOL));
        assertThat(c.getMeanDifference()).isCloseTo(-0.4216666666666651, within(TOL));
        assertThat(c.getMeanDifferenceRatio()).isCloseTo(-0.039438815276695106, within(TOL));
        assertThat(c.getCiLow()).isCloseTo(-0.7096972287994944, within(TOL));
        assertThat(c.getCiHigh()).isCloseTo(-0.1336361045338358, within(TOL));
        assertThat(c.getCiLowRatio()).isCloseTo(-0.0663785404956659, within(TOL));
        assertThat(c.getCiHighRatio()).isCloseTo(-0.012499090057724316, within(TOL));
        assertThat(c.getMannWhitneyU()).isEqualTo(21.5);
        assertThat(c.getMannWhitneyP()).isCloseTo(0.01181040864851829, within(TOL));
        assertThat(c.getMannWhitneyMethod()).isEqualTo("normal-approximation");
        assertThat(c.getHedgesG()).isCloseTo(-1.2794351153486303, within(TOL));
        assertThat(c.getHedgesGCiLow()).isCloseTo(-2.199860659547369, within(TOL));
        assertThat(c.getHedgesGCiHigh()).isCloseTo(-0.35900957114989185, within(TOL));
        assertThat(c.getEquivalenceMargin()).isCloseTo(0.5345833333333333, within(TOL));
        assertThat(c.getTostP()).isCloseTo(0.21063963969146074, within(TOL));
        assertThat(c.getEquivalent()).isFalse();
        assertThat(c.getPowerAtRuns()).isCloseTo(0.9627008915853561, within(TOL));
        assertThat(c.getRunsNeededPerGroup()).isEqualTo(7);
        assertThat(c.getSignificant()).isTrue();
    }

    private static Comparison only(ExperimentStats stats) {
        return stats.getComparisons().stream().filter(c -> c.getMetric().equals("average_power_watts"))
                .reduce((a, b) -> {
                    throw new AssertionError("more than one comparison: " + a + ", " + b);
                }).orElseThrow();
    }
}
