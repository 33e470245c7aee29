package dev.ampwatch.analyzer.stats;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * Welch's two-sample t-test (unequal variances) of {@code a - reference}, with the Welch-Satterthwaite
 * degrees of freedom, its confidence interval of the mean difference and TOST equivalence test. Only
 * made when both samples have two values and not both are constant (the standard error is then
 * positive); {@link #of} returns null otherwise. Immutable.
 *
 * @param difference mean(a) - mean(reference), in the metric's unit
 * @param standardError sqrt(var(a)/n(a) + var(ref)/n(ref))
 * @param df Welch-Satterthwaite degrees of freedom
 */
record Welch(double difference, double standardError, double df) {
    /** Quantiles to 1e-12 (commons-math's default solver stops at 1e-9). */
    static final double QUANTILE_ACCURACY = 1e-12;

    static Welch of(Sample a, Sample reference) {
        if (a.n() < 2 || reference.n() < 2) {
            return null;
        }
        double va = a.variance() / a.n();
        double vb = reference.variance() / reference.n();
        double se2 = va + vb;
        if (!(se2 > 0)) {
            return null;
        }
        double df = se2 * se2 / (va * va / (a.n() - 1) + vb * vb / (reference.n() - 1));
        return new Welch(a.mean() - reference.mean(), Math.sqrt(se2), df);
    }

    double t() {
        return difference / standardError;
    }

    /** Two-sided p-value. */
    double p() {
        return Math.min(1, 2 * distribution().cumulativeProbability(-Math.abs(t())));
    }

    /** The two-sided confidence interval of the difference, {@code {low, high}}. */
    double[] interval(double confidence) {
        double q = distribution().inverseCumulativeProbability(0.5 + confidence / 2);
        return new double[] {difference - q * standardError, difference + q * standardError};
    }

    /**
     * TOST: the larger p-value of the one-sided tests of difference <= -margin and difference >= margin
     * (Schuirmann). Below alpha exactly when the (1 - 2 alpha) interval lies within (-margin, margin).
     */
    double tostP(double margin) {
        TDistribution t = distribution();
        double lower = t.cumulativeProbability(-(difference + margin) / standardError);
        double upper = t.cumulativeProbability((difference - margin) / standardError);
        return Math.max(lower, upper);
    }

    private TDistribution distribution() {
        return new TDistribution(null, df, QUANTILE_ACCURACY);
    }
}
