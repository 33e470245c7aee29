package dev.ampwatch.analyzer.replay;

import dev.ampwatch.analyzer.accuracy.ReferenceIntegrator.DeviceTrace;
import dev.ampwatch.analyzer.accuracy.ReferenceIntegrator.Reading;
import dev.ampwatch.analyzer.accuracy.ReferenceIntegrator.RunSpec;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A recorded trace of a small fleet, made from a seed: per host two GPUs with NVML-like energy counters
 * (10 Hz, jittered), a CPU package counter that wraps every few seconds (RAPL), a 1 Hz wall meter
 * (power only), and two overlapping runs on separate GPUs with several epochs each. Times are
 * microseconds after {@link #T0}. Knows the runs and readings as the offline reference wants them.
 */
final class ReplayTrace {
    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    static final long UNTIL_US = 120_000_000;
    /** Small, so the counter wraps every ~7 s at 40 W. */
    static final long RAPL_RANGE_UJ = 300_000_000L;

    record Host(String id, List<DeviceTrace> devices, List<RunSpec> runs) {}

    /** A record to replay: a sample or an event, at its event time. */
    record Item(long tUs, String host, PowerSample sample, TrainingEvent event) {}

    final List<Host> hosts = new ArrayList<>();

    ReplayTrace(long seed, String... hostIds) {
        Random rnd = new Random(seed);
        for (String h : hostIds) {
            List<DeviceTrace> devices = List.of(
                    new DeviceTrace(Component.GPU, "gpu0", counter(rnd, 100_000, 60, 280, null)),
                    new DeviceTrace(Component.GPU, "gpu1", counter(rnd, 100_000, 60, 280, null)),
                    new DeviceTrace(Component.CPU_PACKAGE, "package-0", counter(rnd, 100_000, 20, 90, RAPL_RANGE_UJ)),
                    new DeviceTrace(Component.WALL, "wall", power(rnd, 1_000_000, 300, 800)));
            long aStart = 10_050_000 + rnd.nextInt(500_000);
            long bStart = 30_200_000 + rnd.nextInt(500_000);
            List<RunSpec> runs = List.of(
                    run(h + "-run-a", aStart, aStart + 60_000_000 + rnd.nextInt(1_000_000), "gpu0", 5),
                    run(h + "-run-b", bStart, bStart + 65_000_000 + rnd.nextInt(1_000_000), "gpu1", 4));
            hosts.add(new Host(h, devices, runs));
        }
    }

    /** Every record of the trace in event-time order (events before samples at the same instant). */
    List<Item> items() {
        List<Item> out = new ArrayList<>();
        for (Host h : hosts) {
            for (DeviceTrace d : h.devices()) {
                for (Reading r : d.readings()) {
                    out.add(new Item(r.tUs(), h.id(), PowerSample.newBuilder().setHost(h.id())
                            .setSource(d.component() == Component.GPU ? SourceType.NVML
                                    : d.component() == Component.WALL ? SourceType.WATTMETER : SourceType.RAPL)
                            .setComponent(d.component()).setDevice(d.device()).setEventTime(at(r.tUs()))
                            .setPowerWatts(r.watts()).setEnergyUj(r.energyUj()).setEnergyRangeUj(r.rangeUj()).build(), null));
                }
            }
            for (RunSpec run : h.runs()) {
                out.add(event(h.id(), run, run.startUs(), EventKind.RUN_STARTED, null));
                for (int i = 0; i < run.epochs().size(); i++) {
                    out.add(event(h.id(), run, run.epochs().get(i)[0], EventKind.EPOCH_STARTED, i + 1));
                    out.add(event(h.id(), run, run.epochs().get(i)[1], EventKind.EPOCH_COMPLETED, i + 1));
                }
                out.add(event(h.id(), run, run.endUs(), EventKind.RUN_COMPLETED, null));
            }
        }
        out.sort(Comparator.comparingLong(Item::tUs).thenComparing(i -> i.sample() != null));
        return out;
    }

    static Instant at(long us) {
        return T0.plus(us, ChronoUnit.MICROS);
    }

    private static Item event(String host, RunSpec run, long tUs, EventKind kind, Integer epoch) {
        return new Item(tUs, host, null, TrainingEvent.newBuilder().setRunId(run.id()).setExperimentId("replay-exp")
                .setHost(host).setDevices(List.copyOf(run.gpus())).setEventTime(at(tUs)).setKind(kind).setEpoch(epoch)
                .setMetrics(kind == EventKind.EPOCH_COMPLETED ? EpochMetrics.newBuilder().setLoss(0.5).setSamples(6000)
                        .setSamplesPerSecond(500).setDurationMs(12_000).build() : null)
                .build());
    }

    private static RunSpec run(String id, long start, long end, String gpu, int epochs) {
        List<long[]> bounds = new ArrayList<>();
        long step = (end - start) / epochs;
        for (int i = 0; i < epochs; i++) {
            bounds.add(new long[] {start + i * step, i == epochs - 1 ? end : start + (i + 1) * step});
        }
        return new RunSpec(id, start, end, Set.of(gpu), bounds);
    }

    private static List<Reading> counter(Random rnd, long periodUs, double lowW, double highW, Long rangeUj) {
        List<Reading> out = new ArrayList<>();
        long energy = (long) (rnd.nextDouble() * 1e9);
        double watts = lowW + rnd.nextDouble() * (highW - lowW);
        for (long t = rnd.nextInt((int) periodUs); t <= UNTIL_US; ) {
            out.add(Reading.counter(t, rangeUj == null ? energy : energy % rangeUj, rangeUj));
            long dt = periodUs - 20_000 + rnd.nextInt(40_000);
            double next = Math.max(lowW, Math.min(highW, watts + rnd.nextGaussian() * 15));
            energy += Math.round((watts + next) / 2 * dt);
            watts = next;
            t += dt;
        }
        return out;
    }

    private static List<Reading> power(Random rnd, long periodUs, double lowW, double highW) {
        List<Reading> out = new ArrayList<>();
        double watts = lowW + rnd.nextDouble() * (highW - lowW);
        for (long t = rnd.nextInt(1000); t <= UNTIL_US; t += periodUs) {
            out.add(Reading.power(t, Math.round(watts * 1000) / 1000.0));
            watts = Math.max(lowW, Math.min(highW, watts + rnd.nextGaussian() * 40));
        }
        return out;
    }

    Map<String, Host> byId() {
        Map<String, Host> m = new LinkedHashMap<>();
        hosts.forEach(h -> m.put(h.id(), h));
        return m;
    }
}
