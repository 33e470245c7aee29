package dev.ampwatch.analyzer.energy;

/**
 * What is known about one device's power between two consecutive readings: power on the straight line
 * from {@code startWatts} at {@code startUs} to {@code endWatts} at {@code endUs}. An energy counter
 * delta, and a power reading that is the average over exactly this interval, are the special case of
 * constant power (the energy spread evenly over the interval).
 */
public record Segment(long startUs, long endUs, double startWatts, double endWatts, String method) {
    public static final String COUNTER = "counter";
    public static final String TRAPEZOID = "trapezoid";
    public static final String WINDOW_AVERAGE = "window-average";


    public Segment {
        if (endUs <= startUs) {
            throw new IllegalArgumentException("empty segment " + startUs + ".." + endUs);
        }
    }

    static Segment constant(long startUs, long endUs, double joules, String method) {
        double watts = joules / Micros.seconds(endUs - startUs);
        return new Segment(startUs, endUs, watts, watts, method);
    }

    /** Power at time {@code t} (microseconds) on the line. */
    public double wattsAt(long t) {
        if (t == startUs) {
            return startWatts;
        }
        if (t == endUs) {
            return endWatts;
        }
        double f = (double) (t - startUs) / (endUs - startUs);
        return startWatts + (endWatts - startWatts) * f;
    }

    /** Energy in joules between {@code a} and {@code b}, both inside the segment. Exact for a line. */
    public double joules(long a, long b) {
        return (wattsAt(a) + wattsAt(b)) / 2.0 * Micros.seconds(b - a);
    }
}
