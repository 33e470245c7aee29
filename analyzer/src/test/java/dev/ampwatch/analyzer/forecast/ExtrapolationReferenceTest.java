package dev.ampwatch.analyzer.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The forecast's arithmetic against values computed independently with numpy and scipy 1.10:
 * <pre>
 * import numpy as np; from scipy import stats
 * y = np.array([1000., 1040.]); m = 8
 * m * y.mean(), stats.t.ppf(0.975, 1) * y.std(ddof=1) * np.sqrt(m + m*m/2)   # 8160.0, 2272.955002089312
 * x = np.array([1, 2, 3, 4, 5.]); y = np.array([1000, 1062, 1118, 1181, 1239.])
 * r = stats.linregress(x, y); r.intercept, r.slope, r.pvalue        # 940.9, 59.7, 1.730991406080089e-06
 * X = np.column_stack([np.ones(5), x]); beta = np.linalg.lstsq(X, y, rcond=None)[0]
 * s2 = ((y - X @ beta) ** 2).sum() / 3; fut = np.arange(6, 11.); v = np.array([len(fut), fut.sum()])
 * (np.column_stack([np.ones(5), fut]) @ beta).sum()                 # 7092.5
 * stats.t.ppf(0.975, 3) * np.sqrt(s2 * (len(fut) + v @ np.linalg.inv(X.T @ X) @ v))   # 47.19436608200775
 * y3 = np.array([1000, 1010, 990.]); stats.t.ppf(0.995, 2) * y3.std(ddof=1) * np.sqrt(1 + 1/3)  # 114.60221787430001
 * </pre>
 */
class ExtrapolationReferenceTest {
    @Test
    void steadySumAndItsPredictionInterval() {
        Extrapolation.Sum sum = Extrapolation.steady(new double[] {1000, 1040}, 0, 8, 0.95);
        assertThat(sum.point()).isCloseTo(8160.0, within(1e-9));
        assertThat(sum.halfWidth()).isCloseTo(2272.955002089312, within(1e-6));
    }

    @Test
    void lineAndItsSlopeTest() {
        double[] x = {1, 2, 3, 4, 5};
        double[] y = {1000, 1062, 1118, 1181, 1239};
        Extrapolation.Line line = Extrapolation.line(x, y, 0);
        assertThat(line.intercept()).isCloseTo(940.9, within(1e-9));
        assertThat(line.slope()).isCloseTo(59.7, within(1e-9));
        assertThat(line.slopeP()).isCloseTo(1.730991406080089e-06, within(1e-12));
    }

    @Test
    void trendSumAndItsPredictionInterval() {
        double[] x = {1, 2, 3, 4, 5};
        double[] y = {1000, 1062, 1118, 1181, 1239};
        Extrapolation.Sum sum = Extrapolation.trend(x, y, 0, Extrapolation.line(x, y, 0), new double[] {6, 7, 8, 9, 10}, 0.95);
        assertThat(sum.point()).isCloseTo(7092.5, within(1e-9));
        assertThat(sum.halfWidth()).isCloseTo(47.19436608200775, within(1e-8));
    }

    @Test
    void aFirstValueOutsideThePredictionIntervalOfTheRestIsAnOutlier() {
        double[] y = {0, 1000, 1010, 990}; // the first is the one tested, the rest the reference
        // interval 1000 +- 114.602...
        assertThat(Extrapolation.outlier(1114, y, 1, 0.99)).isFalse();
        assertThat(Extrapolation.outlier(1115, y, 1, 0.99)).isTrue();
        assertThat(Extrapolation.outlier(885, y, 1, 0.99)).isTrue();
    }

    @Test
    void aFitOnALaterStartLeavesTheFirstValuesOut() {
        double[] x = {1, 2, 3, 4, 5, 6};
        double[] y = {5000, 1000, 1062, 1118, 1181, 1239};
        Extrapolation.Line line = Extrapolation.line(x, y, 1);
        assertThat(line.slope()).isCloseTo(59.7, within(1e-9));
        assertThat(line.intercept()).isCloseTo(940.9 - 59.7, within(1e-9));
    }
}
