package dev.ampwatch.power.sampling;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Logs a warning at most once per period per key (e.g. per source), reporting how many were
 * suppressed in between, so a source failing every 100 ms does not flood the log. Thread-safe.
 */
public final class RateLimitedLog {

    private final Logger logger;
    private final Duration period;
    private final InstantSource clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        Instant lastLogged;
        long suppressed;
    }

    public RateLimitedLog(Logger logger, Duration period, InstantSource clock) {
        this.logger = Objects.requireNonNull(logger, "logger");
        this.period = Objects.requireNonNull(period, "period");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Logs {@code message} (an SLF4J pattern with one {@code {}} per argument) unless {@code key}
     * logged less than a period ago. Returns whether it logged.
     */
    public boolean warn(String key, Throwable error, String message, Object... args) {
        Instant now = clock.instant();
        long suppressed;
        Window w = windows.computeIfAbsent(key, k -> new Window());
        synchronized (w) {
            if (w.lastLogged != null && now.isBefore(w.lastLogged.plus(period))
                    && !now.isBefore(w.lastLogged)) {
                w.suppressed++;
                return false;
            }
            suppressed = w.suppressed;
            w.suppressed = 0;
            w.lastLogged = now;
        }
        if (suppressed == 0) {
            Object[] withError = Arrays.copyOf(args, args.length + 1);
            withError[args.length] = error;
            logger.warn(message, withError);
        } else {
            Object[] withExtra = Arrays.copyOf(args, args.length + 2);
            withExtra[args.length] = suppressed;
            withExtra[args.length + 1] = error;
            logger.warn(message + " ({} similar warnings suppressed since the last one)", withExtra);
        }
        return true;
    }
}
