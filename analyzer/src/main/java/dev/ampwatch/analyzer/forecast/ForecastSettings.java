package dev.ampwatch.analyzer.forecast;

/**
 * How runs' totals are forecast from their first epochs.
 *
 * @param minEpochs complete epochs a run needs before its first forecast (at least 2: the interval needs
 *     their variation)
 * @param confidence coverage of the prediction intervals, in (0, 1)
 * @param trendAlpha a per-epoch energy slope with a p-value below this switches to the trend model
 */
public record ForecastSettings(int minEpochs, double confidence, double trendAlpha) {
    public static final ForecastSettings DEFAULTS = new ForecastSettings(2, 0.95, 0.05);

    public ForecastSettings {
        if (minEpochs < 2) {
            throw new IllegalArgumentException("a forecast needs at least 2 complete epochs (their variation makes the interval), was "
                    + minEpochs);
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("forecast confidence must be in (0, 1), was " + confidence);
        }
        if (!(trendAlpha > 0 && trendAlpha < 1)) {
            throw new IllegalArgumentException("trend significance level must be in (0, 1), was " + trendAlpha);
        }
    }
}
