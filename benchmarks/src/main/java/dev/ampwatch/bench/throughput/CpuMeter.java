package dev.ampwatch.bench.throughput;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a step's CPU went on this (Linux) machine: this JVM (analyzer and harness), the broker process,
 * everything else, and idle, from /proc. Shares are of all cores over the step's wall time.
 */
final class CpuMeter {
    private static final double TICK_SECONDS = 0.01; // USER_HZ, 100 on Linux

    private final long brokerPid;
    private final long wall0;
    private final double self0;
    private final double broker0;
    private final long[] machine0;

    CpuMeter(long brokerPid) {
        this.brokerPid = brokerPid;
        this.wall0 = System.nanoTime();
        this.self0 = self();
        this.broker0 = process(brokerPid);
        this.machine0 = machine();
    }

    /** e.g. "2 cores, 30.1 s: this JVM 120 %, broker 45 %, other processes 20 %, idle 15 %" (100 % = one core). */
    String since() {
        double wall = (System.nanoTime() - wall0) / 1e9;
        double self = self() - self0;
        double broker = process(brokerPid) - broker0;
        long[] m = machine();
        double busy = (m[0] - machine0[0]) * TICK_SECONDS;
        double idle = (m[1] - machine0[1]) * TICK_SECONDS;
        int cores = Runtime.getRuntime().availableProcessors();
        return String.format("%d cores, %.1f s: this JVM (analyzer + harness) %.0f %%, broker %.0f %%, other processes %.0f %%, "
                + "idle %.0f %% (100 %% = one core)", cores, wall, 100 * self / wall, 100 * broker / wall,
                100 * Math.max(0, busy - self - broker) / wall, 100 * idle / wall);
    }

    private static double self() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    /** utime + stime of a process in seconds; 0 where /proc cannot say. */
    private static double process(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_SECONDS;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** {busy, idle} jiffies of all cores together. */
    private static long[] machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, idle};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }
}
