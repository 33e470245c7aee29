package dev.ampwatch.trainer;

import java.util.UUID;

/**
 * Where a command's warm-up runs go (sweep, demo, infer: a short run before the measured ones, so the first of them does
 * not pay for the JIT compiler). They are published like any run, under an experiment of their own: the analyzer then
 * sees the device busy, not idle (an unpublished warm-up was learned as idle power, and every later run's net energy
 * came out 11-59 % low in a review, 2026-12-03), its energy is on record, and it is in none of the experiment's
 * statistics.
 */
public final class WarmUp {
    /** What a warm-up's experiment id ends with. */
    public static final String SUFFIX = ".warm-up";

    private WarmUp() {}

    /** The experiment of {@code experimentId}'s warm-up runs. */
    public static String experimentId(String experimentId) {
        return experimentId + SUFFIX;
    }

    /** A fresh run id for a warm-up of {@code what} (a precision, "training"). */
    public static String runId(String what) {
        return "warm-up-" + what + "-" + UUID.randomUUID();
    }
}
