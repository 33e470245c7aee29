package dev.ampwatch.bench.throughput;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One simulated host: its run, and counters that grow with the power it draws (GPUs busy while the
 * run is open, idle otherwise). It sums the counter increments that fall inside the run, which is what
 * the analyzer should attribute to it. Not thread-safe.
 */
final class SimulatedHost {
    /** RAPL max_energy_range_uj of many Intel packages, plus one: the counter runs in [0, range). */
    static final long RAPL_RANGE_UJ = 262_143_328_850L + 1;

    final String host;
    final SimulatedRun run;
    private final SplittableRandom random;
    private final long[] gpuUj = new long[Fleet.GPU_DEVICES.size()];
    private long cpuUj;
    private long lastUs = Long.MIN_VALUE;
    private double expectedRunJoules;

    SimulatedHost(String host, SimulatedRun run, SplittableRandom random) {
        this.host = host;
        this.run = run;
        this.random = random;
        for (int g = 0; g < gpuUj.length; g++) {
            gpuUj[g] = random.nextLong(1L << 40);
        }
        cpuUj = RAPL_RANGE_UJ - 1 - random.nextLong(20_000_000_000L); // 20 kJ to the top: wraps in < 200 s busy
    }

    List<TrainingEvent> events(long nowUs) {
        return run.due(nowUs);
    }

    /** One reading of every device at {@code tUs}; the counters cover the time since the last reading. */
    List<PowerSample> samples(long tUs) {
        boolean busy = lastUs != Long.MIN_VALUE && run.covers(lastUs, tUs);
        double seconds = lastUs == Long.MIN_VALUE ? 0 : (tUs - lastUs) / 1e6;
        List<PowerSample> out = new ArrayList<>(Fleet.SAMPLES_PER_TICK);
        for (int g = 0; g < gpuUj.length; g++) {
            double watts = busy ? 240 + 10 * g + random.nextDouble() * 40 : 55 + random.nextDouble() * 5;
            long delta = Math.round(watts * seconds * 1e6);
            gpuUj[g] += delta;
            count(busy, delta);
            out.add(PowerSample.newBuilder().setHost(host).setSource(SourceType.NVML).setComponent(Component.GPU)
                    .setDevice(Fleet.GPU_DEVICES.get(g)).setEventTime(Fleet.instant(tUs)).setPowerWatts(watts)
                    .setPowerKind(PowerKind.WINDOW_AVERAGE).setPowerWindowMs(1000).setEnergyUj(gpuUj[g]).build());
        }
        double cpuWatts = busy ? 90 + random.nextDouble() * 20 : 20 + random.nextDouble() * 5;
        long delta = Math.round(cpuWatts * seconds * 1e6);
        cpuUj = (cpuUj + delta) % RAPL_RANGE_UJ;
        count(busy, delta);
        out.add(PowerSample.newBuilder().setHost(host).setSource(SourceType.RAPL).setComponent(Component.CPU_PACKAGE)
                .setDevice("package-0").setEventTime(Fleet.instant(tUs)).setEnergyUj(cpuUj)
                .setEnergyRangeUj(RAPL_RANGE_UJ).build());
        lastUs = tUs;
        return out;
    }

    private void count(boolean busy, long deltaUj) {
        if (busy) {
            expectedRunJoules += deltaUj / 1e6;
        }
    }

    double expectedRunJoules() {
        return expectedRunJoules;
    }
}
