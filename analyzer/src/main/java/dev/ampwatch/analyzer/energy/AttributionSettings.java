package dev.ampwatch.analyzer.energy;

import dev.ampwatch.analyzer.forecast.ForecastSettings;
import java.time.Duration;

/**
 * How energy is attributed on one host.
 *
 * @param maxGap an interval between two readings longer than this is reported as a gap, not integrated
 * @param emitInterval running totals of a live run are emitted at most this often (event time)
 * @param minIdle idle time a device needs before its idle baseline is used for net energy
 * @param carbonIntensityGramsPerKwh grid carbon intensity for this host, gCO2e/kWh
 * @param forecast how runs' totals are forecast from their first epochs
 */
public record AttributionSettings(Duration maxGap, Duration emitInterval, Duration minIdle,
                                  double carbonIntensityGramsPerKwh, ForecastSettings forecast) {
    public static final String RULE = "even-split";

    /** With the default forecast settings. */
    public AttributionSettings(Duration maxGap, Duration emitInterval, Duration minIdle, double carbonIntensityGramsPerKwh) {
        this(maxGap, emitInterval, minIdle, carbonIntensityGramsPerKwh, ForecastSettings.DEFAULTS);
    }

    public AttributionSettings {
        java.util.Objects.requireNonNull(forecast, "forecast");
        if (maxGap.isNegative() || maxGap.isZero()) {
            throw new IllegalArgumentException("maxGap must be positive, was " + maxGap);
        }
        if (emitInterval.isNegative()) {
            throw new IllegalArgumentException("emitInterval must not be negative, was " + emitInterval);
        }
        if (!(carbonIntensityGramsPerKwh >= 0)) {
            throw new IllegalArgumentException("carbon intensity must be >= 0 gCO2e/kWh, was " + carbonIntensityGramsPerKwh);
        }
    }

    long maxGapUs() {
        return maxGap.toNanos() / 1000;
    }

    long emitIntervalUs() {
        return emitInterval.toNanos() / 1000;
    }
}
