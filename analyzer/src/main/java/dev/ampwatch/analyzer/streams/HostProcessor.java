package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.energy.Emitter;
import dev.ampwatch.analyzer.energy.HostAttributor;
import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.analyzer.energy.RunTracker;
import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.analyzer.state.RunState;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Per-host attribution. Each record is buffered by event time; once the host's stream time has moved
 * a grace period past it, everything up to there is attributed in event-time order, whatever order it
 * arrived in. A record older than what was already attributed is late: counted and dead-lettered.
 */
public final class HostProcessor implements Processor<String, HostInput, String, AnalyzerOutput> {
    public static final String HOST_STATE_STORE = "host-state";
    public static final String PENDING_STORE = "pending-records";

    private final AnalyzerConfig config;
    private final InputValidator validator;
    /** Per host: (wall-clock ms, largest event time seen by then), oldest first. Not state: a hint. */
    private final Map<String, ArrayDeque<long[]>> arrivals = new HashMap<>();
    /** Per host as last stored: {released until, max event time, 1 if a run ended}; spares the tick a load. */
    private final Map<String, long[]> stored = new HashMap<>();
    private boolean scannedAfterStart;
    private ProcessorContext<String, AnalyzerOutput> context;
    private KeyValueStore<String, HostState> hosts;
    private KeyValueStore<Bytes, byte[]> pending;

    public HostProcessor(AnalyzerConfig config) {
        this.config = config;
        this.validator = new InputValidator(config.maxFutureSkew());
    }

    @Override
    public void init(ProcessorContext<String, AnalyzerOutput> context) {
        this.context = context;
        this.hosts = context.getStateStore(HOST_STATE_STORE);
        this.pending = context.getStateStore(PENDING_STORE);
        if (!config.hold().isZero() || !config.quietFlush().isZero()) {
            context.schedule(Duration.ofMillis(200), PunctuationType.WALL_CLOCK_TIME, this::releaseHeld);
        }
    }

    @Override
    public void process(Record<String, HostInput> record) {
        HostInput input = record.value();
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        Optional<String> invalid = input instanceof HostInput.Sample s ? validator.check(s.sample(), now)
                : validator.check(((HostInput.Event) input).event(), now);
        if (invalid.isPresent()) {
            deadLetter(record, input, invalid.get());
            return;
        }
        String host = input instanceof HostInput.Sample s ? s.sample().getHost() : ((HostInput.Event) input).event().getHost();
        HostState state = hosts.get(host);
        if (state == null) {
            state = HostState.newBuilder().setHost(host).setDevices(new HashMap<>()).setRuns(new ArrayList<>()).build();
        }
        long t = Micros.of(input.eventTime());
        if (t < state.getReleasedUntilUs() && input instanceof HostInput.Event e) {
            // a late lifecycle event still opens or closes its run, at the earliest time not yet
            // attributed; the run is flagged so nobody mistakes its totals for exact ones
            late(state, t);
            TrainingEvent restamped = TrainingEvent.newBuilder(e.event())
                    .setEventTime(Micros.instant(state.getReleasedUntilUs())).build();
            input = new HostInput.Event(restamped);
            t = state.getReleasedUntilUs();
        } else if (t < state.getReleasedUntilUs()) {
            late(state, t);
            deadLetter(record, input, "late: event time " + input.eventTime() + " is before "
                    + Micros.instant(state.getReleasedUntilUs()) + ", already attributed on host " + host
                    + " (grace " + config.grace() + ")");
            store(state);
            return;
        }
        byte kind = input instanceof HostInput.Event ? PendingKey.EVENT : PendingKey.SAMPLE;
        pending.put(PendingKey.of(host, t, kind, state.getNextSeq()), encode(input));
        state.setNextSeq(state.getNextSeq() + 1);
        state.setMaxEventTimeUs(Math.max(state.getMaxEventTimeUs(), t));
        arrived(host, context.currentSystemTimeMs(), state.getMaxEventTimeUs());
        advance(state, context.currentSystemTimeMs());
        store(state);
    }

    private void store(HostState state) {
        hosts.put(state.getHost(), state);
        boolean ended = state.getRuns().stream().anyMatch(r -> r.getEndUs() != null);
        stored.put(state.getHost(), new long[] {state.getReleasedUntilUs(), state.getMaxEventTimeUs(), ended ? 1 : 0});
    }

    /** Attributes everything up to the host's watermark, if it moved. */
    private boolean advance(HostState state, long nowMs) {
        long watermark = watermark(state.getHost(), state.getMaxEventTimeUs(), nowMs);
        if (watermark > state.getReleasedUntilUs()) {
            release(state, watermark, false);
            return true;
        }
        return false;
    }

    /** A host that sent nothing for the quiet-flush time: attribute all it sent, finalize ended runs. */
    private boolean flushIfQuiet(HostState state, long nowMs) {
        boolean work = state.getReleasedUntilUs() < state.getMaxEventTimeUs()
                || state.getRuns().stream().anyMatch(r -> r.getEndUs() != null);
        if (!quiet(state.getHost(), nowMs) || !work) {
            return false;
        }
        release(state, Math.max(state.getMaxEventTimeUs(), state.getReleasedUntilUs()), true);
        return true;
    }

    /**
     * Stream time minus the grace; with a hold, the stream time as it was {@code hold} ago in wall-clock
     * time, so records that travel a slower path (the repartitioned events) are not overtaken.
     */
    private long watermark(String host, long maxEventUs, long nowMs) {
        long graceUs = config.grace().toNanos() / 1000;
        if (config.hold().isZero()) {
            return maxEventUs - graceUs;
        }
        ArrayDeque<long[]> seen = arrivals.get(host);
        long cutoff = nowMs - config.hold().toMillis();
        if (seen == null || seen.isEmpty() || seen.peekFirst()[0] > cutoff) {
            return Long.MIN_VALUE;
        }
        while (seen.size() > 1) {
            long[] first = seen.pollFirst();
            if (seen.peekFirst()[0] > cutoff) {
                seen.addFirst(first);
                break;
            }
        }
        return seen.peekFirst()[1] - graceUs;
    }

    private boolean quiet(String host, long nowMs) {
        ArrayDeque<long[]> seen = arrivals.get(host);
        long lastArrivalMs = seen == null || seen.isEmpty() ? Long.MIN_VALUE : seen.peekLast()[0];
        return !config.quietFlush().isZero() && lastArrivalMs != Long.MIN_VALUE
                && nowMs - lastArrivalMs >= config.quietFlush().toMillis();
    }

    private void arrived(String host, long nowMs, long maxEventUs) {
        ArrayDeque<long[]> seen = arrivals.computeIfAbsent(host, h -> new ArrayDeque<>());
        long[] last = seen.peekLast();
        if (last != null && nowMs - last[0] < 50) {
            last[1] = Math.max(last[1], maxEventUs);
        } else {
            seen.addLast(new long[] {nowMs, maxEventUs});
        }
    }

    /**
     * Wall-clock tick: releases what the hold kept back, also for hosts that went quiet. The first tick
     * after a start looks at every stored host; later ticks load a host's state only when there is
     * something to do for it.
     */
    private void releaseHeld(long nowMs) {
        if (!scannedAfterStart) {
            scannedAfterStart = true;
            List<HostState> states = new ArrayList<>();
            try (KeyValueIterator<String, HostState> it = hosts.all()) {
                it.forEachRemaining(kv -> states.add(kv.value));
            }
            for (HostState state : states) {
                if (!arrivals.containsKey(state.getHost())) {
                    arrived(state.getHost(), nowMs, state.getMaxEventTimeUs());
                }
                store(state);
            }
        }
        for (Map.Entry<String, long[]> e : new ArrayList<>(stored.entrySet())) {
            long[] s = e.getValue(); // {released, max event, run ended}
            boolean moves = watermark(e.getKey(), s[1], nowMs) > s[0];
            boolean flush = (s[0] < s[1] || s[2] == 1) && quiet(e.getKey(), nowMs);
            if (moves || flush) {
                HostState state = hosts.get(e.getKey());
                boolean changed = advance(state, nowMs);
                changed |= flushIfQuiet(state, nowMs);
                if (changed) {
                    store(state);
                }
            }
        }
    }

    private void release(HostState state, long watermark, boolean hostQuiet) {
        HostAttributor attributor = new HostAttributor(state, config.attributionFor(state.getHost()));
        RunTracker runs = new RunTracker(state);
        List<Bytes> done = new ArrayList<>();
        List<PowerSample> duplicates = new ArrayList<>();
        // start at what was released last, not at the host's first key: the deleted records before it
        // are tombstones that a scan from the beginning would wade through every time
        try (KeyValueIterator<Bytes, byte[]> it = pending.range(
                PendingKey.firstAt(state.getHost(), state.getReleasedUntilUs()),
                PendingKey.lastAt(state.getHost(), watermark))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                if (PendingKey.kind(kv.key) == PendingKey.EVENT) {
                    runs.apply(AmpwatchSerdes.trainingEvent().decode(kv.value));
                } else {
                    PowerSample sample = AmpwatchSerdes.powerSample().decode(kv.value);
                    if (!attributor.apply(sample)) {
                        duplicates.add(sample);
                    }
                }
                done.add(kv.key);
            }
        }
        done.forEach(pending::delete);
        for (PowerSample d : duplicates) {
            String reason = "duplicate: a reading of " + d.getComponent() + "/" + d.getDevice() + " on host " + d.getHost()
                    + " at " + d.getEventTime() + " was already attributed";
            context.forward(new Record<String, AnalyzerOutput>(d.getHost(), new AnalyzerOutput.DeadLetter(
                    config.topics().powerSamples().name(), AmpwatchSerdes.powerSample().encode(d), reason),
                    d.getEventTime().toEpochMilli()));
        }
        state.setReleasedUntilUs(watermark);
        long timestampMs = watermark / 1000;
        for (RunEnergy energy : new Emitter(config.attributionFor(state.getHost())).due(state, watermark, hostQuiet)) {
            context.forward(new Record<>(energy.getRunId(), new AnalyzerOutput.Energy(energy), timestampMs));
        }
    }

    private static void late(HostState state, long t) {
        state.setLateRecords(state.getLateRecords() + 1);
        for (RunState run : state.getRuns()) {
            if (run.getStartUs() <= t && (run.getEndUs() == null || run.getEndUs() > t)) {
                run.setLateRecords(run.getLateRecords() + 1);
            }
        }
    }

    private static byte[] encode(HostInput input) {
        return input instanceof HostInput.Sample s ? AmpwatchSerdes.powerSample().encode(s.sample())
                : AmpwatchSerdes.trainingEvent().encode(((HostInput.Event) input).event());
    }

    private void deadLetter(Record<String, HostInput> record, HostInput input, String reason) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("unknown");
        context.forward(new Record<String, AnalyzerOutput>(record.key(),
                new AnalyzerOutput.DeadLetter(topic, encode(input), reason), record.timestamp()));
    }
}
