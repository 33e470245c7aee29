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
 * @param maxTimeJump a sample stamped more than this ahead of its host's samples moves nothing until the host's next
 *     samples confirm the jump or refute it (a clock glitch: dead-lettered); zero: no sample is held
 */
public record TimelineSettings(Duration grace, Duration inputIdle, Duration quietFlush, Duration runSilence,
                               Duration maxTimeJump) {
    /** The default of {@code --max-time-jump}. */
    public static final Duration DEFAULT_MAX_TIME_JUMP = Duration.ofSeconds(10);

    public TimelineSettings(Duration grace, Duration inputIdle, Duration quietFlush) {
        this(grace, inputIdle, quietFlush, Duration.ZERO);
    }

    public TimelineSettings(Duration grace, Duration inputIdle, Duration quietFlush, Duration runSilence) {
        this(grace, inputIdle, quietFlush, runSilence, DEFAULT_MAX_TIME_JUMP);
    }

    public TimelineSettings {
        if (grace.isNegative() || inputIdle.isNegative() || quietFlush.isNegative() || runSilence.isNegative()
                || maxTimeJump.isNegative()) {
            throw new IllegalArgumentException("timeline durations must not be negative: " + this);
        }
    }

    /** This with another {@code maxTimeJump}. */
    public TimelineSettings withMaxTimeJump(Duration jump) {
        return new TimelineSettings(grace, inputIdle, quietFlush, runSilence, jump);
    }

    long maxTimeJumpUs() {
        return maxTimeJump.toNanos() / 1000;
    }

    /**
     * How much event time a held jump's samples must span to confirm it: the grace, at least a second. A clock glitch
     * stamps the samples of a moment (of every device read then, a few ms apart) ahead, not a second of them.
     */
    long confirmJumpUs() {
        return Math.max(graceUs(), 1_000_000L);
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
