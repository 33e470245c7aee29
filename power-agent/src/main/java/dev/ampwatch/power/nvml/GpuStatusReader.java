package dev.ampwatch.power.nvml;

import com.sun.jna.Pointer;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one GPU's {@link GpuStatus}: utilization, memory, temperature and SM clock. A metric the
 * GPU does not support is remembered, logged once, and not asked again; one that fails this time
 * is left empty. Not thread-safe.
 */
final class GpuStatusReader {

    /** Logs under NvmlSession, as before this class was split out of it. */
    private static final Logger log = LoggerFactory.getLogger(NvmlSession.class);

    private enum Metric { UTILIZATION, MEMORY, TEMPERATURE, SM_CLOCK }

    @FunctionalInterface
    private interface Query<T> {
        T ask() throws NvmlException;
    }

    private final Nvml nvml;
    private final GpuInfo info;
    private final Pointer handle;
    private final Set<Metric> unsupported = EnumSet.noneOf(Metric.class);
    /** Reused every read; their values are copied into the {@link GpuStatus}. */
    private final NvmlLibrary.Utilization utilization = new NvmlLibrary.Utilization();
    private final NvmlLibrary.Memory memory = new NvmlLibrary.Memory();

    GpuStatusReader(Nvml nvml, GpuInfo info, Pointer handle) {
        this.nvml = nvml;
        this.info = info;
        this.handle = handle;
    }

    GpuStatus read(Instant readTime) {
        String id = info.device();
        NvmlLibrary.Utilization u = query(Metric.UTILIZATION, () -> nvml.utilization(handle, id, utilization));
        NvmlLibrary.Memory m = query(Metric.MEMORY, () -> nvml.memory(handle, id, memory));
        Long temperature = query(Metric.TEMPERATURE, () -> nvml.temperatureC(handle, id));
        Long smClock = query(Metric.SM_CLOCK, () -> nvml.smClockMhz(handle, id));
        return new GpuStatus(info, readTime,
                u == null ? OptionalInt.empty() : percent(u.gpu),
                u == null ? OptionalInt.empty() : percent(u.memory),
                m == null ? OptionalLong.empty() : nonNegative(m.used),
                m == null ? OptionalLong.empty() : nonNegative(m.total),
                temperature == null ? OptionalInt.empty() : small(temperature),
                smClock == null ? OptionalInt.empty() : small(smClock));
    }

    /** The metric's answer; null when the GPU does not support it (remembered) or it failed. */
    private <T> T query(Metric metric, Query<T> query) {
        if (unsupported.contains(metric)) {
            return null;
        }
        try {
            return query.ask();
        } catch (NvmlException e) {
            if (e.unsupported()) {
                unsupported.add(metric);
                log.info("NVML {}: no {} ({})", info.device(), metric.name().toLowerCase(Locale.ROOT),
                        e.getMessage());
            } else {
                log.debug("NVML {}: {}", info.device(), e.getMessage());
            }
            return null;
        }
    }

    private static OptionalInt percent(int value) {
        return value >= 0 && value <= 100 ? OptionalInt.of(value) : OptionalInt.empty();
    }

    private static OptionalInt small(long value) {
        return value >= 0 && value <= Integer.MAX_VALUE ? OptionalInt.of((int) value) : OptionalInt.empty();
    }

    private static OptionalLong nonNegative(long value) {
        return value >= 0 ? OptionalLong.of(value) : OptionalLong.empty();
    }
}
