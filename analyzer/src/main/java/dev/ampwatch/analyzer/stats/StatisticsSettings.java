package dev.ampwatch.analyzer.stats;

/**
 * What the experiment statistics are computed with. Immutable.
 *
 * @param alpha significance level of every test; intervals have confidence 1 - alpha
 * @param equivalenceMarginRatio TOST margin as a fraction of the reference mean (0.05: +-5 %)
 * @param powerTarget power the needed run count is computed for
 * @param powerDifferenceRatio difference the power analysis is for, as a fraction of the reference
 *     mean; null: the equivalence margin
 */
public record StatisticsSettings(double alpha, double equivalenceMarginRatio, double powerTarget,
                                 Double powerDifferenceRatio) {
    public static final StatisticsSettings DEFAULTS = new StatisticsSettings(0.05, 0.05, 0.8, null);

    public StatisticsSettings {
        require(alpha > 0 && alpha < 0.5, "alpha", alpha, "between 0 and 0.5");
        require(equivalenceMarginRatio > 0, "equivalence margin ratio", equivalenceMarginRatio, "above 0");
        require(powerTarget > alpha && powerTarget < 1, "power target", powerTarget, "between alpha and 1");
        require(powerDifferenceRatio == null || powerDifferenceRatio > 0, "power difference ratio",
                powerDifferenceRatio, "above 0");
    }

    public StatisticsSettings withEquivalenceMarginRatio(double ratio) {
        return new StatisticsSettings(alpha, ratio, powerTarget, powerDifferenceRatio);
    }

    /** The difference the power analysis looks for, as a fraction of the reference mean. */
    double powerRatio() {
        return powerDifferenceRatio != null ? powerDifferenceRatio : equivalenceMarginRatio;
    }

    private static void require(boolean ok, String what, Object value, String accepted) {
        if (!ok) {
            throw new IllegalArgumentException(what + " " + value + " is not " + accepted);
        }
    }
}
