package dev.ampwatch.power;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One reading of one device: a power value in watts, a cumulative energy counter in microjoules,
 * or both. Absent values are empty optionals, never sentinels: the constructor rejects negative,
 * NaN and infinite numbers, so a driver's {@code -1} cannot reach a record. Immutable.
 *
 * @param component what the reading measures
 * @param device device id within host and component, e.g. {@code "gpu0"}, {@code "package-0"}
 * @param eventTime when the reading was taken
 * @param powerWatts power in watts (finite, >= 0), if the source reports power
 * @param powerKind instantaneous or window average; {@link PowerKind#UNKNOWN} without power
 * @param powerWindowMs averaging window in milliseconds (> 0); present exactly when powerKind is
 *     {@link PowerKind#WINDOW_AVERAGE}
 * @param energyUj cumulative energy counter in microjoules (>= 0), if the source has one
 * @param energyRangeUj value at which energyUj wraps to zero (> 0), if it wraps
 */
public record PowerReading(
        Component component,
        String device,
        Instant eventTime,
        OptionalDouble powerWatts,
        PowerKind powerKind,
        OptionalInt powerWindowMs,
        OptionalLong energyUj,
        OptionalLong energyRangeUj) {

    public PowerReading {
        Objects.requireNonNull(component, "component");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(eventTime, "eventTime");
        Objects.requireNonNull(powerKind, "powerKind");
        if (device.isBlank()) {
            throw new IllegalArgumentException("device must not be blank");
        }
        powerWatts.ifPresent(w -> {
            if (!Double.isFinite(w) || w < 0) {
                throw new IllegalArgumentException("power_watts must be finite and >= 0: " + w);
            }
        });
        powerWindowMs.ifPresent(ms -> require(ms > 0, "power_window_ms must be > 0: " + ms));
        energyUj.ifPresent(uj -> require(uj >= 0, "energy_uj must be >= 0: " + uj));
        energyRangeUj.ifPresent(r -> require(r > 0, "energy_range_uj must be > 0: " + r));
        require(powerWatts.isPresent() || energyUj.isPresent(),
                "a reading needs power_watts or energy_uj");
        require(powerWatts.isPresent() || powerKind == PowerKind.UNKNOWN,
                "power_kind without power_watts");
        require(powerWindowMs.isPresent() == (powerKind == PowerKind.WINDOW_AVERAGE),
                "power_window_ms is required for, and only for, WINDOW_AVERAGE");
        require(energyUj.isPresent() || energyRangeUj.isEmpty(), "energy_range_uj without energy_uj");
    }

    /** A power value with no energy counter. */
    public static PowerReading instant(Component component, String device, Instant eventTime,
            double watts) {
        return new PowerReading(component, device, eventTime, OptionalDouble.of(watts),
                PowerKind.INSTANT, OptionalInt.empty(), OptionalLong.empty(), OptionalLong.empty());
    }

    /** An average power over the {@code windowMs} milliseconds ending at {@code eventTime}. */
    public static PowerReading windowAverage(Component component, String device, Instant eventTime,
            double watts, int windowMs) {
        return new PowerReading(component, device, eventTime, OptionalDouble.of(watts),
                PowerKind.WINDOW_AVERAGE, OptionalInt.of(windowMs), OptionalLong.empty(),
                OptionalLong.empty());
    }

    /** A cumulative energy counter; {@code rangeUj} is empty when the counter does not wrap. */
    public static PowerReading energy(Component component, String device, Instant eventTime,
            long energyUj, OptionalLong rangeUj) {
        return new PowerReading(component, device, eventTime, OptionalDouble.empty(),
                PowerKind.UNKNOWN, OptionalInt.empty(), OptionalLong.of(energyUj), rangeUj);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
