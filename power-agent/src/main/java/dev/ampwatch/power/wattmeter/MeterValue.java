package dev.ampwatch.power.wattmeter;

import dev.ampwatch.power.PowerReading;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import java.time.Instant;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What a meter said once: its power, its own energy total, or both. A total is published as the
 * reading's cumulative counter (no wrap range: a total that goes backwards, as after a plug's
 * reboot, is a reset to the analyzer), so the analyzer integrates the meter's own count and uses
 * the power only where there is no total.
 */
record MeterValue(OptionalDouble watts, OptionalLong energyUj) {

    MeterValue {
        watts.ifPresent(w -> {
            if (!Double.isFinite(w) || w < 0) {
                throw new IllegalArgumentException("power must be finite and >= 0: " + w + " W");
            }
        });
        energyUj.ifPresent(e -> {
            if (e < 0) {
                throw new IllegalArgumentException("energy total must be >= 0: " + e + " µJ");
            }
        });
        if (watts.isEmpty() && energyUj.isEmpty()) {
            throw new IllegalArgumentException("neither power nor energy");
        }
    }

    /** An instantaneous WALL reading of {@code device} at {@code time}. */
    PowerReading toReading(String device, Instant time) {
        return new PowerReading(Component.WALL, device, time, watts,
                watts.isPresent() ? PowerKind.INSTANT : PowerKind.UNKNOWN, OptionalInt.empty(), energyUj,
                OptionalLong.empty());
    }
}
