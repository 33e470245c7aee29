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

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MeterValue.class);
    /** The kinds of unusable power already said, so each is said once (a plug reporting -0.3 W at idle would say it forever). */
    private static final java.util.Set<String> SAID = java.util.concurrent.ConcurrentHashMap.newKeySet();

    MeterValue {
        energyUj.ifPresent(e -> {
            if (e < 0) {
                throw new IllegalArgumentException("energy total must be >= 0: " + e + " µJ");
            }
        });
        if (watts.isPresent() && (!Double.isFinite(watts.getAsDouble()) || watts.getAsDouble() < 0)) {
            double w = watts.getAsDouble();
            if (energyUj.isEmpty()) {
                throw new IllegalArgumentException("power must be finite and >= 0: " + w + " W");
            }
            // the meter's own total is the measurement the analyzer integrates: a reading is not lost for its power field
            // (a review: a plug's -100 W, null, NaN or Inf power dropped readings whose total was valid)
            String kind = Double.isNaN(w) ? "NaN" : Double.isInfinite(w) ? "infinite" : "negative";
            if (SAID.add(kind)) {
                LOG.warn("wattmeter: a {} power ({} W) is no power reading: published its energy total without it (said once)", kind, w);
            }
            watts = OptionalDouble.empty();
        }
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
