package dev.ampwatch.analyzer.timeline;

import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.analyzer.timeline.HostTimeline.SetAside;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A host's samples stamped more than {@code --max-time-jump} ahead of its samples progress, held in the host's state
 * ({@code jump_suspects}) until its next samples confirm the jump or refute it ({@link HostTimeline#accept(PowerSample,
 * byte[], long)} says the rule). Decides on the samples input alone, in its order. Not thread-safe.
 */
final class TimeJumpGuard {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TimeJumpGuard.class);
    /**
     * Samples held as a possible jump at most (~100 bytes each in the host's state): a host sending this many beyond the
     * jump before they span {@link TimelineSettings#confirmJumpUs()} has moved on (many devices, fast sampling).
     */
    static final int MAX_HELD = 1_000;
    /** And at most these bytes of them: the host's state is one changelog record, which the broker takes up to 1 MB of. */
    static final int MAX_HELD_BYTES = 256 * 1024;

    /** A held sample to take as usual, decoded, with its bytes. */
    record Held(PowerSample sample, byte[] encoded, long tUs) {
    }

    private final HostState state;
    private final TimelineSettings settings;
    private final Consumer<SetAside> refuted;
    /**
     * The earliest and latest time of the held samples and their bytes, kept so as not to decode them each time; null:
     * not known yet (a state just restored).
     */
    private long[] heldSpan;

    /** @param refuted hears the held samples set aside as a clock glitch */
    TimeJumpGuard(HostState state, TimelineSettings settings, Consumer<SetAside> refuted) {
        this.state = state;
        this.settings = settings;
        this.refuted = refuted;
    }

    /** True when a sample at {@code tUs} is to be held ({@link #hold}): too far ahead of the host's samples. */
    boolean ahead(long tUs) {
        long until = state.getSamplesUntilUs();
        return settings.maxTimeJumpUs() > 0 && until != Long.MIN_VALUE && tUs - until > settings.maxTimeJumpUs();
    }

    /** A sample not {@link #ahead} at {@code tUs}: held samples are refuted when it comes back near the progress. */
    void notAhead(PowerSample sample, long tUs) {
        if (settings.maxTimeJumpUs() > 0 && !isEmpty() && tUs >= state.getSamplesUntilUs() - settings.graceUs()) {
            refute(sample, "came back near them");
        }
    }

    boolean isEmpty() {
        return state.getJumpSuspects().isEmpty();
    }

    int size() {
        return state.getJumpSuspects().size();
    }

    /**
     * Holds {@code sample} ({@link #ahead}); null while the jump is not confirmed; once it is, the samples held before
     * it, in their order of arrival, for the caller to take before {@code sample} itself.
     */
    List<Held> hold(PowerSample sample, byte[] encoded, long t) {
        if (heldSpan == null) { // a timeline just restored: from the state, once
            heldSpan = new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 0};
            for (ByteBuffer b : state.getJumpSuspects()) {
                long u = Micros.of(AmpwatchSerdes.powerSample().decode(bytes(b)).getEventTime());
                heldSpan[0] = Math.min(heldSpan[0], u);
                heldSpan[1] = Math.max(heldSpan[1], u);
                heldSpan[2] += b.remaining();
            }
        }
        if (!isEmpty() && t < heldSpan[1] - settings.graceUs()) {
            refute(sample, "went on more than the grace behind them");
        }
        if (!(state.getJumpSuspects() instanceof ArrayList)) {
            state.setJumpSuspects(new ArrayList<>(state.getJumpSuspects())); // Avro's default cannot grow
        }
        List<ByteBuffer> next = state.getJumpSuspects();
        ByteBuffer bytes = ByteBuffer.wrap(encoded != null ? encoded : AmpwatchSerdes.powerSample().encode(sample));
        next.add(bytes);
        long earliest = Math.min(heldSpan[0], t);
        long latest = Math.max(heldSpan[1], t);
        heldSpan[0] = earliest;
        heldSpan[1] = latest;
        heldSpan[2] += bytes.remaining();
        if (latest - earliest < settings.confirmJumpUs() && next.size() < MAX_HELD && heldSpan[2] < MAX_HELD_BYTES) {
            return null;
        }
        // confirmed: the host moved on. Taken in their order of arrival, as without the guard
        next.remove(next.size() - 1);
        LOG.info("host {}: its samples jumped {} ahead (from {} to {}), confirmed by {} sample(s) spanning {}", state.getHost(),
                Duration.ofNanos((earliest - state.getSamplesUntilUs()) * 1000), Micros.instant(state.getSamplesUntilUs()),
                Micros.instant(earliest), next.size() + 1, Duration.ofNanos((latest - earliest) * 1000));
        return takeAll();
    }

    /** Every held sample, in their order of arrival, no longer held: a jump confirmed, or a host gone quiet after it. */
    List<Held> takeAll() {
        List<ByteBuffer> held = state.getJumpSuspects();
        state.setJumpSuspects(new ArrayList<>());
        heldSpan = new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 0};
        List<Held> out = new ArrayList<>(held.size());
        for (ByteBuffer h : held) {
            byte[] b = bytes(h);
            PowerSample p = AmpwatchSerdes.powerSample().decode(b);
            out.add(new Held(p, b, Micros.of(p.getEventTime())));
        }
        return out;
    }

    /** The held samples are a clock glitch, as {@code by} shows: set aside, never attributed. */
    private void refute(PowerSample by, String how) {
        long until = state.getSamplesUntilUs();
        long ahead = Long.MIN_VALUE;
        for (ByteBuffer b : state.getJumpSuspects()) {
            byte[] bytes = bytes(b);
            PowerSample p = AmpwatchSerdes.powerSample().decode(bytes);
            long u = Micros.of(p.getEventTime());
            ahead = Math.max(ahead, u - until);
            refuted.accept(new SetAside(p, bytes, false, "stamped " + Duration.ofNanos((u - until) * 1000) + " ahead of the samples already seen from host "
                    + state.getHost() + " (up to " + Micros.instant(until) + "), more than --max-time-jump (" + settings.maxTimeJump()
                    + "), and the host's next samples did not follow: its next, " + by.getComponent() + "/" + by.getDevice() + " at "
                    + by.getEventTime() + ", " + how + "; a clock glitch, not attributed"));
        }
        LOG.info("host {}: {} sample(s) up to {} ahead of its samples (at {}) set aside as a clock glitch (dead letters, kind time-jump)",
                state.getHost(), state.getJumpSuspects().size(), Duration.ofNanos(ahead * 1000), Micros.instant(until));
        state.setJumpSuspects(new ArrayList<>());
        heldSpan = new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 0};
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
