package dev.ampwatch.power.estimate;

import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.HardwareAbstractionLayer;

/** {@link SystemProbe} backed by OSHI's CPU tick counters and memory size. Not thread-safe. */
public final class OshiSystemProbe implements SystemProbe {

    private final CentralProcessor processor;
    private final long totalMemoryBytes;
    private long[] previousTicks;

    /**
     * Probes the running host.
     *
     * @throws UnsupportedOperationException if OSHI does not support this OS
     */
    public OshiSystemProbe() {
        HardwareAbstractionLayer hardware = new SystemInfo().getHardware();
        this.processor = hardware.getProcessor();
        this.totalMemoryBytes = hardware.getMemory().getTotal();
        this.previousTicks = processor.getSystemCpuLoadTicks();
    }

    @Override
    public double cpuUtilizationSinceLastCall() {
        long[] ticks = processor.getSystemCpuLoadTicks();
        double load = processor.getSystemCpuLoadBetweenTicks(previousTicks);
        previousTicks = ticks;
        return load;
    }

    @Override
    public long totalMemoryBytes() {
        return totalMemoryBytes;
    }
}
