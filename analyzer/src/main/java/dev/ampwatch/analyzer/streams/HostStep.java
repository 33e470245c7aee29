package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.LiveDevice;
import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.analyzer.energy.RunEnergyAssembler;
import dev.ampwatch.analyzer.state.DeviceState;
import dev.ampwatch.analyzer.streams.AnalyzerOutput.DeadLetterKind;
import dev.ampwatch.analyzer.timeline.HostTimeline;
import dev.ampwatch.analyzer.timeline.HostTimeline.Release;
import dev.ampwatch.analyzer.timeline.HostTimeline.Verdict;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The attribution step of one partition of the host-keyed inputs, free of any Kafka runtime: checks a
 * record (key, validity), hands it to its host's {@link HostTimeline} and passes on what the timeline
 * releases; a wall-clock {@link #tick} lets inputs that went idle, and hosts that went quiet, release
 * what they hold. Both engines run it: Kafka Streams through {@link HostProcessor}, the direct engine
 * ({@code dev.ampwatch.analyzer.direct}) on plain clients. Not thread-safe: one per partition.
 */
public final class HostStep {
    /** How often the engines call {@link #tick}. */
    public static final Duration TICK = Duration.ofMillis(500);
    /**
     * A backlog is committed this often, which made catching up ~1.4x faster than exactly-once's 100 ms
     * for everything; live run energy asks for its commit within {@link AnalyzerConfig#liveCommitInterval()}.
     */
    public static final long BACKLOG_COMMIT_MS = 1000;
    /** How often, at most, a host's live device figures go to the listener (analyzer clock). */
    static final long LIVE_REPORT_MS = 1000;
    static final int MAX_DEAD_LETTER_VALUE_BYTES = DeadLetters.MAX_VALUE_BYTES;

    /** The hosts' timelines of this partition, loaded and stored by the engine. */
    public interface Timelines {
        HostTimeline timeline(String host, long nowMs);

        Collection<HostTimeline> all(long nowMs);

        /** The timeline changed: store it at the next commit. */
        void changed(HostTimeline timeline);
    }

    /** Where the step's results go; the engine writes them in the transaction of the records that made them. */
    public interface Out {
        /** Run energy, keyed by run id, stamped with the event time it is attributed until. */
        void energy(RunEnergy energy, long timestampMs);

        /** A record set aside: its key (clipped) and why; stamped with the analyzer's clock. */
        void deadLetter(String key, AnalyzerOutput.DeadLetter dead, long timestampMs);

        /** Live run energy was produced: commit soon, not at the backlog interval. */
        void commitSoon();
    }

    private final AnalyzerConfig config;
    private final AnalyzerListener listener;
    private final InputValidator validator;
    private final Timelines timelines;
    private long commitRequestedMs; // 0: none yet (MIN_VALUE would overflow the difference)
    /** Per host: when its live figures were last reported (analyzer clock) and as of which attributed time. */
    private final Map<String, long[]> reported = new HashMap<>();

    /** null: the engine is taken to receive all the time (tests that control the clock). */
    private final Receiving.Since receiving;

    public HostStep(AnalyzerConfig config, AnalyzerListener listener, Timelines timelines) {
        this(config, listener, timelines, null);
    }

    /**
     * @param receiving since when the engine has been receiving this task's inputs without a break: idle inputs,
     *     quiet hosts and silent trainers are judged on the time since then only ({@link Receiving#task}); null: always
     */
    public HostStep(AnalyzerConfig config, AnalyzerListener listener, Timelines timelines, Receiving.Since receiving) {
        this.config = config;
        this.listener = listener;
        this.validator = new InputValidator(config.maxFutureSkew());
        this.timelines = timelines;
        this.receiving = receiving;
    }

    public void process(String key, HostInput input, long nowMs, Out out) {
        if (input.isEmpty()) {
            out.deadLetter(clipKey(key), new AnalyzerOutput.DeadLetter(topicOf(input), null, DeadLetterKind.INVALID,
                    "a record with key " + quoted(key) + " has no value (a tombstone?)"), nowMs);
            return;
        }
        String host = input.host();
        Optional<String> invalid = input instanceof HostInput.Sample s ? validator.check(s.sample(), Instant.ofEpochMilli(nowMs))
                : validator.check(((HostInput.Event) input).event(), Instant.ofEpochMilli(nowMs));
        if (invalid.isPresent()) {
            deadLetter(key, input, DeadLetterKind.INVALID, invalid.get(), nowMs, out);
            return;
        }
        if (!host.equals(key)) {
            deadLetter(key, input, DeadLetterKind.WRONG_KEY, input.describe() + ": its key is " + quoted(key)
                    + ", not its host " + quoted(host) + "; both input topics must be keyed by host (docs/topics.md), or the "
                    + "record lands on a partition whose task never sees the host's other input", nowMs, out);
            return;
        }
        HostTimeline timeline = timelines.timeline(host, nowMs);
        if (receiving != null) {
            timeline.holdArrivals(receiving.since(nowMs));
        }
        if (input instanceof HostInput.Sample s) {
            long released = timeline.state().getReleasedUntilUs(); // before accept(): what was attributed when it came
            Verdict verdict = timeline.accept(s.sample(), s.encoded(), nowMs);
            for (HostTimeline.SetAside a : timeline.takeSetAside()) { // held samples it refuted, or a confirmed jump's late ones
                HostInput.Sample aside = new HostInput.Sample(a.sample(), a.encoded());
                deadLetter(key, aside, a.late() ? DeadLetterKind.LATE : DeadLetterKind.TIME_JUMP, aside.describe() + ": " + a.reason(),
                        nowMs, out);
            }
            if (verdict == Verdict.LATE) {
                deadLetter(key, input, DeadLetterKind.LATE, input.describe() + ": "
                        + timeline.lateReason(Micros.of(s.sample().getEventTime()), released), nowMs, out);
                timelines.changed(timeline);
                return;
            }
        } else {
            timeline.accept(((HostInput.Event) input).event(), nowMs);
        }
        forward(timeline.advance(nowMs), nowMs, out);
        timelines.changed(timeline);
        report(timeline, nowMs, false);
    }

    /** Lets idle inputs, quiet hosts and held-back running totals release; reports live figures. */
    public void tick(long nowMs, Out out) {
        long since = receiving == null ? Long.MIN_VALUE : receiving.since(nowMs);
        for (HostTimeline timeline : new ArrayList<>(timelines.all(nowMs))) {
            timeline.holdArrivals(since);
            Release advanced = timeline.advance(nowMs);
            Release flushed = timeline.flushIfQuiet(nowMs);
            Release held = timeline.heldRunningTotals(nowMs);
            if (advanced != Release.NONE || flushed != Release.NONE || held != Release.NONE) {
                forward(advanced, nowMs, out);
                forward(flushed, nowMs, out);
                forward(held, nowMs, out);
                timelines.changed(timeline);
            }
            report(timeline, nowMs, true);
        }
    }

    /**
     * The host's live device figures when its attributed time moved: per record at most once per
     * {@link #LIVE_REPORT_MS} of the analyzer's clock, and at every tick whatever moved since.
     */
    private void report(HostTimeline timeline, long nowMs, boolean tick) {
        long until = timeline.state().getReleasedUntilUs();
        long[] last = reported.get(timeline.host()); // {at ms, until us}
        if (until == Long.MIN_VALUE || last != null && (until == last[1] || !tick && nowMs - last[0] < LIVE_REPORT_MS)) {
            return;
        }
        reported.put(timeline.host(), new long[] {nowMs, until});
        List<LiveDevice> devices = new ArrayList<>(timeline.state().getDevices().size());
        long staleBeforeUs = until - config.maxGap().toNanos() / 1000;
        for (DeviceState d : timeline.state().getDevices().values()) {
            if (d.getLastTimeUs() < staleBeforeUs) {
                // no reading for longer than the max gap before the attributed time: not drawing its last power now (a
                // source replaced on a rig, estimate by RAPL, kept its old device's watts in the fleet's sums: a review)
                continue;
            }
            Double idle = RunEnergyAssembler.idleWatts(d, config.minIdle());
            devices.add(new LiveDevice(d.getComponent(), d.getDevice(), d.getPowerWatts() == null ? Double.NaN : d.getPowerWatts(),
                    d.getEnergyJoules(), d.getRunEnergyJoules(), idle == null ? Double.NaN : idle, d.getLastTimeUs() / 1e6));
        }
        listener.onHostProgress(timeline.host(), until, timeline.state().getMaxEventTimeUs(), devices);
    }

    private void forward(Release release, long nowMs, Out out) {
        if (release.isEmpty()) {
            return;
        }
        for (PowerSample d : release.duplicates()) {
            String reason = "duplicate: a reading of " + d.getComponent() + "/" + d.getDevice() + " on host " + d.getHost()
                    + " at " + d.getEventTime() + " was already attributed";
            out.deadLetter(d.getHost(), new AnalyzerOutput.DeadLetter(config.topics().powerSamples().name(),
                    AmpwatchSerdes.powerSample().encode(d), DeadLetterKind.DUPLICATE, reason), nowMs);
        }
        for (HostTimeline.Refused r : release.refused()) {
            deadLetter(r.event().getHost(), new HostInput.Event(r.event()), DeadLetterKind.INVALID, r.reason(), nowMs, out);
        }
        long timestampMs = Math.floorDiv(release.attributedUntilUs(), 1000);
        for (RunEnergy energy : release.energy()) {
            out.energy(fitting(energy, nowMs, out), timestampMs);
        }
        if (release.live(nowMs) && nowMs - commitRequestedMs >= config.liveCommitInterval().toMillis()) {
            out.commitSoon(); // after the records being processed now, not on the commit interval
            commitRequestedMs = nowMs;
        }
    }

    /**
     * Run energy the broker would take: one larger than {@link AnalyzerConfig#maxOutputBytes} (a run of
     * thousands of epochs, a broker with a small {@code max.message.bytes}) would fail the engine's
     * transaction at every retry. It goes out without its per-epoch detail, and whole (cut to the
     * dead-letter limit) to the dead-letter topic with the reason. Only records that may be that large are
     * encoded to check.
     */
    private RunEnergy fitting(RunEnergy energy, long nowMs, Out out) {
        long estimate = 512L + 64L * energy.getEpochs().size() + 128L * energy.getComponents().size();
        if (estimate * 2 < config.maxOutputBytes()) {
            return energy;
        }
        byte[] bytes = AmpwatchSerdes.runEnergy().encode(energy);
        if (bytes.length <= config.maxOutputBytes()) {
            return energy;
        }
        String reason = "run energy of run " + energy.getRunId() + " (" + energy.getEpochs().size() + " epochs) is " + bytes.length
                + " bytes, more than the " + config.maxOutputBytes() + " the broker and producer take (topic max.message.bytes, "
                + "producer max.request.size); it went out without its per-epoch detail";
        deadLetter(energy.getRunId(), config.topics().runEnergy().name(), bytes, DeadLetterKind.TOO_LARGE, reason, nowMs, out);
        return RunEnergy.newBuilder(energy).setEpochs(List.of()).build();
    }

    /**
     * Dead letters carry the analyzer's clock, not the record's (which may be what was wrong with it), and
     * stay well under the broker's record size limit whatever the record held: a dead letter the broker
     * refuses would stop the engine on the record it was meant to set aside.
     */
    /** {@code input}'s dead letter under {@code key}: the record's key as received (topics.md: "as received"). */
    private void deadLetter(String key, HostInput input, DeadLetterKind kind, String reason, long nowMs, Out out) {
        byte[] value = input instanceof HostInput.Sample s ? s.bytes()
                : AmpwatchSerdes.trainingEvent().encode(((HostInput.Event) input).event());
        deadLetter(key, topicOf(input), value, kind, reason, nowMs, out);
    }

    /** A dead letter with its value cut to {@link #MAX_DEAD_LETTER_VALUE_BYTES} (the reason says when). */
    private static void deadLetter(String key, String topic, byte[] value, DeadLetterKind kind, String reason, long nowMs, Out out) {
        if (value.length > MAX_DEAD_LETTER_VALUE_BYTES) {
            reason += " (dead-letter value truncated to its first " + MAX_DEAD_LETTER_VALUE_BYTES + " of " + value.length + " bytes)";
            value = Arrays.copyOf(value, MAX_DEAD_LETTER_VALUE_BYTES);
        }
        out.deadLetter(clipKey(key), new AnalyzerOutput.DeadLetter(topic, value, kind, reason), nowMs);
    }

    private String topicOf(HostInput input) {
        return input instanceof HostInput.Sample ? config.topics().powerSamples().name() : config.topics().trainingEvents().name();
    }

    /** A dead letter's key: the record's, cut to the longest valid host id. */
    private static String clipKey(String key) {
        return key == null || key.length() <= HostId.MAX_LENGTH ? key : key.substring(0, HostId.MAX_LENGTH);
    }

    private static String quoted(String s) {
        return s == null ? "null" : "\"" + HostInput.clip(s) + "\"";
    }
}
