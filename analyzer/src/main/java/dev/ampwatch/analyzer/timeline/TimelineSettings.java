package dev.ampwatch.analyzer.timeline;

import java.time.Duration;

/**
 * How a host's timeline waits for its inputs.
 *
 * @param grace how far behind its input's progress a record may arrive and still be attributed exactly
 * @param inputIdle an input that shows nothing new for this long (analyzer clock) while the other moves
 *     this far past it (event time) stops holding the host back; zero: never
 * @param quietFlush a host from which nothing at all arrived for this long (analyzer clock) is attributed
 *     to the end of what it sent and its ended runs finalized; zero: never
 * @param runSilence a run whose trainer never sent heartbeats and sent nothing for this long of the host's
 *     event time (with its events input declared idle) is closed as FAILED; runs that heartbeat are closed
 *     as soon as their events input is declared idle; zero: runs are never closed by the analyzer
 */
public record TimelineSettings(Duration grace, Duration inputIdle, Duration quietFlush, Duration runSilence) {
    public TimelineSettings(Duration grace, Duration inputIdle, Duration quietFlush) {
        this(grace, inputIdle, quietFlush, Duration.ZERO);
    }

    public TimelineSettings {
        if (grace.isNegative() || inputIdle.isNegative() || quietFlush.isNegative() || runSilence.isNegative()) {
            throw new IllegalArgumentException("timeline durations must not be negative: " + this);
        }
    }

    long graceUs() {
        return grace.toNanos() / 1000;
    }

    long inputIdleUs() {
        return inputIdle.toNanos() / 1000;
    }

    long runSilenceUs() {
        return runSilence.toNanos() / 1000;
    }
}
