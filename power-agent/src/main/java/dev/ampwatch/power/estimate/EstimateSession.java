package dev.ampwatch.power.estimate;

import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.schema.Component;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One open estimate: each read averages over the time since the previous read (the first: since
 * open). Device ids are {@value #CPU_DEVICE} (all packages together) and {@value #DRAM_DEVICE}.
 * Not thread-safe; the sampler never overlaps reads of one session.
 */
final class EstimateSession implements PowerSession {

    static final String CPU_DEVICE = "cpu";
    static final String DRAM_DEVICE = "dram";

    private final SystemProbe probe;
    private final EstimateModel model;
    private Instant lastRead;

    EstimateSession(SystemProbe probe, EstimateModel model, Instant openedAt) {
        this.probe = probe;
        this.model = model;
        this.lastRead = openedAt;
    }

    @Override
    public List<PowerReading> read(Instant readTime) {
        long windowMs = Duration.between(lastRead, readTime).toMillis();
        if (windowMs <= 0) {
            if (windowMs < 0) {
                lastRead = readTime; // the clock stepped back: restart the window
            }
            return List.of();
        }
        double utilization = probe.cpuUtilizationSinceLastCall();
        lastRead = readTime;
        int window = (int) Math.min(windowMs, Integer.MAX_VALUE);
        List<PowerReading> readings = new ArrayList<>(2);
        readings.add(PowerReading.windowAverage(Component.CPU_PACKAGE, CPU_DEVICE, readTime,
                model.cpuWatts(utilization), window));
        long memoryBytes = probe.totalMemoryBytes();
        if (memoryBytes > 0) {
            readings.add(PowerReading.windowAverage(Component.DRAM, DRAM_DEVICE, readTime,
                    model.dramWatts(memoryBytes), window));
        }
        return readings;
    }

    @Override
    public void close() {
        probe.close();
    }
}
