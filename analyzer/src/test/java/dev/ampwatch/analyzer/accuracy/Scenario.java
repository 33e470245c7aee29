package dev.ampwatch.analyzer.accuracy;

import dev.ampwatch.analyzer.accuracy.ReferenceIntegrator.DeviceTrace;
import dev.ampwatch.analyzer.accuracy.ReferenceIntegrator.Reading;
import dev.ampwatch.analyzer.accuracy.ReferenceIntegrator.RunSpec;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * A random host: 1-3 runs with 1-3 contiguous epochs each, 1-3 devices sampled throughout (power,
 * counter, counter with wraparound, both, or window averages), and a delivery order that shuffles the
 * records within less than the grace. Everything is derived from a seed, so a failure is reproducible.
 * Times are microseconds after {@link TopologyHarness#T0}.
 */
final class Scenario {
    enum Mode { POWER, COUNTER, COUNTER_WRAP, POWER_AND_COUNTER, WINDOW_AVERAGE }

    /** A record to deliver: its event time and either a sample or a training event. */
    record Delivery(long tUs, PowerSample sample, TrainingEvent event) {}

    static final long RUNS_FROM_US = 5_000_000;
    static final long RUNS_UNTIL_US = 70_000_000;
    /** Readings go on this long: past every run end plus the maximum gap plus the grace. */
    static final long READINGS_UNTIL_US = 90_000_000;

    private static final Object[][] POOL = {
        {Component.GPU, "gpu0"}, {Component.GPU, "gpu1"}, {Component.CPU_PACKAGE, "package-0"},
        {Component.DRAM, "dram-0"}, {Component.CPU_CORE, "core-0"}, {Component.PSYS, "psys-0"},
        {Component.WALL, "wall"},
    };

    final long seed;
    final List<DeviceTrace> devices = new ArrayList<>();
    final List<Mode> modes = new ArrayList<>();
    final List<RunSpec> runs = new ArrayList<>();
    final List<Delivery> deliveries = new ArrayList<>();
    final long jitterUs;

    Scenario(long seed, int runCount, int deviceCount, long jitterUs, boolean withGaps) {
        this.seed = seed;
        this.jitterUs = jitterUs;
        Random rnd = new Random(seed);
        List<Object[]> pool = new ArrayList<>(List.of(POOL));
        Collections.shuffle(pool, rnd);
        // run intervals first, so that gaps can be put where they matter most: across a run's end
        List<long[]> intervals = new ArrayList<>();
        for (int r = 0; r < runCount; r++) {
            long start = RUNS_FROM_US + (long) (rnd.nextDouble() * 50_000_000);
            long duration = 300_000 + (long) (rnd.nextDouble() * 19_700_000);
            intervals.add(new long[] {start, Math.min(RUNS_UNTIL_US, start + duration)});
        }
        for (int d = 0; d < deviceCount; d++) {
            Component c = (Component) pool.get(d)[0];
            String id = (String) pool.get(d)[1];
            Mode mode = Mode.values()[rnd.nextInt(Mode.values().length)];
            modes.add(mode);
            long gapAt = -1;
            if (withGaps && rnd.nextInt(3) == 0) {
                long nearEnd = intervals.get(rnd.nextInt(runCount))[1] - (long) (rnd.nextDouble() * 5_000_000);
                gapAt = rnd.nextBoolean() ? Math.max(0, nearEnd)
                        : RUNS_FROM_US + (long) (rnd.nextDouble() * (RUNS_UNTIL_US - RUNS_FROM_US));
            }
            devices.add(new DeviceTrace(c, id, readings(rnd, mode, gapAt)));
        }
        for (int r = 0; r < runCount; r++) {
            runs.add(run(rnd, "run-" + (r + 1), intervals.get(r)[0], intervals.get(r)[1]));
        }
        deliveries.addAll(records());
        // delivery order: each record is held back by a random delay shorter than the grace, so none is
        // ever more than the grace behind the largest event time delivered before it
        List<long[]> keyed = new ArrayList<>();
        for (int i = 0; i < deliveries.size(); i++) {
            long delay = jitterUs == 0 ? 0 : (long) (rnd.nextDouble() * jitterUs);
            keyed.add(new long[] {deliveries.get(i).tUs() + delay, i});
        }
        keyed.sort(Comparator.<long[]>comparingLong(k -> k[0]).thenComparingLong(k -> k[1]));
        List<Delivery> ordered = new ArrayList<>();
        keyed.forEach(k -> ordered.add(deliveries.get((int) k[1])));
        deliveries.clear();
        deliveries.addAll(ordered);
    }

    /** Readings from about 0 s to {@link #READINGS_UNTIL_US}; one gap of 10-14 s at {@code gapAt} unless it is negative. */
    private List<Reading> readings(Random rnd, Mode mode, long gapAt) {
        List<Reading> out = new ArrayList<>();
        long t = (long) (rnd.nextDouble() * 1_000_000);
        double watts = 20 + rnd.nextDouble() * 400;
        boolean gapDone = gapAt < 0;
        // counters: true energy is accumulated first; wraparound applied below once the range is known
        List<Long> times = new ArrayList<>();
        List<Double> powers = new ArrayList<>();
        List<Long> cumulative = new ArrayList<>();
        long energy = 0;
        while (t <= READINGS_UNTIL_US) {
            times.add(t);
            powers.add(watts);
            cumulative.add(energy);
            long dt;
            if (!gapDone && t >= gapAt) {
                gapDone = true;
                dt = rnd.nextInt(5) == 0 ? 10_000_000 : 10_000_001 + (long) (rnd.nextDouble() * 4_000_000);
            } else {
                dt = 50_000 + (long) (rnd.nextDouble() * 2_450_000);
            }
            double next = Math.max(0, Math.min(700, watts + rnd.nextGaussian() * 40 + (rnd.nextInt(10) == 0 ? 200 : 0)));
            energy += Math.round((watts + next) / 2 * dt); // watt-microseconds = microjoules
            watts = next;
            t += dt;
        }
        long maxDelta = 1;
        for (int i = 1; i < cumulative.size(); i++) {
            maxDelta = Math.max(maxDelta, cumulative.get(i) - cumulative.get(i - 1));
        }
        long range = maxDelta + 1 + (long) (rnd.nextDouble() * maxDelta * 3);
        long offset = mode == Mode.COUNTER_WRAP ? (long) (rnd.nextDouble() * range)
                : (long) (rnd.nextDouble() * 1e12);
        boolean rangeOnEveryReading = rnd.nextBoolean();
        for (int i = 0; i < times.size(); i++) {
            long ti = times.get(i);
            double p = Math.round(powers.get(i) * 1000) / 1000.0;
            switch (mode) {
                case POWER -> out.add(Reading.power(ti, p));
                case COUNTER -> out.add(Reading.counter(ti, offset + cumulative.get(i), null));
                case COUNTER_WRAP -> out.add(Reading.counter(ti, (offset + cumulative.get(i)) % range,
                        i == 0 || rangeOnEveryReading ? range : null));
                case POWER_AND_COUNTER -> out.add(new Reading(ti, p, dev.ampwatch.schema.PowerKind.INSTANT, null,
                        offset + cumulative.get(i), null));
                case WINDOW_AVERAGE -> {
                    int window = 1000;
                    if (i > 0) {
                        long dtMs = Math.round((ti - times.get(i - 1)) / 1000.0);
                        int[] nudges = {0, 0, 0, 0, 1, -1, 2};
                        window = (int) Math.max(1, dtMs + nudges[rnd.nextInt(nudges.length)]);
                    }
                    out.add(Reading.windowAverage(ti, p, window));
                }
                default -> throw new IllegalStateException();
            }
        }
        return out;
    }

    /** All reading times of all devices, to put some run and epoch boundaries exactly on a reading. */
    private long someReadingTime(Random rnd, long from, long to) {
        List<Long> candidates = new ArrayList<>();
        for (DeviceTrace d : devices) {
            for (Reading r : d.readings()) {
                if (r.tUs() > from && r.tUs() < to) {
                    candidates.add(r.tUs());
                }
            }
        }
        return candidates.isEmpty() ? -1 : candidates.get(rnd.nextInt(candidates.size()));
    }

    private RunSpec run(Random rnd, String id, long start, long end) {
        if (rnd.nextInt(3) == 0) {
            long s = someReadingTime(rnd, RUNS_FROM_US, end - 100_000);
            if (s > 0) {
                start = s;
            }
        }
        if (rnd.nextInt(3) == 0) {
            long e = someReadingTime(rnd, start + 100_000, RUNS_UNTIL_US);
            if (e > 0) {
                end = e;
            }
        }
        Set<String> gpus = new LinkedHashSet<>();
        for (String g : List.of("gpu0", "gpu1", "gpu2")) {
            if (rnd.nextInt(2) == 0) {
                gpus.add(g);
            }
        }
        // 1-3 contiguous epochs inside [start, end], starting at the start and ending at the end most often
        int epochCount = 1 + rnd.nextInt(3);
        long first = rnd.nextInt(3) == 0 ? start + (long) (rnd.nextDouble() * (end - start) / 4) : start;
        long last = rnd.nextInt(3) == 0 ? end - (long) (rnd.nextDouble() * (end - start) / 4) : end;
        TreeSet<Long> bounds = new TreeSet<>(List.of(first, last));
        while (bounds.size() < epochCount + 1) {
            long b = first + 1 + (long) (rnd.nextDouble() * (last - first - 1));
            if (rnd.nextInt(3) == 0) {
                long snapped = someReadingTime(rnd, first, last);
                if (snapped > 0) {
                    b = snapped;
                }
            }
            bounds.add(b);
        }
        List<Long> b = new ArrayList<>(bounds);
        List<long[]> epochs = new ArrayList<>();
        for (int i = 1; i < b.size(); i++) {
            epochs.add(new long[] {b.get(i - 1), b.get(i)});
        }
        return new RunSpec(id, start, end, gpus, epochs);
    }

    private List<Delivery> records() {
        List<Delivery> out = new ArrayList<>();
        for (DeviceTrace d : devices) {
            for (Reading r : d.readings()) {
                PowerSample.Builder s = TopologyHarness.sample(d.component(), d.device(), r.tUs())
                        .setPowerWatts(r.watts()).setEnergyUj(r.energyUj()).setEnergyRangeUj(r.rangeUj())
                        .setPowerWindowMs(r.windowMs());
                if (r.kind() != null) {
                    s.setPowerKind(r.kind());
                }
                out.add(new Delivery(r.tUs(), s.build(), null));
            }
        }
        for (RunSpec run : runs) {
            out.add(new Delivery(run.startUs(), null, TopologyHarness.event(run.id(), run.startUs(),
                    EventKind.RUN_STARTED, null, List.copyOf(run.gpus()))));
            for (int i = 0; i < run.epochs().size(); i++) {
                long[] e = run.epochs().get(i);
                out.add(new Delivery(e[0], null, TopologyHarness.event(run.id(), e[0], EventKind.EPOCH_STARTED, i + 1, null)));
                out.add(new Delivery(e[1], null, TopologyHarness.event(run.id(), e[1], EventKind.EPOCH_COMPLETED, i + 1, null)));
            }
            out.add(new Delivery(run.endUs(), null, TopologyHarness.event(run.id(), run.endUs(),
                    EventKind.RUN_COMPLETED, null, null)));
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Scenario(seed=" + seed + ", jitterUs=" + jitterUs + ")\n");
        for (int i = 0; i < devices.size(); i++) {
            DeviceTrace d = devices.get(i);
            sb.append("  device ").append(d.key()).append(' ').append(modes.get(i)).append(", ")
                    .append(d.readings().size()).append(" readings\n");
        }
        for (RunSpec r : runs) {
            sb.append("  ").append(r.id()).append(" [").append(r.startUs()).append(", ").append(r.endUs())
                    .append(") gpus=").append(r.gpus()).append(" epochs=");
            r.epochs().forEach(e -> sb.append('[').append(e[0]).append(',').append(e[1]).append(')'));
            sb.append('\n');
        }
        return sb.toString();
    }
}
