package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.LiveDevice;
import dev.ampwatch.analyzer.state.DeviceState;
import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.analyzer.energy.RunEnergyAssembler;
import dev.ampwatch.analyzer.streams.AnalyzerOutput.DeadLetterKind;
import dev.ampwatch.analyzer.timeline.HostTimeline;
import dev.ampwatch.analyzer.timeline.HostTimeline.Release;
import dev.ampwatch.analyzer.timeline.HostTimeline.Verdict;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The thin Kafka side of attribution: checks a record (key, validity), hands it to its host's
 * {@link HostTimeline} and forwards what the timeline releases. Both inputs are keyed by host and
 * co-partitioned, so one task sees both of a host's streams. A wall-clock tick lets inputs that went
 * idle, and hosts that went quiet, release what they hold.
 */
public final class HostProcessor implements Processor<String, HostInput, String, AnalyzerOutput> {
    public static final String TIMELINE_STORE = "host-timelines";
    static final Duration TICK = Duration.ofMillis(500);
    /**
     * A backlog is committed at {@code commit.interval.ms}, 1 s by default, which made catching up ~1.4x
     * faster than exactly-once's default of 100 ms for everything; live run energy asks for its commit
     * within {@link AnalyzerConfig#liveCommitInterval()}.
     */
    static final long BACKLOG_COMMIT_MS = 1000;

    private final AnalyzerConfig config;
    private final InputValidator validator;
    private ProcessorContext<String, AnalyzerOutput> context;
    private TimelineStore timelines;
    private long commitRequestedMs; // 0: none yet (MIN_VALUE would overflow the difference)

    /** How often, at most, a host's live device figures go to the listener (analyzer clock). */
    static final long LIVE_REPORT_MS = 1000;

    private final AnalyzerListener listener;
    /** Per host: when its live figures were last reported (analyzer clock) and as of which attributed time. */
    private final Map<String, long[]> reported = new HashMap<>();

    public HostProcessor(AnalyzerConfig config) {
        this(config, AnalyzerListener.NONE);
    }

    public HostProcessor(AnalyzerConfig config, AnalyzerListener listener) {
        this.listener = listener;
        this.config = config;
        this.validator = new InputValidator(config.maxFutureSkew());
    }

    @Override
    public void init(ProcessorContext<String, AnalyzerOutput> context) {
        this.context = context;
        this.timelines = context.getStateStore(TIMELINE_STORE);
        // idle inputs, quiet hosts, and running totals held back while catching up all wait on this clock
        context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    @Override
    public void process(Record<String, HostInput> record) {
        HostInput input = record.value();
        long nowMs = context.currentSystemTimeMs();
        if (input.isEmpty()) {
            context.forward(new Record<String, AnalyzerOutput>(clipKey(record.key()), new AnalyzerOutput.DeadLetter(topicOf(input), null,
                    DeadLetterKind.INVALID, "a record with key " + quoted(record.key()) + " has no value (a tombstone?)"), nowMs));
            return;
        }
        String host = input.host();
        Optional<String> invalid = input instanceof HostInput.Sample s ? validator.check(s.sample(), Instant.ofEpochMilli(nowMs))
                : validator.check(((HostInput.Event) input).event(), Instant.ofEpochMilli(nowMs));
        if (invalid.isPresent()) {
            deadLetter(input, DeadLetterKind.INVALID, invalid.get());
            return;
        }
        if (!host.equals(record.key())) {
            deadLetter(input, DeadLetterKind.WRONG_KEY, input.describe() + ": its key is " + quoted(record.key())
                    + ", not its host " + quoted(host) + "; both input topics must be keyed by host (docs/topics.md), or the "
                    + "record lands on a partition whose task never sees the host's other input");
            return;
        }
        HostTimeline timeline = timelines.timeline(host, nowMs);
        if (input instanceof HostInput.Sample s) {
            if (timeline.accept(s.sample(), s.encoded(), nowMs) == Verdict.LATE) {
                deadLetter(input, DeadLetterKind.LATE, input.describe() + ": more than the grace (" + config.grace()
                        + ") behind the samples already seen from host " + host + ", or before "
                        + Micros.instant(timeline.state().getReleasedUntilUs()) + ", which is attributed already");
                timelines.changed(timeline);
                return;
            }
        } else {
            timeline.accept(((HostInput.Event) input).event(), nowMs);
        }
        forward(timeline.advance(nowMs));
        timelines.changed(timeline);
        report(timeline, nowMs, false);
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
        for (DeviceState d : timeline.state().getDevices().values()) {
            Double idle = RunEnergyAssembler.idleWatts(d, config.minIdle());
            devices.add(new LiveDevice(d.getComponent(), d.getDevice(), d.getPowerWatts() == null ? Double.NaN : d.getPowerWatts(),
                    d.getEnergyJoules(), d.getRunEnergyJoules(), idle == null ? Double.NaN : idle));
        }
        listener.onHostProgress(timeline.host(), until, devices);
    }

    private void tick(long nowMs) {
        for (HostTimeline timeline : new ArrayList<>(timelines.all(nowMs))) {
            Release advanced = timeline.advance(nowMs);
            Release flushed = timeline.flushIfQuiet(nowMs);
            Release held = timeline.heldRunningTotals(nowMs);
            if (advanced != Release.NONE || flushed != Release.NONE || held != Release.NONE) {
                forward(advanced);
                forward(flushed);
                forward(held);
                timelines.changed(timeline);
            }
            report(timeline, nowMs, true);
        }
    }

    private void forward(Release release) {
        if (release.isEmpty()) {
            return;
        }
        for (PowerSample d : release.duplicates()) {
            String reason = "duplicate: a reading of " + d.getComponent() + "/" + d.getDevice() + " on host " + d.getHost()
                    + " at " + d.getEventTime() + " was already attributed";
            context.forward(new Record<String, AnalyzerOutput>(d.getHost(), new AnalyzerOutput.DeadLetter(
                    config.topics().powerSamples().name(), AmpwatchSerdes.powerSample().encode(d), DeadLetterKind.DUPLICATE,
                    reason), context.currentSystemTimeMs()));
        }
        for (HostTimeline.Refused r : release.refused()) {
            deadLetter(new HostInput.Event(r.event()), DeadLetterKind.INVALID, r.reason());
        }
        long timestampMs = Math.floorDiv(release.attributedUntilUs(), 1000);
        for (RunEnergy energy : release.energy()) {
            context.forward(new Record<>(energy.getRunId(), new AnalyzerOutput.Energy(energy), timestampMs));
        }
        long nowMs = context.currentSystemTimeMs();
        if (release.live(nowMs) && nowMs - commitRequestedMs >= config.liveCommitInterval().toMillis()) {
            context.commit(); // after the records being processed now, not on the commit interval
            commitRequestedMs = nowMs;
        }
    }

    /**
     * Dead letters carry the analyzer's clock, not the record's (which may be what was wrong with it), and
     * stay well under the broker's record size limit whatever the record held: a dead letter the broker
     * refuses would stop the stream thread on the record it was meant to set aside.
     */
    private void deadLetter(HostInput input, DeadLetterKind kind, String reason) {
        byte[] value = input instanceof HostInput.Sample s ? s.bytes()
                : AmpwatchSerdes.trainingEvent().encode(((HostInput.Event) input).event());
        if (value.length > MAX_DEAD_LETTER_VALUE_BYTES) {
            reason += " (dead-letter value truncated to its first " + MAX_DEAD_LETTER_VALUE_BYTES + " of " + value.length + " bytes)";
            value = java.util.Arrays.copyOf(value, MAX_DEAD_LETTER_VALUE_BYTES);
        }
        context.forward(new Record<String, AnalyzerOutput>(clipKey(input.host()),
                new AnalyzerOutput.DeadLetter(topicOf(input), value, kind, reason), context.currentSystemTimeMs()));
    }

    private String topicOf(HostInput input) {
        return input instanceof HostInput.Sample ? config.topics().powerSamples().name() : config.topics().trainingEvents().name();
    }

    /** A dead letter's key: the record's, cut to the longest valid host id. */
    private static String clipKey(String key) {
        return key == null || key.length() <= HostId.MAX_LENGTH ? key : key.substring(0, HostId.MAX_LENGTH);
    }

    /** Half the broker's default record limit (1 MiB), leaving room for key and headers. */
    static final int MAX_DEAD_LETTER_VALUE_BYTES = 512 * 1024;

    private static String quoted(String s) {
        return s == null ? "null" : "\"" + HostInput.clip(s) + "\"";
    }

}
