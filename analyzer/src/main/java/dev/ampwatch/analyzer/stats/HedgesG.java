package dev.ampwatch.analyzer.stats;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.special.Gamma;

/**
 * Hedges' g of {@code a - reference} with a normal-approximation confidence interval. Immutable.
 *
 * <ul>
 *   <li>d = (mean(a) - mean(ref)) / s_p, s_p the pooled standard deviation (df = n_a + n_ref - 2);</li>
 *   <li>g = J d with the exact small-sample correction J = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))
 *       (Hedges 1981; the familiar 1 - 3/(4 df - 1) approximates it);</li>
 *   <li>SE(g) = sqrt((n_a + n_ref) / (n_a n_ref) + g^2 / (2 (n_a + n_ref))) (Hedges and Olkin 1985, eq. 5.15,
 *       with g for d), and the interval g -+ z_(1 - alpha/2) SE(g). It is too narrow for a few runs per
 *       group: read it as approximate.</li>
 * </ul>
 *
 * @param g Hedges' g
 * @param low lower end of the interval
 * @param high upper end
 */
record HedgesG(double g, double low, double high) {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    /** Null unless both samples have two values and the pooled variance is positive. */
    static HedgesG of(Sample a, Sample reference, double confidence) {
        if (a.n() < 2 || reference.n() < 2) {
            return null;
        }
        double pooled = Sample.pooledVariance(a, reference);
        if (!(pooled > 0)) {
            return null;
        }
        double df = a.n() + reference.n() - 2;
        double g = correction(df) * (a.mean() - reference.mean()) / Math.sqrt(pooled);
        double n = a.n() + reference.n();
        double se = Math.sqrt(n / ((double) a.n() * reference.n()) + g * g / (2 * n));
        double z = NORMAL.inverseCumulativeProbability(0.5 + confidence / 2);
        return new HedgesG(g, g - z * se, g + z * se);
    }

    /** J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2)), through log-gamma so large df do not overflow. */
    static double correction(double df) {
        return Math.exp(Gamma.logGamma(df / 2) - Gamma.logGamma((df - 1) / 2) - 0.5 * Math.log(df / 2));
    }
}
