package dev.ampwatch.bench.throughput;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The simulated fleet's shape: each host has four GPUs read through NVML (a cumulative energy counter
 * and power) and one RAPL package counter that wraps, all read at 10 Hz: 50 samples per second.
 */
final class Fleet {
    static final long TICK_US = 100_000;
    static final List<String> GPU_DEVICES = List.of("gpu0", "gpu1", "gpu2", "gpu3");
    static final int SAMPLES_PER_TICK = GPU_DEVICES.size() + 1;
    /** Samples keep coming this long after the last run ends, so every run can be finalized. */
    static final long TAIL_US = 15_000_000;
    private static final long LEAD_US = 5_000_000;

    private Fleet() {}

    /**
     * A backlog: {@code hosts} hosts over {@code ticks} ticks from {@code baseUs}, each running one
     * 10-epoch run that starts after a few seconds and ends {@link #TAIL_US} before the last tick.
     */
    static List<SimulatedHost> backlog(String prefix, int hosts, long ticks, long baseUs) {
        long lastUs = baseUs + (ticks - 1) * TICK_US;
        List<SimulatedHost> fleet = new ArrayList<>();
        for (int h = 0; h < hosts; h++) {
            String host = String.format("%shost-%03d", prefix, h);
            long start = baseUs + LEAD_US + h * TICK_US;
            long end = lastUs - TAIL_US - h * TICK_US;
            SimulatedRun run = new SimulatedRun(host + "-run", host, prefix + "fleet", h, start, end, 0);
            fleet.add(new SimulatedHost(host, run, new SplittableRandom(h)));
        }
        return fleet;
    }

    /** Hosts whose runs start now and never end, heartbeating at random phases (the latency step). */
    static List<SimulatedHost> live(String prefix, int hosts, long nowUs) {
        SplittableRandom random = new SplittableRandom(42);
        List<SimulatedHost> fleet = new ArrayList<>();
        for (int h = 0; h < hosts; h++) {
            String host = String.format("%shost-%03d", prefix, h);
            long phase = random.nextLong(SimulatedRun.HEARTBEAT_US);
            SimulatedRun run = new SimulatedRun(host + "-run", host, prefix + "fleet", h, nowUs, Long.MAX_VALUE, phase);
            fleet.add(new SimulatedHost(host, run, random.split()));
        }
        return fleet;
    }

    static long alignToTick(long us) {
        return Math.floorDiv(us, TICK_US) * TICK_US;
    }

    static Instant instant(long us) {
        return Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000), Math.floorMod(us, 1_000_000) * 1000L);
    }

    static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
    }

    static long nowUs() {
        return micros(Instant.now());
    }
}
