package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Readings and events the analyzer refuses to attribute, with the reason naming what was wrong. */
final class InputValidator {
    /** No single device draws this much; a larger value is a unit mistake (mW sent as W) or garbage. */
    static final double MAX_DEVICE_WATTS = 20_000;

    private final Duration maxFutureSkew;

    InputValidator(Duration maxFutureSkew) {
        this.maxFutureSkew = maxFutureSkew;
    }

    Optional<String> check(PowerSample s, Instant now) {
        String where = "sample host=" + s.getHost() + " " + s.getComponent() + "/" + s.getDevice() + " at " + s.getEventTime();
        Double w = s.getPowerWatts();
        if (w == null && s.getEnergyUj() == null) {
            return Optional.of(where + ": neither power_watts nor energy_uj is set");
        }
        if (w != null && (w.isNaN() || w.isInfinite() || w < 0)) {
            return Optional.of(where + ": power_watts=" + w + " is not a finite non-negative number");
        }
        if (w != null && w > MAX_DEVICE_WATTS) {
            return Optional.of(where + ": power_watts=" + w + " exceeds " + MAX_DEVICE_WATTS + " W (milliwatts sent as watts?)");
        }
        if (s.getEnergyUj() != null && s.getEnergyUj() < 0) {
            return Optional.of(where + ": energy_uj=" + s.getEnergyUj() + " is negative");
        }
        if (s.getHost().indexOf('\0') >= 0 || s.getHost().isBlank()) {
            return Optional.of(where + ": host id is blank or contains NUL");
        }
        return future(where, s.getEventTime(), now);
    }

    Optional<String> check(TrainingEvent e, Instant now) {
        String where = "event " + e.getKind() + " run=" + e.getRunId() + " at " + e.getEventTime();
        if (e.getHost().isBlank() || e.getHost().indexOf('\0') >= 0) {
            return Optional.of(where + ": host id is blank or contains NUL");
        }
        if (e.getRunId().isBlank()) {
            return Optional.of(where + ": run_id is blank");
        }
        return future(where, e.getEventTime(), now);
    }

    private Optional<String> future(String where, Instant t, Instant now) {
        if (t.isAfter(now.plus(maxFutureSkew))) {
            return Optional.of(where + ": event time is more than " + maxFutureSkew + " ahead of the analyzer clock (" + now + ")");
        }
        return Optional.empty();
    }
}
