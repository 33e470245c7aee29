package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.energy.Emitter;
import dev.ampwatch.analyzer.energy.HostAttributor;
import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.analyzer.energy.RunTracker;
import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.analyzer.state.RunState;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
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
            hosts.put(host, state);
            return;
        }
        byte kind = input instanceof HostInput.Event ? PendingKey.EVENT : PendingKey.SAMPLE;
        pending.put(PendingKey.of(host, t, kind, state.getNextSeq()), encode(input));
        state.setNextSeq(state.getNextSeq() + 1);
        state.setMaxEventTimeUs(Math.max(state.getMaxEventTimeUs(), t));
        long watermark = state.getMaxEventTimeUs() - config.grace().toNanos() / 1000;
        if (watermark > state.getReleasedUntilUs()) {
            release(state, watermark);
        }
        hosts.put(host, state);
    }

    private void release(HostState state, long watermark) {
        HostAttributor attributor = new HostAttributor(state, config.attributionFor(state.getHost()));
        RunTracker runs = new RunTracker(state);
        List<Bytes> done = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = pending.range(PendingKey.first(state.getHost()),
                PendingKey.lastAt(state.getHost(), watermark))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                if (PendingKey.kind(kv.key) == PendingKey.EVENT) {
                    runs.apply(AmpwatchSerdes.trainingEvent().decode(kv.value));
                } else {
                    attributor.apply(AmpwatchSerdes.powerSample().decode(kv.value));
                }
                done.add(kv.key);
            }
        }
        done.forEach(pending::delete);
        state.setReleasedUntilUs(watermark);
        long timestampMs = watermark / 1000;
        for (RunEnergy energy : new Emitter(config.attributionFor(state.getHost())).due(state, watermark)) {
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
