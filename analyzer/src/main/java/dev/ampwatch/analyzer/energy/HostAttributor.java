package dev.ampwatch.analyzer.energy;

import dev.ampwatch.analyzer.state.Accumulator;
import dev.ampwatch.analyzer.state.DeviceState;
import dev.ampwatch.analyzer.state.EpochState;
import dev.ampwatch.analyzer.state.FlushedRun;
import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.analyzer.state.RunState;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Attributes one host's power to its runs and epochs. Readings must be applied in event-time order
 * (the caller buffers and sorts within the grace period); training events go through {@link RunTracker}.
 * Not thread-safe: one instance works on one host's state at a time.
 */
public final class HostAttributor {
    private final HostState state;
    private final AttributionSettings settings;

    public HostAttributor(HostState state, AttributionSettings settings) {
        this.state = state;
        this.settings = settings;
    }

    private static final String GPU = Component.GPU.name();

    /** Keys by device id, then component: a fleet reuses a few device ids, and this runs per reading. */
    private static final java.util.concurrent.ConcurrentHashMap<String, String[]> KEYS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_CACHED_DEVICES = 10_000;

    public static String deviceKey(Component component, String device) {
        String[] byComponent = KEYS.get(device);
        if (byComponent == null) {
            byComponent = new String[Component.values().length];
            if (KEYS.size() < MAX_CACHED_DEVICES) {
                KEYS.put(device, byComponent);
            }
        }
        String key = byComponent[component.ordinal()];
        if (key == null) {
            key = component.name() + "/" + device;
            byComponent[component.ordinal()] = key;
        }
        return key;
    }

    /**
     * Integrates the interval since the device's previous reading. Returns false, changing nothing, for
     * a duplicate: a second reading of the device at the time of one already applied.
     */
    public boolean apply(PowerSample sample) {
        String key = deviceKey(sample.getComponent(), sample.getDevice());
        DeviceState previous = state.getDevices().get(key);
        if (previous == null) {
            DeviceState device = newDevice(sample);
            state.getDevices().put(key, device);
            // a run begun before the device's first reading has nothing of it before: a gap, as a tail is (a review)
            forOverlapping(device, Long.MIN_VALUE, device.getLastTimeUs(), (run, overlapUs) -> {
                run.setGaps(run.getGaps() + 1);
                run.setGapSeconds(run.getGapSeconds() + Micros.seconds(overlapUs));
            });
            return true;
        }
        if (Micros.of(sample.getEventTime()) <= previous.getLastTimeUs()) {
            return false;
        }
        Integration.Outcome outcome = Integration.between(previous, sample, settings.maxGapUs());
        Segment integrated = outcome instanceof Integration.Integrated i ? i.segment()
                : outcome instanceof Integration.CounterReset r ? r.byPower() : null;
        if (integrated != null) {
            distribute(previous, key, integrated);
            Segment segment = integrated;
            double seconds = Micros.seconds(segment.endUs() - segment.startUs());
            if (seconds > 0) {
                previous.setPowerWatts(segment.joules(segment.startUs(), segment.endUs()) / seconds);
            }
        }
        if (outcome instanceof Integration.Gap g) {
            forOverlapping(previous, g.startUs(), g.endUs(), (run, overlapUs) -> {
                if (!Emitter.retired(state, run, previous, settings.maxGapUs())) { // a device back after it was gone
                    run.setGaps(run.getGaps() + 1);
                    run.setGapSeconds(run.getGapSeconds() + Micros.seconds(overlapUs));
                }
            });
        } else if (outcome instanceof Integration.CounterReset r) {
            forOverlapping(previous, r.startUs(), r.endUs(),
                    (run, overlapUs) -> run.setCounterResets(run.getCounterResets() + 1));
        }
        previous.setSource(sample.getSource().name());
        previous.setLastTimeUs(Micros.of(sample.getEventTime()));
        previous.setLastPowerWatts(sample.getPowerWatts());
        previous.setLastEnergyUj(sample.getEnergyUj());
        if (sample.getEnergyRangeUj() != null) {
            previous.setEnergyRangeUj(sample.getEnergyRangeUj());
        }
        return true;
    }

    private static DeviceState newDevice(PowerSample s) {
        return DeviceState.newBuilder()
                .setComponent(s.getComponent().name()).setDevice(s.getDevice()).setSource(s.getSource().name())
                .setLastTimeUs(Micros.of(s.getEventTime())).setLastPowerWatts(s.getPowerWatts())
                .setLastEnergyUj(s.getEnergyUj()).setEnergyRangeUj(s.getEnergyRangeUj())
                .build();
    }

    /**
     * The run's power now as its total counts it: each device's latest power, without the components another one
     * contains (Nesting: a modelled CPU under a wall meter added its 65 W to a 120 W wall's peak: a review).
     */
    private static double countedPower(RunState run) {
        boolean containers = false; // per sample: the sets only where a component can contain another
        for (Accumulator a : run.getComponents().values()) {
            String c = a.getComponent();
            if (c.equals(WALL) || c.equals(PSYS) || c.equals(PACKAGE)) {
                containers = true;
                break;
            }
        }
        java.util.Set<Component> present = Nesting.noneYet();
        if (containers) {
            for (Accumulator a : run.getComponents().values()) {
                present.add(Component.valueOf(a.getComponent()));
            }
        }
        double total = 0;
        for (Map.Entry<String, Double> e : run.getDevicePowerWatts().entrySet()) {
            Accumulator acc = run.getComponents().get(e.getKey());
            if (containers && acc != null && !Nesting.countsInTotal(Component.valueOf(acc.getComponent()), present)) {
                continue;
            }
            total += e.getValue();
        }
        return total;
    }

    private static final String WALL = Component.WALL.name();
    private static final String PSYS = Component.PSYS.name();
    private static final String PACKAGE = Component.CPU_PACKAGE.name();

    /** Splits the segment at every run and epoch boundary inside it and shares each piece. */
    private void distribute(DeviceState device, String key, Segment segment) {
        long[] cuts = cutsInside(segment);
        touched = 0;
        long a = segment.startUs();
        for (long b : cuts) {
            share(device, key, segment, a, b);
            a = b;
        }
        share(device, key, segment, a, segment.endUs());
        for (int i = 0; i < touched; i++) {
            RunState run = touchedRuns[i];
            Accumulator acc = run.getComponents().get(key);
            acc.setSamples(acc.getSamples() + 1);
            run.getDevicePowerWatts().put(key, touchedJoules[i] / touchedSeconds[i]);
            run.setPeakPowerWatts(Math.max(run.getPeakPowerWatts(), countedPower(run)));
            touchedRuns[i] = null;
        }
    }

    /*
     * Per reading, the runs its segment was shared with and their {joules, seconds}, in the order first
     * met; reused (this runs per sample, and a map per sample was a tenth of the attribution's time).
     */
    private RunState[] touchedRuns = new RunState[4];
    private double[] touchedJoules = new double[4];
    private double[] touchedSeconds = new double[4];
    private int touched;
    private final List<RunState> active = new ArrayList<>();

    private void touch(RunState run, double joules, double seconds) {
        for (int i = 0; i < touched; i++) {
            if (touchedRuns[i] == run) {
                touchedJoules[i] += joules;
                touchedSeconds[i] += seconds;
                return;
            }
        }
        if (touched == touchedRuns.length) {
            touchedRuns = java.util.Arrays.copyOf(touchedRuns, touched * 2);
            touchedJoules = java.util.Arrays.copyOf(touchedJoules, touched * 2);
            touchedSeconds = java.util.Arrays.copyOf(touchedSeconds, touched * 2);
        }
        touchedRuns[touched] = run;
        touchedJoules[touched] = joules;
        touchedSeconds[touched] = seconds;
        touched++;
    }

    private static final long[] NO_CUTS = new long[0];

    /** How many epochs at the start are sealed (they are sealed in order: a prefix); a binary search. */
    static int sealedPrefix(List<EpochState> epochs) {
        int lo = 0;
        int hi = epochs.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (epochs.get(mid).getSealed()) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Run and epoch boundaries strictly inside the segment, sorted and distinct; mostly none. */
    private long[] cutsInside(Segment segment) {
        long[] cuts = NO_CUTS;
        int n = 0;
        for (RunState run : state.getRuns()) {
            if (run.getEndUs() != null && run.getEndUs() <= segment.startUs()) {
                continue; // ended before the segment: neither it nor its epochs cut it
            }
            List<EpochState> epochs = run.getEpochs();
            int sealed = sealedPrefix(epochs); // they end before anything still to be attributed
            int boundaries = 2 + 2 * (epochs.size() - sealed);
            for (int i = 0; i < boundaries; i++) {
                long t;
                if (i == 0) {
                    t = run.getStartUs();
                } else if (i == 1) {
                    t = run.getEndUs() == null ? Long.MIN_VALUE : run.getEndUs();
                } else {
                    EpochState epoch = epochs.get(sealed + (i - 2) / 2);
                    Long end = i % 2 == 0 ? Long.valueOf(epoch.getStartUs()) : epoch.getEndUs();
                    t = end == null ? Long.MIN_VALUE : end;
                }
                if (t > segment.startUs() && t < segment.endUs()) {
                    cuts = withRoom(cuts, n);
                    cuts[n++] = t;
                }
            }
        }
        for (FlushedRun run : state.getFlushedRuns()) { // rare: only after a quiet flush
            for (long t : new long[] {run.getStartUs(), run.getEndUs()}) {
                if (t > segment.startUs() && t < segment.endUs()) {
                    cuts = withRoom(cuts, n);
                    cuts[n++] = t;
                }
            }
        }
        if (n == 0) {
            return NO_CUTS;
        }
        long[] sorted = java.util.Arrays.copyOf(cuts, n);
        java.util.Arrays.sort(sorted);
        int distinct = 1;
        for (int i = 1; i < n; i++) {
            if (sorted[i] != sorted[distinct - 1]) {
                sorted[distinct++] = sorted[i];
            }
        }
        return java.util.Arrays.copyOf(sorted, distinct);
    }

    /** {@code cuts}, or a larger copy when its {@code n} entries fill it. */
    private static long[] withRoom(long[] cuts, int n) {
        return n < cuts.length ? cuts : java.util.Arrays.copyOf(cuts, Math.max(4, n * 2));
    }

    private void share(DeviceState device, String key, Segment segment, long a, long b) {
        double joules = segment.joules(a, b);
        double seconds = Micros.seconds(b - a);
        device.setEnergyJoules(device.getEnergyJoules() + joules);
        active.clear();
        for (RunState run : state.getRuns()) {
            if (covers(run.getStartUs(), run.getEndUs(), a, b) && uses(run, device)) {
                active.add(run);
            }
        }
        int flushed = flushedSharing(device, a, b);
        if (active.isEmpty() && flushed == 0) {
            if (idleReading(device, segment)) {
                device.setIdleJoules(device.getIdleJoules() + joules);
                device.setIdleSeconds(device.getIdleSeconds() + seconds);
            }
            return;
        }
        for (RunState run : active) {
            Long end = run.getEndUs();
            if (end != null && (device.getLastRunEndUs() == null || end > device.getLastRunEndUs())) {
                device.setLastRunEndUs(end);
            }
        }
        device.setRunEnergyJoules(device.getRunEnergyJoules() + joules);
        double share = 1.0 / (active.size() + flushed); // a flushed run's share goes to nobody: its final counted a gap
        String method = segment.method();
        for (RunState run : active) {
            add(run.getComponents(), key, device, method, joules * share, share * seconds, seconds);
            boolean inEpoch = false;
            List<EpochState> epochs = run.getEpochs();
            for (int i = epochs.size() - 1; i >= 0 && !epochs.get(i).getSealed(); i--) { // sealed ones are complete
                EpochState epoch = epochs.get(i);
                if (covers(epoch.getStartUs(), epoch.getEndUs(), a, b)) {
                    add(epoch.getComponents(), key, device, method, joules * share, share * seconds, seconds);
                    inEpoch = true;
                }
            }
            if (!inEpoch) { // kept for an epoch whose start event was lost (RunTracker)
                add(run.getOutsideEpochs(), key, device, method, joules * share, share * seconds, seconds);
                addBetween(run, device.getComponent(), b, joules * share);
            }
            touch(run, joules * share, seconds);
        }
    }

    /**
     * Whether the device's reading interval (the whole segment) is idle: it touches no run of the device, nor starts at or
     * before the end of its latest run (a line or counter difference across a boundary carries the run's power: a review's
     * idle baseline rose from 20 to 26.6 W over six runs, their net energy falling 2.7-8.5 %). */
    private boolean idleReading(DeviceState device, Segment segment) {
        Long lastRunEnd = device.getLastRunEndUs();
        if (lastRunEnd != null && segment.startUs() <= lastRunEnd) {
            return false;
        }
        for (RunState run : state.getRuns()) {
            if (run.getStartUs() <= segment.endUs() && (run.getEndUs() == null || run.getEndUs() >= segment.startUs())
                    && uses(run, device)) {
                return false;
            }
        }
        for (FlushedRun run : state.getFlushedRuns()) {
            if (run.getStartUs() <= segment.endUs() && run.getEndUs() >= segment.startUs()
                    && uses(run.getGpuDevices(), device)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs a quiet flush finalized that shared the piece [a, b] of the device: the reading that straddles
     * their end came after the flush (a delivery stall). They are gone, and their final record counted
     * that time as a gap; counting them here keeps the runs still open at exactly their own share.
     */
    private int flushedSharing(DeviceState device, long a, long b) {
        int n = 0;
        for (FlushedRun run : state.getFlushedRuns()) {
            if (covers(run.getStartUs(), run.getEndUs(), a, b) && uses(run.getGpuDevices(), device)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Energy of a run outside its epochs, before {@code b}: it belongs to the gap before the first epoch
     * that starts at or after {@code b} (a piece attributed after that epoch opened), else to the gap
     * since the latest epoch ended, which the next epoch takes over when it starts (RunTracker).
     */
    private static void addBetween(RunState run, String component, long b, double joules) {
        List<EpochState> epochs = run.getEpochs();
        Map<String, Double> target = run.getBetween();
        for (int i = epochs.size() - 1; i >= 0 && !epochs.get(i).getSealed() && epochs.get(i).getStartUs() >= b; i--) {
            target = epochs.get(i).getBefore();
        }
        target.merge(component, joules, Double::sum);
    }

    private static void add(Map<String, Accumulator> accs, String key, DeviceState device, String method,
                            double joules, double shareSeconds, double seconds) {
        Accumulator acc = accs.computeIfAbsent(key, k -> Accumulator.newBuilder()
                .setComponent(device.getComponent()).setDevice(device.getDevice())
                .setSource(device.getSource()).setMethod(method).build());
        acc.setJoules(acc.getJoules() + joules);
        acc.setShareSeconds(acc.getShareSeconds() + shareSeconds);
        acc.setCoveredSeconds(acc.getCoveredSeconds() + seconds);
        acc.setSource(device.getSource());
    }

    /** [start, end) covers the piece [a, b]; pieces never straddle a boundary. */
    private static boolean covers(long start, Long end, long a, long b) {
        return start <= a && (end == null || end >= b);
    }

    static boolean uses(RunState run, DeviceState device) {
        return uses(run.getGpuDevices(), device);
    }

    /** A host-wide device is every run's; a GPU only the runs that list it. */
    private static boolean uses(List<String> gpuDevices, DeviceState device) {
        return !GPU.equals(device.getComponent()) || gpuDevices.contains(device.getDevice());
    }

    private void forOverlapping(DeviceState device, long t0, long t1, java.util.function.ObjLongConsumer<RunState> action) {
        for (RunState run : state.getRuns()) {
            long start = Math.max(t0, run.getStartUs());
            long end = Math.min(t1, run.getEndUs() == null ? Long.MAX_VALUE : run.getEndUs());
            if (end > start && uses(run, device)) {
                action.accept(run, end - start);
            }
        }
    }
}
