package dev.ampwatch.power.nvml;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * What NVML reads besides power, as gauges per GPU ({@code gpu="gpu0"}): utilization, memory,
 * temperature and SM clock from the latest read. PowerSample has no fields for these, so this is
 * where they show. A value the GPU does not report reads as NaN. Thread-safe.
 */
public final class NvmlMetrics implements MeterBinder {
    private final NvmlSession session;

    public NvmlMetrics(NvmlSession session) {
        this.session = session;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (GpuInfo gpu : session.gpus()) {
            String id = gpu.device();
            // Prometheus' base units: a share is a 0-1 ratio, a frequency in hertz (promtool check metrics)
            gauge(registry, "ampwatch.gpu.utilization", "ratio", "share of time a kernel ran, 0-1", id,
                    s -> value(s.utilizationGpuPercent()) / 100);
            gauge(registry, "ampwatch.gpu.memory.utilization", "ratio", "share of time memory was read or written, 0-1", id,
                    s -> value(s.utilizationMemoryPercent()) / 100);
            gauge(registry, "ampwatch.gpu.memory.used", "bytes", "allocated frame buffer memory", id,
                    s -> value(s.memoryUsedBytes()));
            gauge(registry, "ampwatch.gpu.temperature", "celsius", "GPU die temperature", id, s -> value(s.temperatureC()));
            gauge(registry, "ampwatch.gpu.sm.clock", "hertz", "current SM clock", id, s -> value(s.smClockMhz()) * 1e6);
        }
    }

    private void gauge(MeterRegistry registry, String name, String unit, String description, String gpu,
                       Function<GpuStatus, Double> value) {
        Gauge.builder(name, session, s -> s.status().stream().filter(st -> st.gpu().device().equals(gpu))
                        .findFirst().map(value).orElse(Double.NaN))
                .baseUnit(unit).description(description).tag("gpu", gpu).register(registry);
    }

    private static double value(OptionalInt v) {
        return v.isPresent() ? v.getAsInt() : Double.NaN;
    }

    private static double value(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : Double.NaN;
    }
}
