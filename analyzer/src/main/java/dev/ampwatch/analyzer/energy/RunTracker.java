package dev.ampwatch.analyzer.energy;

import dev.ampwatch.analyzer.state.EpochState;
import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.analyzer.state.RunState;
import dev.ampwatch.schema.RunStatus;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies training events (in event-time order) to a host's runs: opens runs and epochs, closes them.
 * Only a RUN_STARTED opens a run, and a run id names one run: any other event of a run that is not open (its start
 * was never seen, or it ended already), and any event of a run id that ended already (the id used again, a trace
 * replayed again), is refused (returned as the reason) and dead-lettered by the caller, never turned into a run of
 * its own. A finalized run's id is remembered in the host's state ({@code finalized_runs_us}, restored from the
 * changelog), for {@link #FINALIZED_MEMORY_US} of event time and at most 1,000 ids per host.
 */
public final class RunTracker {
    /**
     * The start of the reason of a RUN_FAILED that the analyzer made for a run whose trainer fell silent
     * ({@code dev.ampwatch.analyzer.timeline.HostTimeline}); such a run is marked {@code closed_silent}.
     */
    public static final String SILENT_PREFIX = "the trainer fell silent: ";

    /**
     * Epochs a run may have. Beyond it an epoch event is refused (dead-lettered with the reason) and the
     * energy goes to the run's total only: a run's final record then stays under ~250 kB, well inside the
     * broker's default 1 MB record limit, and its state small ({@link Emitter#DETAILED_EPOCHS}).
     */
    public static final int MAX_EPOCHS = 5_000;

    /**
     * How long after its end a finalized run's id refuses events (its id used again, a trace replayed again), in event
     * time; an older id counts as forgotten whether or not the host's state still holds it.
     */
    public static final long FINALIZED_MEMORY_US = 24L * 3600 * 1_000_000;

    /**
     * Finalized run ids kept per host at most, the oldest going first: ~45 bytes each in the host's state, which is
     * written to the changelog at every commit.
     */
    static final int MAX_FINALIZED_RUNS = 1_000;
    /**
     * Event time between two prunings of the finalized run ids (not at every release). When they are pruned changes
     * memory only: an id older than {@link #FINALIZED_MEMORY_US} is ignored whether or not it is still here, so a
     * restored analyzer decides as one that ran on.
     */
    private static final long PRUNE_FINALIZED_EVERY_US = 60_000_000L;

    private final HostState state;
    /** When the finalized run ids are pruned next (event time; not state: after a restore they are pruned at once). */
    private long nextFinalizedPruneUs = Long.MIN_VALUE;

    public RunTracker(HostState state) {
        this.state = state;
    }

    public Optional<String> apply(TrainingEvent event) {
        return apply(event, 0);
    }

    /**
     * @param movedUs how far a late event was moved forward (to its event time as given): counted on
     *     the run, so its totals say that a boundary is not where the trainer put it
     */
    public Optional<String> apply(TrainingEvent event, long movedUs) {
        long t = Micros.of(event.getEventTime());
        long sentUs = t - movedUs; // the time the trainer gave it: a late event was moved forward to be applied
        Optional<RunState> known = find(event.getRunId());
        boolean ends = event.getKind() == dev.ampwatch.schema.EventKind.RUN_COMPLETED
                || event.getKind() == dev.ampwatch.schema.EventKind.RUN_FAILED;
        boolean starts = event.getKind() == dev.ampwatch.schema.EventKind.RUN_STARTED;
        String id = clip(event.getRunId());
        if (known.isEmpty()) {
            Long finalized = state.getFinalizedRunsUs().get(event.getRunId());
            if (finalized != null && finalized >= t - FINALIZED_MEMORY_US) {
                // its final record is out: whatever this event is (the id used again, a straggler, the same trace replayed
                // again), opening the id again would make a second run whose final record replaces the real one (the
                // run-energy topic, the run store and the statistics are keyed by run id)
                return Optional.of(describe(event) + ": run " + id + " ended already at " + Micros.instant(finalized)
                        + " and its final record is out; a run id can be used once: not reopened (the id used again by"
                        + " another run, a repeated trace, or an event after its run's end)");
            }
            if (ends) {
                // nothing to end: its start never came, or the run was finalized already (a repeated end);
                // opening a run here would report a zero-length run with 0 J as a real one
                return Optional.of(event.getKind() + " for run " + id + ", which has no open run on host "
                        + clip(event.getHost()) + " (its start was never seen, or it ended already): nothing to end");
            }
            Long ended = state.getEndedRunsUs().get(event.getRunId());
            if (ended != null && sentUs >= ended) { // by the time the trainer gave it: a late start is moved, not refused
                // after its end arrived (a trainer that fell silent, was closed and came back; an end refused as nothing
                // to end): opening it again would report a second, partial run under the same id
                return Optional.of(describe(event) + ": run " + id + " ended already at " + Micros.instant(ended)
                        + "; a run id can be used once: not reopened (it may have been closed because its trainer fell silent)");
            }
            if (!starts) {
                // an epoch of a run whose start never came (lost, refused, or never sent): a run opened here would have no
                // configuration and only part of its energy, and would never end, so never have a final record
                return Optional.of(describe(event) + ", which is not open on host " + clip(event.getHost())
                        + " (its start was never seen, or it ended already): not attributed; a run's events count only"
                        + " after its RUN_STARTED");
            }
        } else if (known.get().getEndUs() != null && (starts || sentUs >= known.get().getEndUs())) {
            // ended and waiting for its devices' last readings: this is not the run's own (a late event sent before the
            // end still is)
            return Optional.of(describe(event) + ": run " + id + " ended already at " + Micros.instant(known.get().getEndUs())
                    + "; a run id can be used once: not reopened");
        } else if (starts) {
            return Optional.of(describe(event) + ": run " + id + " is open already (started at "
                    + Micros.instant(known.get().getStartUs()) + "); a run id can be used once: not started again");
        }
        RunState run = known.orElseGet(() -> open(event, t)); // only a RUN_STARTED gets here without a run
        if (movedUs > 0) {
            run.setLateEvents(run.getLateEvents() + 1);
            run.setBoundaryShiftUs(run.getBoundaryShiftUs() + movedUs);
        }
        switch (event.getKind()) {
            case RUN_STARTED -> {
                run.setStartEvent(java.nio.ByteBuffer.wrap(AmpwatchSerdes.trainingEvent().encode(event)));
                run.setExperimentId(event.getExperimentId());
                run.setGpuDevices(new ArrayList<>(event.getDevices()));
            }
            case EPOCH_STARTED, EPOCH_COMPLETED -> {
                if (run.getEpochs().size() >= MAX_EPOCHS && !hasEpoch(run, event)) {
                    return Optional.of(event.getKind() + " " + event.getEpoch() + " of run " + clip(event.getRunId()) + ": the run has "
                            + MAX_EPOCHS + " epochs already; its energy counts in the run's total, not in an epoch of its own");
                }
                if (event.getKind() == dev.ampwatch.schema.EventKind.EPOCH_STARTED) {
                    epoch(run, event, t, false);
                } else {
                    EpochState epoch = epoch(run, event, t, true);
                    epoch.setEndUs(t);
                    run.setOutsideEpochs(new HashMap<>());
                    if (event.getMetrics() != null) {
                        epoch.setSamples(event.getMetrics().getSamples());
                        epoch.setLoss(event.getMetrics().getLoss());
                        epoch.setTestAccuracy(event.getMetrics().getTestAccuracy());
                        epoch.setTestRmse(event.getMetrics().getTestRmse());
                        epoch.setValidationAccuracy(event.getMetrics().getValidationAccuracy());
                        epoch.setLatencyP50Ms(event.getMetrics().getLatencyP50Ms());
                        epoch.setLatencyP95Ms(event.getMetrics().getLatencyP95Ms());
                        epoch.setLatencyP99Ms(event.getMetrics().getLatencyP99Ms());
                    }
                }
            }
            case RUN_COMPLETED, RUN_FAILED -> {
                if (run.getEndUs() == null) {
                    run.setEndUs(t);
                    boolean failed = event.getKind() == dev.ampwatch.schema.EventKind.RUN_FAILED;
                    run.setStatus((failed ? RunStatus.FAILED : RunStatus.COMPLETED).name());
                    if (failed) {
                        String reason = event.getFailureReason();
                        run.setFailureReason(reason == null ? null : clip(reason, 500));
                        run.setClosedSilent(reason != null && reason.startsWith(SILENT_PREFIX));
                    }
                    for (EpochState e : run.getEpochs()) {
                        if (e.getEndUs() == null) {
                            e.setEndUs(t);
                        }
                    }
                }
            }
            default -> { }
        }
        return Optional.empty();
    }

    /** Whether the epoch the event names exists (an event without a number names a new one or the last). */
    private static boolean hasEpoch(RunState run, TrainingEvent event) {
        if (event.getEpoch() == null) {
            return event.getKind() == dev.ampwatch.schema.EventKind.EPOCH_COMPLETED;
        }
        List<EpochState> epochs = run.getEpochs();
        for (int i = epochs.size() - 1; i >= 0; i--) { // the one named is almost always the last
            if (epochs.get(i).getEpoch() == event.getEpoch()) {
                return true;
            }
        }
        return false;
    }

    /** "EPOCH_COMPLETED 3 for run r on host h": what a refusal is about. */
    private static String describe(TrainingEvent event) {
        return event.getKind() + (event.getEpoch() == null ? "" : " " + event.getEpoch()) + " for run " + clip(event.getRunId())
                + " on host " + clip(event.getHost());
    }

    private static String clip(String s) {
        return clip(s, 80);
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    private Optional<RunState> find(String runId) {
        return state.getRuns().stream().filter(r -> r.getRunId().equals(runId)).findFirst();
    }

    private RunState open(TrainingEvent event, long t) {
        RunState run = RunState.newBuilder()
                .setRunId(event.getRunId()).setExperimentId(event.getExperimentId())
                .setGpuDevices(new ArrayList<>(event.getDevices()))
                .setStartUs(t).setStatus(RunStatus.RUNNING.name()).setLastEmitUs(t)
                .setComponents(new HashMap<>()).setDevicePowerWatts(new HashMap<>()).setEpochs(new ArrayList<>())
                .setBetween(new HashMap<>())
                .build();
        state.getRuns().add(run);
        return run;
    }

    /** The epoch the event names; created if new. */
    private static EpochState epoch(RunState run, TrainingEvent event, long t, boolean completing) {
        int number = event.getEpoch() == null ? (completing ? Math.max(1, run.getEpochs().size()) : run.getEpochs().size() + 1) : event.getEpoch();
        EpochState previous = null;
        for (EpochState e : run.getEpochs()) {
            if (e.getEpoch() == number) {
                return e;
            }
            if (e.getEpoch() < number && (previous == null || e.getEpoch() > previous.getEpoch())) {
                previous = e;
            }
        }
        // an epoch whose start event was lost starts where the previous one ended (or the run started):
        // the energy in between was spent on it, and a zero-length epoch would report none
        long start = t;
        if (completing) {
            start = previous != null && previous.getEndUs() != null ? previous.getEndUs() : run.getStartUs();
            start = Math.min(start, t);
        }
        EpochState e = EpochState.newBuilder().setEpoch(number).setStartUs(start).setComponents(new HashMap<>())
                .setBefore(new HashMap<>()).build();
        if (completing) {
            // what the run drew since then, outside any epoch, is this epoch's
            e.setComponents(run.getOutsideEpochs());
        } else {
            e.setBefore(run.getBetween()); // the gap since the previous epoch (or the run's start)
        }
        run.setOutsideEpochs(new HashMap<>());
        run.setBetween(new HashMap<>());
        run.getEpochs().add(e);
        return e;
    }

    /** Forgets the finalized run ids that ended before {@code beforeUs}, and the oldest beyond {@link #MAX_FINALIZED_RUNS}. */
    public void forgetFinalized(long beforeUs) {
        Map<String, Long> finalized = state.getFinalizedRunsUs();
        if (finalized.isEmpty() || beforeUs < nextFinalizedPruneUs && finalized.size() <= MAX_FINALIZED_RUNS) {
            return;
        }
        nextFinalizedPruneUs = beforeUs + PRUNE_FINALIZED_EVERY_US;
        finalized.values().removeIf(end -> end < beforeUs);
        if (finalized.size() > MAX_FINALIZED_RUNS) {
            List<Map.Entry<String, Long>> oldest = new ArrayList<>(finalized.entrySet());
            oldest.sort(Map.Entry.comparingByValue());
            for (Map.Entry<String, Long> e : oldest.subList(0, finalized.size() - MAX_FINALIZED_RUNS)) {
                finalized.remove(e.getKey());
            }
        }
    }

    /** Counts a late record at {@code t} on every run whose interval holds it. */
    public void countLate(long t) {
        for (RunState run : state.getRuns()) {
            if (run.getStartUs() <= t && (run.getEndUs() == null || run.getEndUs() > t)) {
                run.setLateRecords(run.getLateRecords() + 1);
            }
        }
    }
}
