package dev.ampwatch.analyzer.timeline;

import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * How far each input of one host has shown its data, and the watermark that follows: the host's time
 * may be attributed up to the smaller of the two inputs' progress, minus the grace. Progress is what the
 * records themselves say (event times, and the trainers' PROGRESS promises), so the watermark depends on
 * what each input delivered, not on how fast or in which interleaving the two arrived.
 *
 * <ul>
 *   <li>Power samples: the largest sample time seen. A sample more than the grace behind it is late.
 *   <li>Training events: with a host-wide PROGRESS promise (replay), that promise; otherwise the least
 *       progress of the open runs (each run's latest event or heartbeat). With no open run and no promise,
 *       events do not hold the watermark back: a trainer sends a run's start as it happens.
 * </ul>
 *
 * The watermark is {@code min(samples progress - grace, events progress)}.
 *
 * <p>An input that stalls (a trainer killed without its end event, a power-agent that stopped) would hold
 * the host back forever; it is declared idle once it has shown nothing new for the idle time in the
 * analyzer's clock <em>and</em> the other input has moved that far past it in event time, as stream
 * processors do with idle sources. Only then can a record arrive late; it is never silent (counted, moved
 * or dead-lettered, and flagged). The arrival clock is a hint kept in memory, never stored. Not thread-safe.
 */
public final class InputProgress {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InputProgress.class);
    /** How often, at most, idle inputs are looked for on the per-record path. */
    static final long RECHECK_MS = 100;

    private final HostState state;
    private long sampleArrivalMs;
    private long hostPromiseArrivalMs;
    private final Map<String, Long> runArrivalMs = new HashMap<>();
    private long startedMs;
    /** Arrival times were held up to this (holdArrivals). */
    private long heldMs = Long.MIN_VALUE;
    private long lastArrivalMs;
    /** The earliest sample seen since this timeline was made; a hint, not state. */
    private long firstSampleUs = Long.MAX_VALUE;
    private long lastEventsProgress;
    private long eventsCheckedMs;
    private boolean eventsChanged = true;
    /** The events input of a host that never showed one was given up, and the log said so; a hint, not state. */
    private boolean toldEventsIdle;

    public InputProgress(HostState state, long nowMs) {
        this.state = state;
        if (!(state.getHeartbeatRuns() instanceof java.util.ArrayList)) {
            state.setHeartbeatRuns(new java.util.ArrayList<>(state.getHeartbeatRuns())); // Avro's (a default, a decoded one) cannot remove
        }
        this.startedMs = nowMs;
        this.sampleArrivalMs = nowMs;
        this.hostPromiseArrivalMs = nowMs;
        this.lastArrivalMs = nowMs;
    }

    public void sample(long timeUs, long nowMs) {
        firstSampleUs = Math.min(firstSampleUs, timeUs);
        if (timeUs > state.getSamplesUntilUs()) {
            state.setSamplesUntilUs(timeUs);
        }
        sampleArrivalMs = nowMs;
        lastArrivalMs = nowMs;
    }

    /**
     * A sample held as a possible jump (HostTimeline): the samples input delivered, so it is not idle, but its progress
     * stays where it was until the jump is confirmed.
     */
    public void heldSample(long nowMs) {
        sampleArrivalMs = nowMs;
        lastArrivalMs = nowMs;
    }

    /**
     * Nothing could arrive before {@code sinceMs} (the engine was not receiving: a broker outage, a stalled
     * process): every arrival time moves up to it, so that idle and quiet times count from then, as they do
     * for a timeline loaded then.
     */
    public void holdArrivals(long sinceMs) {
        if (sinceMs <= heldMs) {
            return;
        }
        heldMs = sinceMs;
        startedMs = Math.max(startedMs, sinceMs);
        sampleArrivalMs = Math.max(sampleArrivalMs, sinceMs);
        hostPromiseArrivalMs = Math.max(hostPromiseArrivalMs, sinceMs);
        lastArrivalMs = Math.max(lastArrivalMs, sinceMs);
        runArrivalMs.replaceAll((run, ms) -> Math.max(ms, sinceMs));
        eventsChanged = true;
    }

    /** Whether a sample at {@code timeUs} is more than the grace behind the samples already seen. */
    public boolean sampleBehind(long timeUs, long graceUs) {
        Long s = samplesUntil();
        return s != null && timeUs < s - graceUs;
    }

    /** The samples input's progress; null before the first sample. */
    private Long samplesUntil() {
        long s = state.getSamplesUntilUs();
        return s == Long.MIN_VALUE ? null : s;
    }

    public void event(TrainingEvent e, long timeUs, long nowMs) {
        Long until = state.getEventsUntilUs();
        state.setEventsUntilUs(until == null ? timeUs : Math.max(until, timeUs));
        lastArrivalMs = nowMs;
        eventsChanged = true;
        String run = e.getRunId();
        EventKind kind = e.getKind();
        if (run.isEmpty() && (kind == EventKind.PROGRESS || kind == EventKind.STREAM_END)) {
            Long promise = state.getHostProgressUs();
            state.setHostProgressUs(kind == EventKind.STREAM_END ? null : promise == null ? timeUs : Math.max(promise, timeUs));
            hostPromiseArrivalMs = nowMs;
        } else if (kind == EventKind.RUN_COMPLETED || kind == EventKind.RUN_FAILED) {
            state.getRunProgressUs().remove(run);
            runArrivalMs.remove(run);
            state.getHeartbeatRuns().remove(run);
            state.getEndedRunsUs().merge(run, timeUs, Math::max);
        } else if (!state.getEndedRunsUs().containsKey(run)) {
            state.getRunProgressUs().merge(run, timeUs, Math::max);
            runArrivalMs.put(run, nowMs);
            if (kind == EventKind.PROGRESS && !state.getHeartbeatRuns().contains(run)) {
                state.getHeartbeatRuns().add(run);
            }
        }
    }

    /**
     * Records strictly before the returned time may be attributed; {@link Long#MIN_VALUE} when nothing
     * may be. The grace covers disorder within the samples input (several sources sampled concurrently);
     * the training-events input needs none, because its progress is a promise about what was sent and a
     * run's events come from one producer, in order.
     */
    public long watermark(long graceUs, long idleUs, long idleMs, long nowMs) {
        Long s = samplesUntil();
        long events = cachedEventsProgress(s, idleUs, idleMs, nowMs);
        long samples;
        if (s != null && !(stale(sampleArrivalMs, idleMs, nowMs) && events != Long.MAX_VALUE && events != Long.MIN_VALUE
                && events - s >= idleUs)) {
            samples = s - graceUs;
        } else if (s == null && !stale(sampleArrivalMs, idleMs, nowMs)) {
            samples = Long.MIN_VALUE; // no sample yet: wait for the first
        } else {
            samples = Long.MAX_VALUE; // idle
        }
        long w = Math.min(samples, events);
        return w == Long.MAX_VALUE ? Long.MIN_VALUE : w;
    }

    /**
     * The events input's progress changes when an event arrives, or when an input turns idle, which is
     * noticed within {@link #RECHECK_MS} of the analyzer's clock; in between the per-record path reuses it.
     */
    private long cachedEventsProgress(Long samplesUntil, long idleUs, long idleMs, long nowMs) {
        if (recheckDue(nowMs)) {
            lastEventsProgress = eventsProgress(samplesUntil, idleUs, idleMs, nowMs);
            eventsCheckedMs = nowMs;
            eventsChanged = false;
        }
        return lastEventsProgress;
    }

    /** The training-events input's progress; {@link Long#MAX_VALUE} when it holds nothing back. */
    long eventsProgress(Long samplesUntil, long idleUs, long idleMs, long nowMs) {
        if (state.getEventsUntilUs() == null) {
            // a host whose events input never showed anything: a replay's first promise or a trainer's first
            // start may still be on its way, behind samples that raced ahead. Like any idle input, it is given
            // up only after the idle time in both clocks: samples alone can race any distance ahead of a
            // backlog's first event (read without Kafka Streams' timestamp sync, they ran 30 s of event time
            // past it within a second and every run lost its start, silently, in the throughput harness)
            boolean gaveUp = stale(startedMs, idleMs, nowMs)
                    && samplesUntil != null && firstSampleUs != Long.MAX_VALUE && samplesUntil - firstSampleUs >= idleUs;
            if (gaveUp && !toldEventsIdle) { // once per timeline: a separate replay of its events started too late, say
                toldEventsIdle = true;
                // live, this is the usual start (the agent before the first trainer): said as such, not as a loss (a review)
                LOG.info("host {}: power samples but no training event yet (input idle time {} s): its power is attributed as "
                        + "idle time until a run starts, which is as it should be when the power-agent starts before the "
                        + "trainer; when replaying, its training events must start within that time of its power's or they are "
                        + "late (docs/replay.md)", state.getHost(), idleMs / 1000);
            }
            return gaveUp || idleMs == 0 && idleUs == 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        Long promise = state.getHostProgressUs();
        if (promise != null && !(stale(hostPromiseArrivalMs, idleMs, nowMs) && behind(samplesUntil, promise, idleUs))) {
            // a heartbeating run the promise has not yet left the idle time behind may still be closed at
            // its last heartbeat (silentRuns): it holds the host there, so that close is exact in a replay too
            long held = promise;
            for (String run : state.getHeartbeatRuns()) {
                Long last = state.getRunProgressUs().get(run);
                if (last != null && promise - last < idleUs) {
                    held = Math.min(held, last);
                }
            }
            return held;
        }
        long least = Long.MAX_VALUE;
        for (Map.Entry<String, Long> run : state.getRunProgressUs().entrySet()) {
            long arrived = runArrivalMs.getOrDefault(run.getKey(), startedMs);
            if (!(stale(arrived, idleMs, nowMs) && behind(samplesUntil, run.getValue(), idleUs))) {
                least = Math.min(least, run.getValue());
            }
        }
        return least;
    }

    /**
     * Whether the events input's progress is looked at again now: an event arrived, or {@link #RECHECK_MS}
     * passed; in between, neither it nor which runs fell silent can have changed in a way that matters.
     */
    public boolean recheckDue(long nowMs) {
        return eventsChanged || nowMs - eventsCheckedMs >= RECHECK_MS || nowMs < eventsCheckedMs;
    }

    /**
     * Open runs whose trainer fell silent, with their last sign of life (latest event or heartbeat):
     * a run whose trainer sends heartbeats once its events input is idle (as {@link #eventsProgress}
     * decides; under a host-wide promise, once the promise is the idle time past it: event time alone);
     * a run that never heartbeat once the samples (or the promise) are {@code silenceUs} past it as well.
     * With {@code quiet} (nothing at all arrived from the host for the quiet-flush time), a heartbeating
     * run whose events are stale is silent without the samples moving on. {@code silenceUs} zero: none.
     */
    public Map<String, Long> silentRuns(long idleUs, long idleMs, long silenceUs, boolean quiet, long nowMs) {
        if (silenceUs == 0 || state.getRunProgressUs().isEmpty()) {
            return Map.of();
        }
        Long s = samplesUntil();
        Long promise = state.getHostProgressUs();
        Map<String, Long> out = new HashMap<>();
        for (Map.Entry<String, Long> run : state.getRunProgressUs().entrySet()) {
            long last = run.getValue();
            boolean heartbeats = state.getHeartbeatRuns().contains(run.getKey());
            boolean stale = stale(runArrivalMs.getOrDefault(run.getKey(), startedMs), idleMs, nowMs);
            boolean silent;
            if (promise != null) {
                silent = promise - last >= (heartbeats ? idleUs : Math.max(idleUs, silenceUs)) && idleMs > 0;
            } else if (heartbeats) {
                silent = stale && (quiet || behind(s, last, idleUs));
            } else {
                silent = stale && behind(s, last, Math.max(idleUs, silenceUs));
            }
            if (silent) {
                out.put(run.getKey(), last);
            }
        }
        return out;
    }

    /** Nothing new for the idle time; a zero idle time means inputs are never declared idle. */
    private static boolean stale(long arrivedMs, long idleMs, long nowMs) {
        return idleMs > 0 && nowMs - arrivedMs >= idleMs;
    }

    private static boolean behind(Long samplesUntil, long progressUs, long idleUs) {
        return samplesUntil != null && samplesUntil - progressUs >= idleUs;
    }

    /** Forgets ended runs long before {@code beforeUs}: no straggler of theirs is expected any more. */
    public void forgetEndedBefore(long beforeUs) {
        if (!state.getEndedRunsUs().isEmpty()) {
            state.getEndedRunsUs().values().removeIf(end -> end < beforeUs);
        }
    }

    /** The last time anything arrived for the host (or it was loaded), in the analyzer's clock. */
    public long lastArrivalMs() {
        return lastArrivalMs;
    }
}
