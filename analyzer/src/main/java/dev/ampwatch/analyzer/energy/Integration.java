package dev.ampwatch.analyzer.energy;

import dev.ampwatch.analyzer.state.DeviceState;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;

/**
 * Turns two consecutive readings of one device into energy, following docs/energy.md: counters win
 * over power; a window average spanning the interval is constant power; other power is a trapezoid; a counter that went backwards wrapped (if its range is known and the wrap implies less
 * than {@link #MAX_WRAP_WATTS}) or was reset, and one that jumped ahead by more than {@link #MAX_STEP_WATTS} was reset; an interval
 * longer than the maximum gap is not integrated.
 */
public final class Integration {
    /** The outcome for one interval. */
    public sealed interface Outcome permits Integrated, Gap, CounterReset, NotIntegrable {}

    public record Integrated(Segment segment) implements Outcome {}

    public record Gap(long startUs, long endUs) implements Outcome {}

    /**
     * A counter that was reset: counted; {@code byPower}, when both readings also have a power, integrates the interval by
     * it (as without counters), else null: the interval is not integrated.
     */
    public record CounterReset(long startUs, long endUs, Segment byPower) implements Outcome {}

    /** The two readings share no quantity (e.g. one has only power, the other only a counter). */
    public record NotIntegrable(long startUs, long endUs) implements Outcome {}

    /**
     * More than this mean power over an interval in which a ranged counter went backwards is no wrap but a reset: no one
     * device the agents read with a range (a RAPL zone) draws it, and a wrap's interval holds what the device drew.
     */
    static final double MAX_WRAP_WATTS = 10_000;
    /**
     * More than this mean power between two counter readings of one device is no energy but a glitch: the most any
     * reading may say (the analyzer's limit for power, 20 kW per device). A review's one reading of 0 in a 45 W package's
     * ~100 kJ counter was a reset (right), and the next step, 0 to 100 kJ in 0.1 s, was counted as 1 MW: 101,570 J for a
     * 900 J run. Such a step is a counter reset too: not integrated, or integrated by the readings' power when they have one.
     */
    static final double MAX_STEP_WATTS = 20_000;

    private Integration() {}

    /** A window average whose window spans the interval since the previous reading (1 ms slack). */
    private static boolean coversInterval(PowerSample s, long intervalUs) {
        return s.getPowerKind() == PowerKind.WINDOW_AVERAGE && s.getPowerWindowMs() != null
                && s.getPowerWindowMs() * 1000L + 1000 >= intervalUs && s.getPowerWindowMs() * 1000L <= intervalUs + 1000;
    }

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
                    return reset(previous, current, t0, t1);
                }
                delta += range;
                // a wrap passes the top of the range; a counter that restarted from 0 (a driver reload, a VM moved, a
                // reboot) taken for one adds the rest of the range: 257 kJ in 100 ms, 2.6 MW from one CPU package (a review)
                if (delta < 0 || delta / 1e6 > MAX_WRAP_WATTS * Micros.seconds(Math.max(1, t1 - t0))) {
                    return reset(previous, current, t0, t1);
                }
            } else if (delta / 1e6 > MAX_STEP_WATTS * Micros.seconds(Math.max(1, t1 - t0))) {
                return reset(previous, current, t0, t1);
            }
            return new Integrated(Segment.constant(t0, t1, delta / 1_000_000.0, Segment.COUNTER));
        }
        Segment byPower = byPower(previous, current, t0, t1);
        return byPower != null ? new Integrated(byPower) : new NotIntegrable(t0, t1);
    }

    /**
     * A reset counter's interval, integrated by the readings' power when both have one (a plug that rebooted says its
     * watts on either side: a review saw 100 J of a 100 W interval lost), else not.
     */
    private static CounterReset reset(DeviceState previous, PowerSample current, long t0, long t1) {
        return new CounterReset(t0, t1, byPower(previous, current, t0, t1));
    }

    /** The interval by power: a window average spanning it, else the trapezoid; null without a power on both sides. */
    private static Segment byPower(DeviceState previous, PowerSample current, long t0, long t1) {
        Double p0 = previous.getLastPowerWatts();
        Double p1 = current.getPowerWatts();
        if (p1 != null && coversInterval(current, t1 - t0)) {
            // the reading is the mean power over (at least) this whole interval: exact as constant power
            return Segment.constant(t0, t1, p1 * Micros.seconds(t1 - t0), Segment.WINDOW_AVERAGE);
        }
        if (p0 != null && p1 != null) {
            return new Segment(t0, t1, p0, p1, Segment.TRAPEZOID);
        }
        return null;
    }
}
