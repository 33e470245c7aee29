package dev.ampwatch.analyzer.forecast;

import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * The sum of a series' next values, with a prediction interval, under one of two models fitted by least
 * squares to the values seen (y at x):
 * <ul>
 *   <li>{@link #steady}: independent values around a constant mean. Sum of m new values: m ȳ, with
 *       prediction variance s² (m + m²/n) and Student's t with n - 1 degrees of freedom.</li>
 *   <li>{@link #trend}: values around a + b x. Sum over the new x: Σ (a + b x), with prediction variance
 *       s² (m + vᵀ (XᵀX)⁻¹ v), v = (m, Σ x), and t with n - 2 degrees of freedom.</li>
 * </ul>
 * Stateless apart from a cache of t quantiles.
 */
final class Extrapolation {
    private static final ConcurrentHashMap<Quantile, Double> QUANTILES = new ConcurrentHashMap<>();

    private record Quantile(int df, double confidence) {}

    /** The forecast sum and its interval. */
    record Sum(double point, double low, double high) {
        static Sum symmetric(double point, double halfWidth) {
            return new Sum(point, point - halfWidth, point + halfWidth);
        }

        double halfWidth() {
            return (high - low) / 2;
        }

        /**
         * A trend's extrapolation and the level of the latest values together: the point is the line's for a
         * rising trend and the latest level for a falling one (a falling line cannot go on: warm-up and caching
         * effects level off), and the interval spans both intervals.
         */
        static Sum envelope(Sum line, Sum latest, boolean rising) {
            return new Sum(rising ? line.point : latest.point, Math.min(line.low, latest.low), Math.max(line.high, latest.high));
        }
    }

    /** A least-squares line through the values, and its slope's t test. */
    record Line(double intercept, double slope, double residualSd, double slopeP, double mean) {}

    private Extrapolation() {}

    static Sum steady(double[] y, int from, int m, double confidence) {
        int n = y.length - from;
        double mean = 0;
        for (int i = from; i < y.length; i++) {
            mean += y[i];
        }
        mean /= n;
        double ss = 0;
        for (int i = from; i < y.length; i++) {
            ss += (y[i] - mean) * (y[i] - mean);
        }
        double s = Math.sqrt(ss / (n - 1));
        return Sum.symmetric(m * mean, t(n - 1, confidence) * s * Math.sqrt(m + (double) m * m / n));
    }

    /**
     * Whether {@code value} lies outside the prediction interval (at {@code confidence}) for one new value
     * of the steady model fitted to {@code y[from..]}: mean ± t s √(1 + 1/n).
     */
    static boolean outlier(double value, double[] y, int from, double confidence) {
        Sum one = steady(y, from, 1, confidence); // m = 1: half width t s √(1 + 1/n)
        return Math.abs(value - one.point()) > Math.max(one.halfWidth(), 1e-9 * Math.abs(one.point()));
    }

    static Line line(double[] x, double[] y, int from) {
        int n = y.length - from;
        double mx = 0;
        double my = 0;
        for (int i = from; i < y.length; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxx = 0;
        double sxy = 0;
        for (int i = from; i < y.length; i++) {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
        }
        double slope = sxy / sxx;
        double intercept = my - slope * mx;
        double rss = 0;
        for (int i = from; i < y.length; i++) {
            double r = y[i] - intercept - slope * x[i];
            rss += r * r;
        }
        double sd = Math.sqrt(rss / (n - 2));
        double se = sd / Math.sqrt(sxx);
        double p;
        if (se == 0) {
            p = slope == 0 ? 1 : 0; // an exact line: a slope is certain, no slope is no trend
        } else {
            p = 2 * new TDistribution(null, n - 2).cumulativeProbability(-Math.abs(slope / se));
        }
        return new Line(intercept, slope, sd, p, my);
    }

    /** The sum of the line's values at {@code future}, with its prediction interval. */
    static Sum trend(double[] x, double[] y, int from, Line line, double[] future, double confidence) {
        int n = y.length - from;
        double sx = 0;
        double sxx = 0;
        for (int i = from; i < y.length; i++) {
            sx += x[i];
            sxx += x[i] * x[i];
        }
        double det = n * sxx - sx * sx;
        int m = future.length;
        double fx = 0;
        for (double v : future) {
            fx += v;
        }
        // vᵀ (XᵀX)⁻¹ v with v = (m, fx) and (XᵀX)⁻¹ = [[sxx, -sx], [-sx, n]] / det
        double quad = (m * m * sxx - 2 * m * fx * sx + fx * fx * n) / det;
        double point = m * line.intercept() + line.slope() * fx;
        return Sum.symmetric(point, t(n - 2, confidence) * line.residualSd() * Math.sqrt(m + quad));
    }

    /** The two-sided Student t quantile for {@code confidence} with {@code df} degrees of freedom. */
    static double t(int df, double confidence) {
        return QUANTILES.computeIfAbsent(new Quantile(df, confidence), k -> new TDistribution(null, df).inverseCumulativeProbability((1 + confidence) / 2));
    }
}
