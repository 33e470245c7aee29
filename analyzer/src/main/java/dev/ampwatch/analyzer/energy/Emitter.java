package dev.ampwatch.analyzer.energy;

import dev.ampwatch.analyzer.state.DeviceState;
import dev.ampwatch.analyzer.state.FlushedRun;
import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.analyzer.state.RunState;
import dev.ampwatch.schema.RunEnergy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import dev.ampwatch.schema.RunConfig;

/**
 * Decides, as the attributed time of a host advances, which runs get a running total and which are
 * finished: a run is final once every device that could still add energy to it has a reading at or
 * after its end (or has been silent for longer than the maximum gap). Final runs leave the state.
 */
public final class Emitter {
    private final AttributionSettings settings;
    private final RunEnergyAssembler assembler;
    private final Function<RunState, RunConfig> configs;

    /** @param configs the configuration of a run (decoded once, by the caller's cache) */
    public Emitter(AttributionSettings settings, Function<RunState, RunConfig> configs) {
        this.settings = settings;
        this.assembler = new RunEnergyAssembler(settings);
        this.configs = configs;
    }

    /**
     * A run keeps the per-device detail of at most this many completed epochs; older ones whose energy is
     * complete (attributed past their end by the maximum gap) are summed and sealed, so the host's state,
     * written to the changelog at every commit, stays far below the broker's record size limit however
     * many epochs a run has (with 8 devices, 1,000 unsealed epochs took 600 kB).
     */
    public static final int DETAILED_EPOCHS = 100;

    /** Seals the oldest completed epochs of runs that keep more than {@link #DETAILED_EPOCHS} in detail. */
    public void sealOldEpochs(HostState host, long attributedUntilUs) {
        for (RunState run : host.getRuns()) {
            List<dev.ampwatch.analyzer.state.EpochState> epochs = run.getEpochs();
            if (epochs.size() <= DETAILED_EPOCHS) {
                continue;
            }
            int first = HostAttributor.sealedPrefix(epochs); // per released record: no pass over every epoch
            int detailed = epochs.size() - first;
            for (int i = first; i < epochs.size() && detailed > DETAILED_EPOCHS; i++) {
                dev.ampwatch.analyzer.state.EpochState e = epochs.get(i);
                if (e.getEndUs() == null || e.getEndUs() + settings.maxGapUs() > attributedUntilUs) {
                    break; // epochs are in order: the later ones are not complete either
                }
                assembler.seal(host, run, e);
                detailed--;
            }
        }
    }

    /** Final records and running totals, both as of {@code attributedUntilUs}. */
    public List<RunEnergy> due(HostState host, long attributedUntilUs) {
        return due(host, attributedUntilUs, false);
    }

    public List<RunEnergy> due(HostState host, long attributedUntilUs, boolean hostQuiet) {
        List<RunEnergy> out = finals(host, attributedUntilUs, hostQuiet);
        out.addAll(running(host, attributedUntilUs));
        return out;
    }

    /**
     * Runs that are complete with everything before {@code attributedUntilUs} applied: their final record,
     * and they leave the state. The caller asks before applying each record, so a run is finalized on
     * exactly the records it is complete with, whatever the watermark's steps were.
     *
     * @param hostQuiet nothing has arrived from the host for a while (its agents stopped): a run that
     *     ended is final now, and devices without a reading after its end count as gaps
     */
    public List<RunEnergy> finals(HostState host, long attributedUntilUs, boolean hostQuiet) {
        List<RunState> runs = host.getRuns();
        boolean anyEnded = false;
        for (int i = 0; i < runs.size() && !anyEnded; i++) {
            anyEnded = runs.get(i).getEndUs() != null;
        }
        if (!anyEnded) {
            return List.of(); // the common case, per released record
        }
        List<RunEnergy> out = new ArrayList<>();
        List<RunState> open = new ArrayList<>(); // decoded Avro arrays do not support removal
        for (RunState run : runs) {
            boolean complete = run.getEndUs() != null && complete(host, run, attributedUntilUs);
            if (complete || run.getEndUs() != null && hostQuiet && attributedUntilUs >= run.getEndUs()) {
                if (countSilentDevices(host, run, settings.maxGapUs()) && !complete) {
                    List<FlushedRun> flushed = new ArrayList<>(host.getFlushedRuns());
                    flushed.add(FlushedRun.newBuilder().setRunId(run.getRunId()).setStartUs(run.getStartUs())
                            .setEndUs(run.getEndUs()).setGpuDevices(run.getGpuDevices()).build());
                    host.setFlushedRuns(flushed);
                }
                out.add(assembler.assemble(host, run, attributedUntilUs, true, configs.apply(run)));
                host.getFinalizedRunsUs().put(run.getRunId(), run.getEndUs());
            } else {
                open.add(run);
            }
        }
        if (!out.isEmpty()) {
            host.setRuns(open);
        }
        return out;
    }

    /** Running totals of the open runs whose last one is at least the emit interval old. */
    public List<RunEnergy> running(HostState host, long attributedUntilUs) {
        return running(host, attributedUntilUs, run -> true);
    }

    /** As {@link #running(HostState, long)}, for the runs {@code allowed} lets through. */
    public List<RunEnergy> running(HostState host, long attributedUntilUs, java.util.function.Predicate<RunState> allowed) {
        List<RunEnergy> out = new ArrayList<>();
        for (RunState run : host.getRuns()) {
            if (attributedUntilUs - run.getLastEmitUs() >= settings.emitIntervalUs()
                    && attributedUntilUs > run.getStartUs() && allowed.test(run)) {
                out.add(assembler.assemble(host, run, attributedUntilUs, false, configs.apply(run)));
                run.setLastEmitUs(attributedUntilUs);
            }
        }
        return out;
    }
    /**
     * A device the run uses whose last reading is before the run's end, when the run is final, has been
     * silent for longer than the maximum gap (or the run would still wait for it): whenever its next
     * reading comes, that interval is a gap. The run leaves the state now and would never see it, so
     * the part of the gap inside the run is counted here.
     */
    private static boolean countSilentDevices(HostState host, RunState run, long maxGapUs) {
        long end = run.getEndUs();
        boolean any = false;
        for (DeviceState d : host.getDevices().values()) {
            long overlapUs = end - Math.max(d.getLastTimeUs(), run.getStartUs());
            if (HostAttributor.uses(run, d) && d.getLastTimeUs() < end && overlapUs > 0 && !retired(host, run, d, maxGapUs)) {
                run.setGaps(run.getGaps() + 1);
                run.setGapSeconds(run.getGapSeconds() + Micros.seconds(overlapUs));
                any = true;
            }
        }
        return any;
    }

    /** A device silent this long before a run's start is gone, not missing from the run (a one-off reading, a removed meter). */
    static final long RETIRED_US = 600_000_000L;

    /**
     * Whether {@code d} stopped reporting before {@code run} began (more than the maximum gap before its start) and is
     * no gap in the run's measurement: another device of its component reads in the run (a source replaced, the estimate's
     * "cpu" by RAPL's "package-0"), or it has been silent for {@link #RETIRED_US}. A review saw every later run of a host
     * report its whole duration as gaps after such a switch, and after one reading of a one-off device, with exact joules.
     * A device that stopped during the run, or shortly before it with nothing to replace it, is a gap as before.
     */
    static boolean retired(HostState host, RunState run, DeviceState d, long maxGapUs) {
        long start = run.getStartUs();
        if (d.getLastTimeUs() >= start - maxGapUs) {
            return false;
        }
        if (d.getLastTimeUs() < start - RETIRED_US) {
            return true;
        }
        for (DeviceState o : host.getDevices().values()) {
            if (o != d && o.getComponent().equals(d.getComponent()) && HostAttributor.uses(run, o) && o.getLastTimeUs() >= start) {
                return true;
            }
        }
        return false;
    }

    /**
     * Forgets the runs a quiet flush finalized ({@link HostState#getFlushedRuns}) once the attributed time is
     * the maximum gap past their end: a device's next reading can then no longer make an interval that
     * reaches back into them (it would be a gap).
     */
    public void forgetFlushedRuns(HostState host, long attributedUntilUs) {
        if (!host.getFlushedRuns().isEmpty()) {
            List<FlushedRun> kept = new ArrayList<>(host.getFlushedRuns());
            if (kept.removeIf(r -> r.getEndUs() + settings.maxGapUs() < attributedUntilUs)) {
                host.setFlushedRuns(kept);
            }
        }
    }

    private boolean complete(HostState host, RunState run, long attributedUntilUs) {
        // events at its end's instant (an epoch's end delivered after the run's) come first: strictly after
        return RunEnergyAssembler.attributedPast(host, run, run.getEndUs(), attributedUntilUs, settings.maxGapUs());
    }
}
