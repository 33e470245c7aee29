package dev.ampwatch.analyzer.timeline;

import dev.ampwatch.analyzer.energy.AttributionSettings;
import dev.ampwatch.analyzer.energy.Emitter;
import dev.ampwatch.analyzer.energy.HostAttributor;
import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.analyzer.energy.RunTracker;
import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.analyzer.state.RunState;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One host's attribution as a pure function of its two inputs: records are buffered by event time and
 * attributed, in event-time order, once both inputs have shown progress past them (see
 * {@link InputProgress}). A run is finalized on exactly the records it is complete with, checked before
 * each record is applied, so its final totals (idle baseline included) do not depend on how far the
 * watermark moved in one step. Knows nothing of Kafka; not thread-safe.
 */
public final class HostTimeline {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HostTimeline.class);
    /** What became of an input record. */
    public enum Verdict { BUFFERED, PROGRESS, LATE, HELD }

    /**
     * A sample set aside on a later sample's arrival: a held jump refuted (a clock glitch: {@code late} false), or a
     * sample of a confirmed jump that is late among the others. {@code reason} says why, without the sample itself.
     */
    public record SetAside(PowerSample sample, byte[] encoded, boolean late, String reason) {}

    /** What an advance produced: run energy records and samples repeating a reading already applied. */
    /** A training event that cannot be applied, with why. */
    public record Refused(TrainingEvent event, String reason) {}

    public record Release(List<RunEnergy> energy, List<PowerSample> duplicates, List<Refused> refused, long attributedUntilUs) {
        public static final Release NONE = new Release(List.of(), List.of(), List.of(), Long.MIN_VALUE);

        public boolean isEmpty() {
            return energy.isEmpty() && duplicates.isEmpty() && refused.isEmpty();
        }

        /** Run energy of a host that is not catching up a backlog: someone is waiting for it now. */
        public boolean live(long nowMs) {
            return !energy.isEmpty() && nowMs * 1000 - attributedUntilUs < CATCHING_UP_US;
        }
    }

    /** How long after its end a run's straggling events are still recognised as its. */
    static final long FORGET_ENDED_RUNS_US = 600_000_000L;
    /** A host whose attributed time is this far behind the analyzer's clock is catching up a backlog. */
    static final long CATCHING_UP_US = 60_000_000L;
    private final HostState state;
    private final GraceBuffer buffer;
    private final InputProgress progress;
    private final AttributionSettings attribution;
    private final TimelineSettings settings;
    private final Map<String, RunConfig> configs = new HashMap<>();
    private final RunningTotalPacer pacer;
    private final Emitter emitter;
    private final HostAttributor attributor;
    private final RunTracker runs;
    private boolean changed;
    /** Samples set aside since the last {@link #takeSetAside()}. */
    private List<SetAside> setAside = List.of();
    private final TimeJumpGuard jumps;

    private HostTimeline(HostState state, GraceBuffer buffer, AttributionSettings attribution, TimelineSettings settings,
                        long nowMs) {
        this.state = state;
        this.buffer = buffer;
        this.attribution = attribution;
        this.settings = settings;
        this.progress = new InputProgress(state, nowMs);
        this.emitter = new Emitter(attribution, this::config);
        this.attributor = new HostAttributor(state, attribution);
        this.runs = new RunTracker(state);
        this.jumps = new TimeJumpGuard(state, settings, this::setAside);
        this.pacer = new RunningTotalPacer(attribution.emitInterval().toMillis());
    }

    public static HostTimeline create(String host, AttributionSettings attribution, TimelineSettings settings, long nowMs) {
        HostState state = HostState.newBuilder().setHost(host).setDevices(new HashMap<>()).setRuns(new ArrayList<>())
                .setRunProgressUs(new HashMap<>()).setReleasedUntilUs(Long.MIN_VALUE).build();
        return new HostTimeline(state, new GraceBuffer(), attribution, settings, nowMs);
    }

    /** A timeline as it was stored: its state and its buffer's chunks (records before its attributed time are dropped). */
    public static HostTimeline restore(HostState state, Map<Long, List<Buffered>> chunks, AttributionSettings attribution,
                                       TimelineSettings settings, long nowMs) {
        GraceBuffer buffer = GraceBuffer.restore(chunks, state.getReleasedUntilUs());
        return new HostTimeline(state, buffer, attribution, settings, nowMs);
    }

    public String host() {
        return state.getHost();
    }

    /** Marks the timeline as changed since its last write; true if it was not marked yet. */
    public boolean markChanged() {
        boolean first = !changed;
        changed = true;
        return first;
    }

    /** Clears the mark (it has been written). */
    public void written() {
        changed = false;
    }

    public HostState state() {
        return state;
    }

    public GraceBuffer buffer() {
        return buffer;
    }

    /**
     * Buffers a sample, or refuses it as late: more than the grace behind the host's samples (decided by
     * the samples input alone), or before what was attributed already.
     */
    public Verdict accept(PowerSample sample, long nowMs) {
        return accept(sample, null, nowMs);
    }

    /**
     * As {@link #accept(PowerSample, long)}; {@code encoded}: the sample's bytes as it came (null: encode when stored).
     *
     * <p>A sample more than {@code maxTimeJump} ahead of the host's samples progress moves nothing by itself (one valid
     * sample stamped far ahead by a clock glitch would otherwise make every later sample, at its true time, late): it is
     * held ({@link Verdict#HELD}) until the host's next samples decide. Those that go on beyond the jump (not more than
     * the grace behind the held ones) confirm it once the held samples span {@link TimelineSettings#confirmJumpUs()}:
     * they are taken then, in their order of arrival, as they would have been at once. One that comes back near the
     * progress (within the grace behind it up to the jump ahead), or beyond the jump but more than the grace behind the
     * held samples, refutes them: they are set aside ({@link #takeSetAside()}), never attributed, and moved nothing.
     * Only the samples input decides, in its order: the same records give the same joules.
     */
    public Verdict accept(PowerSample sample, byte[] encoded, long nowMs) {
        long t = Micros.of(sample.getEventTime());
        if (jumps.ahead(t)) {
            progress.heldSample(nowMs); // the input delivered: not idle, though its progress stays
            List<TimeJumpGuard.Held> confirmed = jumps.hold(sample, encoded, t);
            if (confirmed == null) {
                return Verdict.HELD;
            }
            takeHeld(confirmed, nowMs);
        } else {
            jumps.notAhead(sample, t);
        }
        return take(sample, encoded, t, nowMs);
    }

    /** Samples set aside since the last call (a refuted jump's, a confirmed jump's late ones): to dead-letter. */
    public List<SetAside> takeSetAside() {
        List<SetAside> out = setAside;
        setAside = List.of();
        return out;
    }

    /** Why a sample at {@code tUs} is late, {@code releasedUs} being what was attributed when it came. */
    public String lateReason(long tUs, long releasedUs) {
        return tUs < releasedUs
                ? "before " + Micros.instant(releasedUs) + ", up to which host " + state.getHost() + " is attributed already"
                : "more than the grace (" + settings.grace() + ") behind the samples already seen from host " + state.getHost();
    }

    /** Samples no longer held as a possible jump, taken in their order of arrival; those late by now are set aside. */
    private void takeHeld(List<TimeJumpGuard.Held> held, long nowMs) {
        for (TimeJumpGuard.Held h : held) {
            long released = state.getReleasedUntilUs();
            if (take(h.sample(), h.encoded(), h.tUs(), nowMs) == Verdict.LATE) {
                setAside(new SetAside(h.sample(), h.encoded(), true, lateReason(h.tUs(), released)));
            }
        }
    }

    private void setAside(SetAside a) {
        if (setAside.isEmpty()) {
            setAside = new ArrayList<>();
        }
        setAside.add(a);
    }

    /** A sample's usual path: buffered, or refused as late. */
    private Verdict take(PowerSample sample, byte[] encoded, long t, long nowMs) {
        if (t < state.getReleasedUntilUs() || progress.sampleBehind(t, settings.graceUs())) {
            state.setLateRecords(state.getLateRecords() + 1);
            if (t < state.getReleasedUntilUs()) {
                runs.countLate(t);
            } else { // count it on its runs when its time is attributed, whatever has arrived by then
                buffer.add(Buffered.lateSample(t, nextSeq(), sample, encoded));
            }
            return Verdict.LATE;
        }
        progress.sample(t, nowMs);
        state.setMaxEventTimeUs(Math.max(state.getMaxEventTimeUs(), t));
        buffer.add(Buffered.sample(t, nextSeq(), sample, encoded));
        return Verdict.BUFFERED;
    }

    /**
     * Takes a training event: a PROGRESS or STREAM_END marker only moves the events input; a lifecycle
     * event is buffered, and one whose time was attributed already is applied at the earliest time that
     * was not, counted on its run.
     */
    public Verdict accept(TrainingEvent event, long nowMs) {
        long t = Micros.of(event.getEventTime());
        progress.event(event, t, nowMs);
        state.setMaxEventTimeUs(Math.max(state.getMaxEventTimeUs(), t));
        if (event.getKind() == EventKind.PROGRESS || event.getKind() == EventKind.STREAM_END) {
            return Verdict.PROGRESS;
        }
        long released = state.getReleasedUntilUs();
        if (t < released) {
            state.setLateEvents(state.getLateEvents() + 1);
            TrainingEvent moved = TrainingEvent.newBuilder(event).setEventTime(Micros.instant(released)).build();
            buffer.add(Buffered.event(released, nextSeq(), released - t, moved));
        } else {
            buffer.add(Buffered.event(t, nextSeq(), 0, event));
        }
        return Verdict.BUFFERED;
    }

    /** The engine was not receiving before {@code sinceMs}: idle and quiet times count from then (InputProgress#holdArrivals). */
    public void holdArrivals(long sinceMs) {
        progress.holdArrivals(sinceMs);
    }

    /** Attributes everything before the watermark, if it moved. */
    public Release advance(long nowMs) {
        closeSilentRuns(false, nowMs);
        long w = progress.watermark(settings.graceUs(), settings.inputIdleUs(), settings.inputIdle().toMillis(), nowMs);
        if (w == Long.MIN_VALUE || w <= state.getReleasedUntilUs()) {
            return Release.NONE;
        }
        return release(w, false, nowMs);
    }

    /**
     * Running totals that the catching-up rule held back: once the analyzer's clock allows, they go out
     * even if nothing new arrives (the end of a backlog would otherwise wait for the next record).
     */
    public Release heldRunningTotals(long nowMs) {
        long until = state.getReleasedUntilUs();
        if (until == Long.MIN_VALUE || state.getRuns().isEmpty()) {
            return Release.NONE;
        }
        List<RunEnergy> out = emitter.running(state, until, run -> pacer.due(run.getRunId(), until, nowMs));
        return out.isEmpty() ? Release.NONE : new Release(out, List.of(), List.of(), until);
    }

    /**
     * A host from which nothing arrived for the quiet-flush time: everything it sent is attributed and
     * its ended runs are finalized (devices without a reading after a run's end count as gaps).
     */
    public Release flushIfQuiet(long nowMs) {
        long quietMs = settings.quietFlush().toMillis();
        boolean work = !buffer.isEmpty() || state.getRuns().stream().anyMatch(r -> r.getEndUs() != null);
        long quietForMs = nowMs - progress.lastArrivalMs();
        if (quietMs == 0 || quietForMs < quietMs) {
            return Release.NONE;
        }
        if (!jumps.isEmpty()) {
            // the host went quiet after samples held as a possible jump (a sparse meter's last reading, more than
            // --max-time-jump after the one before): nothing refuted them, so they are its last readings, not a glitch
            LOG.info("host {}: quiet after {} sample(s) held as a jump: taken as its last readings", state.getHost(), jumps.size());
            takeHeld(jumps.takeAll(), nowMs);
            work = true;
        }
        work |= closeSilentRuns(true, nowMs);
        if (!work) {
            return Release.NONE;
        }
        // everything pending goes, late events too: they wait at the attributed time itself, which a release up to
        // the newest record's time would leave in the buffer until something new arrived
        long until = Math.max(Math.max(state.getMaxEventTimeUs() + 1, state.getReleasedUntilUs()),
                buffer.isEmpty() ? Long.MIN_VALUE : buffer.lastTimeUs() + 1);
        Release out = release(until, true, nowMs);
        LOG.info("host {}: nothing arrived for {} ms (--quiet-flush): attributed up to {}, {} run(s) final", state.getHost(),
                quietForMs, Micros.instant(until), out.energy().stream().filter(RunEnergy::getIsFinal).count());
        return out;
    }

    /**
     * Ends the open runs whose trainer fell silent ({@link InputProgress#silentRuns}) with a RUN_FAILED at
     * their last sign of life, which the run tracker marks {@code closed_silent}: without it such a run
     * would stay open for ever, and take its share of the host's CPU, DRAM and wall energy from every
     * later run. At that time when it is not attributed yet (a heartbeating run holds the host there), or
     * at the earliest time that is not, counted as a moved boundary. True if any was closed.
     */
    private boolean closeSilentRuns(boolean quiet, long nowMs) {
        // looked for as often as the watermark looks at the events input, and just before it: the close of a
        // heartbeating run is in the buffer before the watermark can pass its last heartbeat
        if (state.getRunProgressUs().isEmpty() || !quiet && !progress.recheckDue(nowMs)) {
            return false;
        }
        Map<String, Long> silent = progress.silentRuns(settings.inputIdleUs(), settings.inputIdle().toMillis(), settings.runSilenceUs(),
                quiet, nowMs);
        for (Map.Entry<String, Long> run : new java.util.TreeMap<>(silent).entrySet()) {
            LOG.info("host {}: run {} closed as FAILED at {}, its last sign of life: its trainer fell silent{}", state.getHost(),
                    run.getKey(), Micros.instant(run.getValue()), quiet ? " (the host is quiet)" : "");
            RunState known = state.getRuns().stream().filter(r -> r.getRunId().equals(run.getKey())).findFirst().orElse(null);
            TrainingEvent close = TrainingEvent.newBuilder().setRunId(run.getKey())
                    .setExperimentId(known == null ? "" : known.getExperimentId()).setHost(state.getHost())
                    .setDevices(known == null ? List.of() : known.getGpuDevices())
                    .setEventTime(Micros.instant(run.getValue())).setKind(EventKind.RUN_FAILED)
                    .setFailureReason(RunTracker.SILENT_PREFIX + "nothing from it after " + Micros.instant(run.getValue())
                            + (state.getHeartbeatRuns().contains(run.getKey()) ? ", though it sent heartbeats" : "")
                            + "; closed by the analyzer at that time (trainer killed, host lost, or cut off from Kafka)")
                    .build();
            accept(close, nowMs);
        }
        return !silent.isEmpty();
    }

    /**
     * The event as its producer sent it: a late one was moved forward to be applied, and a dead letter shows what
     * was sent (a review saw every refused event of a replayed trace at the one time they had been moved to).
     */
    private static TrainingEvent asSent(Buffered b) {
        return b.movedUs() == 0 ? b.event() : TrainingEvent.newBuilder(b.event())
                .setEventTime(Micros.instant(Micros.of(b.event().getEventTime()) - b.movedUs())).build();
    }

    private Release release(long beforeUs, boolean hostQuiet, long nowMs) {
        List<RunEnergy> out = new ArrayList<>();
        List<PowerSample> duplicates = List.of(); // rare: made when needed
        List<Refused> refused = List.of();
        for (Buffered b : buffer.releaseBefore(beforeUs)) {
            List<RunEnergy> finals = emitter.finals(state, b.timeUs(), false);
            if (!finals.isEmpty()) {
                out.addAll(finals);
            }
            if (b.isEvent()) {
                java.util.Optional<String> why = runs.apply(b.event(), b.movedUs());
                if (why.isPresent()) {
                    refused = refused.isEmpty() ? new ArrayList<>() : refused;
                    refused.add(new Refused(asSent(b), why.get()));
                }
            } else if (b.isLate()) {
                runs.countLate(b.timeUs());
            } else if (!attributor.apply(b.sample())) {
                duplicates = duplicates.isEmpty() ? new ArrayList<>() : duplicates;
                duplicates.add(b.sample());
            }
        }
        state.setReleasedUntilUs(beforeUs);
        progress.forgetEndedBefore(beforeUs - FORGET_ENDED_RUNS_US);
        runs.forgetFinalized(beforeUs - RunTracker.FINALIZED_MEMORY_US);
        emitter.forgetFlushedRuns(state, beforeUs);
        out.addAll(emitter.finals(state, beforeUs, hostQuiet));
        emitter.sealOldEpochs(state, beforeUs);
        out.addAll(emitter.running(state, beforeUs, run -> pacer.due(run.getRunId(), beforeUs, nowMs)));
        for (RunEnergy e : out) {
            if (e.getIsFinal()) {
                configs.remove(e.getRunId());
                pacer.forget(e.getRunId());
            }
        }
        return new Release(out, duplicates, refused, beforeUs);
    }

    private RunConfig config(RunState run) {
        if (run.getStartEvent() == null) {
            return null;
        }
        return configs.computeIfAbsent(run.getRunId(), id -> {
            byte[] bytes = new byte[run.getStartEvent().remaining()];
            run.getStartEvent().duplicate().get(bytes);
            return AmpwatchSerdes.trainingEvent().decode(bytes).getConfig();
        });
    }

    private long nextSeq() {
        long seq = state.getNextSeq();
        state.setNextSeq(seq + 1);
        return seq;
    }

}
