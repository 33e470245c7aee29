package dev.ampwatch.analyzer.stats;

import org.apache.commons.math3.stat.StatUtils;

/**
 * The values of one response variable over the runs of one configuration. Immutable.
 *
 * @param values one value per run that has one, in no particular order
 */
record Sample(double[] values) {
    Sample {
        values = values.clone();
    }

    int n() {
        return values.length;
    }

    double mean() {
        return StatUtils.mean(values);
    }

    /** Unbiased sample variance (n - 1); 0 for one value. */
    double variance() {
        return values.length < 2 ? 0 : StatUtils.variance(values);
    }

    double sd() {
        return Math.sqrt(variance());
    }

    /** Pooled variance of two samples, weighted by their degrees of freedom. */
    static double pooledVariance(Sample a, Sample b) {
        return ((a.n() - 1) * a.variance() + (b.n() - 1) * b.variance()) / (a.n() + b.n() - 2);
    }
}
