package dev.ampwatch.analyzer.stats;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * Power of the two-sided two-sample t-test (equal variances, as power analyses assume), from the
 * noncentral t distribution: with df = n1 + n2 - 2, critical value c = t_(1 - alpha/2, df) and
 * noncentrality delta = difference / (sd sqrt(1/n1 + 1/n2)), power = P(T' > c) + P(T' < -c).
 * Stateless.
 */
final class TTestPower {
    /** Needed run counts above this are reported as "more than", not searched further. */
    static final int MAX_RUNS = 100_000;

    private TTestPower() {}

    static double power(int n1, int n2, double difference, double sd, double alpha) {
        double df = n1 + n2 - 2;
        double delta = Math.abs(difference) / (sd * Math.sqrt(1.0 / n1 + 1.0 / n2));
        if (delta > NoncentralT.MAX_NONCENTRALITY) {
            return 1; // P(T' <= c) is below 1e-30 there even at df = 2
        }
        double c = new TDistribution(null, df, Welch.QUANTILE_ACCURACY).inverseCumulativeProbability(1 - alpha / 2);
        return 1 - NoncentralT.cdf(c, df, delta) + NoncentralT.cdf(-c, df, delta);
    }

    /**
     * The smallest n >= 2 with power(n, n) >= target, or -1 when more than {@link #MAX_RUNS} are needed.
     * Power grows with n, so a doubling search then bisection finds it.
     */
    static int runsNeeded(double difference, double sd, double alpha, double target) {
        if (power(2, 2, difference, sd, alpha) >= target) {
            return 2;
        }
        int low = 2; // power below target
        int high = 4;
        while (power(high, high, difference, sd, alpha) < target) {
            low = high;
            if (high >= MAX_RUNS) {
                return -1;
            }
            high = Math.min(MAX_RUNS, high * 2);
        }
        while (high - low > 1) {
            int mid = (low + high) >>> 1;
            if (power(mid, mid, difference, sd, alpha) >= target) {
                high = mid;
            } else {
                low = mid;
            }
        }
        return high;
    }
}
