package dev.ampwatch.analyzer.energy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Event times inside the analyzer are microseconds since the epoch, as on the wire. */
public final class Micros {
    private Micros() {}

    public static long of(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
    }

    public static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    public static double seconds(long micros) {
        return micros / 1_000_000.0;
    }
}
