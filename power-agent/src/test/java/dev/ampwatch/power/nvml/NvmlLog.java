package dev.ampwatch.power.nvml;

import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.SourceContext;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Map;

/**
 * The GPU smoke script's power logger ({@code benchmarks/gpu-smoke.sh}): reads the GPUs through the power-agent's own
 * NVML source every INTERVAL_MS milliseconds (default 100) until killed, and prints one line per GPU and reading:
 * {@code epoch_ms device energy_uj power_watts power_kind}. The script takes a measured window's joules as the
 * difference of the cumulative energy counter between the window's ends (interpolated), so the figure is the
 * hardware's own integral, not a mean of sampled watts. Test code: not shipped; it is also the power-agent's NVML
 * binding run against a real driver.
 */
public final class NvmlLog {
    private NvmlLog() {}

    public static void main(String[] args) throws Exception {
        long interval = args.length > 0 ? Long.parseLong(args[0]) : 100;
        try (NvmlSession session = new NvmlSource().open(new SourceContext("gpu-smoke", InstantSource.system(), Map.of()))) {
            for (GpuInfo gpu : session.gpus()) {
                System.out.println("# " + gpu);
            }
            long next = System.currentTimeMillis();
            while (!Thread.currentThread().isInterrupted()) {
                Instant now = Instant.now();
                for (PowerReading r : session.read(now)) {
                    System.out.printf(Locale.ROOT, "%d %s %s %s %s%n", now.toEpochMilli(), r.device(),
                            r.energyUj().isPresent() ? Long.toString(r.energyUj().getAsLong()) : "-",
                            r.powerWatts().isPresent() ? String.format(Locale.ROOT, "%.3f", r.powerWatts().getAsDouble()) : "-",
                            r.powerKind());
                }
                System.out.flush();
                next += interval;
                java.util.concurrent.locks.LockSupport.parkUntil(next); // the sampling period
            }
        }
    }
}
