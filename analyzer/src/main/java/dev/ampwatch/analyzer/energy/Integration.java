package dev.ampwatch.analyzer.energy;

import dev.ampwatch.analyzer.state.DeviceState;
import dev.ampwatch.schema.PowerSample;

/**
 * Turns two consecutive readings of one device into energy, following docs/energy.md: counters win
 * over power; a counter that went backwards wrapped (if its range is known) or was reset; an interval
 * longer than the maximum gap is not integrated.
 */
public final class Integration {
    /** The outcome for one interval. */
    public sealed interface Outcome permits Integrated, Gap, CounterReset, NotIntegrable {}

    public record Integrated(Segment segment) implements Outcome {}

    public record Gap(long startUs, long endUs) implements Outcome {}

    public record CounterReset(long startUs, long endUs) implements Outcome {}

    /** The two readings share no quantity (e.g. one has only power, the other only a counter). */
    public record NotIntegrable(long startUs, long endUs) implements Outcome {}

    private Integration() {}

    public static Outcome between(DeviceState previous, PowerSample current, long maxGapUs) {
        long t0 = previous.getLastTimeUs();
        long t1 = Micros.of(current.getEventTime());
        if (t1 - t0 > maxGapUs) {
            return new Gap(t0, t1);
        }
        Long e0 = previous.getLastEnergyUj();
        Long e1 = current.getEnergyUj();
        if (e0 != null && e1 != null) {
            long delta = e1 - e0;
            if (delta < 0) {
                Long range = current.getEnergyRangeUj() != null ? current.getEnergyRangeUj() : previous.getEnergyRangeUj();
                if (range == null || range <= 0) {
                    return new CounterReset(t0, t1);
                }
                delta += range;
                if (delta < 0) {
                    return new CounterReset(t0, t1);
                }
            }
            return new Integrated(Segment.constant(t0, t1, delta / 1_000_000.0));
        }
        Double p0 = previous.getLastPowerWatts();
        Double p1 = current.getPowerWatts();
        if (p0 != null && p1 != null) {
            return new Integrated(new Segment(t0, t1, p0, p1, false));
        }
        return new NotIntegrable(t0, t1);
    }
}
