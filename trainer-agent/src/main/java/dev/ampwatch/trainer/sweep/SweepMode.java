package dev.ampwatch.trainer.sweep;

import java.util.Locale;

/** How a sweep combines its factors' values. */
public enum SweepMode {
    /** Every combination of the factors' values (the cartesian product), plus the benchmark. */
    GRID("grid"),
    /**
     * The benchmark configuration, plus one configuration per non-benchmark value of each factor with
     * every other factor at its benchmark value (the seed paper's design).
     */
    ONE_AT_A_TIME("one-at-a-time");

    private final String fileName;

    SweepMode(String fileName) {
        this.fileName = fileName;
    }

    /** The name used in grid files and on the command line. */
    public String fileName() {
        return fileName;
    }

    /** Parses {@code grid} or {@code one-at-a-time} (also {@code one_at_a_time}, {@code ofat}), ignoring case. */
    public static SweepMode parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        if (n.equals("ofat")) {
            return ONE_AT_A_TIME;
        }
        for (SweepMode m : values()) {
            if (m.fileName.equals(n)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown sweep mode '" + name + "'; expected grid or one-at-a-time");
    }

    @Override
    public String toString() {
        return fileName;
    }
}
