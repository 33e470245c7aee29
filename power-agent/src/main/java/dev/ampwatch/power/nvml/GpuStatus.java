package dev.ampwatch.power.nvml;

import java.time.Instant;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What one read saw of a GPU besides power and energy: utilization, memory, temperature and SM
 * clock. PowerSample has no fields for these, so they are not published to Kafka; {@link
 * NvmlSession#status()} holds the latest for the agent's metrics. A value the GPU does not report
 * (or that failed this time) is empty. Immutable.
 *
 * @param gpu the GPU
 * @param readTime when it was read
 * @param utilizationGpuPercent percent of the last sample period a kernel ran (0..100)
 * @param utilizationMemoryPercent percent of the last sample period device memory was read or
 *     written (0..100)
 * @param memoryUsedBytes allocated frame buffer memory
 * @param memoryTotalBytes installed frame buffer memory
 * @param temperatureC GPU die temperature in °C
 * @param smClockMhz current SM clock in MHz
 */
public record GpuStatus(
        GpuInfo gpu,
        Instant readTime,
        OptionalInt utilizationGpuPercent,
        OptionalInt utilizationMemoryPercent,
        OptionalLong memoryUsedBytes,
        OptionalLong memoryTotalBytes,
        OptionalInt temperatureC,
        OptionalInt smClockMhz) {

    public GpuStatus {
        Objects.requireNonNull(gpu, "gpu");
        Objects.requireNonNull(readTime, "readTime");
        Objects.requireNonNull(utilizationGpuPercent, "utilizationGpuPercent");
        Objects.requireNonNull(utilizationMemoryPercent, "utilizationMemoryPercent");
        Objects.requireNonNull(memoryUsedBytes, "memoryUsedBytes");
        Objects.requireNonNull(memoryTotalBytes, "memoryTotalBytes");
        Objects.requireNonNull(temperatureC, "temperatureC");
        Objects.requireNonNull(smClockMhz, "smClockMhz");
    }
}
