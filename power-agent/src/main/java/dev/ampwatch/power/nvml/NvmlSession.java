package dev.ampwatch.power.nvml;

import com.sun.jna.Pointer;
import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.sampling.RateLimitedLog;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open NVML: one {@link PowerReading} per GPU per read, device {@code gpu<index>}, component
 * GPU, carrying
 * <ul>
 *   <li>the cumulative energy counter ({@code nvmlDeviceGetTotalEnergyConsumption}, mJ × 1000 =
 *       µJ; Volta and newer), which the analyzer prefers, and
 *   <li>power, from the first of these the GPU answers:
 *       <ol>
 *         <li>field {@code NVML_FI_DEV_POWER_INSTANT} → power_kind INSTANT;
 *         <li>field {@code NVML_FI_DEV_POWER_AVERAGE} → WINDOW_AVERAGE, 1000 ms;
 *         <li>{@code nvmlDeviceGetPowerUsage}, labelled by {@link GpuArchitecture#usageKind}: a 1 s average on
 *             Ampere (except GA100) and newer, instantaneous before, UNKNOWN when the
 *             architecture is unknown.
 *       </ol>
 * </ul>
 * A call the GPU or driver does not support ({@code NVML_ERROR_NOT_SUPPORTED}, or a function the
 * library lacks) is remembered per GPU, logged once, and not asked again. A GPU whose read fails
 * is left out of that read (warned about, rate-limited); the read throws only when every GPU
 * failed. Utilization, memory, temperature and SM clock are read too, at most once per
 * {@link #STATUS_INTERVAL}, and kept in {@link #status()}.
 *
 * <p>Not thread-safe for {@link #read}: the sampler never overlaps reads. {@link #status()} and
 * {@link #gpus()} may be called from any thread.
 */
public final class NvmlSession implements PowerSession {

    private static final Logger log = LoggerFactory.getLogger(NvmlSession.class);

    /** Window of NVML_FI_DEV_POWER_AVERAGE and of nvmlDeviceGetPowerUsage on Ampere+. */
    public static final int AVERAGE_WINDOW_MS = 1000;
    /**
     * How often utilization, memory, temperature and clock are read: they feed gauges scraped every
     * few seconds, so reading them at every 10 Hz tick only cost CPU (four more NVML calls per GPU).
     */
    static final Duration STATUS_INTERVAL = Duration.ofSeconds(1);

    private final Nvml nvml;
    private final List<Gpu> gpus;
    private volatile List<GpuStatus> status = List.of();
    private final RateLimitedLog warnings;
    /** When the status was last read (event time of that read); null before the first. */
    private Instant statusReadAt;
    private boolean closed;

    /** One GPU and its readers, which learn what it supports on the first reads. */
    private record Gpu(GpuInfo info, GpuPowerReader power, GpuStatusReader status) { }

    private NvmlSession(Nvml nvml, List<Gpu> gpus, RateLimitedLog warnings) {
        this.nvml = nvml;
        this.gpus = gpus;
        this.warnings = warnings;
    }

    /**
     * Initializes NVML and enumerates the GPUs. On failure NVML is shut down again.
     *
     * @throws PowerSourceException when init or enumeration fails, or there is no GPU
     */
    static NvmlSession open(Nvml nvml, InstantSource clock) throws PowerSourceException {
        Objects.requireNonNull(clock, "clock");
        nvml.init();
        try {
            int count = nvml.deviceCount();
            if (count <= 0) {
                throw new PowerSourceException(NvmlSource.NO_GPUS_REASON);
            }
            RateLimitedLog warnings = new RateLimitedLog(log, Duration.ofMinutes(1), clock);
            List<Gpu> gpus = new ArrayList<>(count);
            for (int index = 0; index < count; index++) {
                String device = GpuInfo.deviceId(index);
                Pointer handle = nvml.handle(index, device);
                GpuInfo info = new GpuInfo(index, device, nvml.name(handle, device),
                        nvml.uuid(handle, device), GpuArchitecture.of(nvml, handle, device));
                gpus.add(new Gpu(info, new GpuPowerReader(nvml, info, handle, warnings),
                        new GpuStatusReader(nvml, info, handle)));
                log.info("NVML {}: {} {} (architecture {}), power from nvmlDeviceGetPowerUsage would be {}",
                        device, info.name(), info.uuid(), GpuArchitecture.name(info.architecture()),
                        GpuArchitecture.usageKind(info.architecture(), info.name()));
            }
            return new NvmlSession(nvml, List.copyOf(gpus), warnings);
        } catch (PowerSourceException | RuntimeException e) {
            try {
                nvml.shutdown();
            } catch (NvmlException shutdownFailed) {
                e.addSuppressed(shutdownFailed);
            }
            throw e;
        }
    }

    /** The GPUs, in NVML index order. */
    public List<GpuInfo> gpus() {
        return gpus.stream().map(Gpu::info).toList();
    }

    /** The status of every GPU from the latest read (empty before the first). */
    public List<GpuStatus> status() {
        return status;
    }

    @Override
    public List<PowerReading> read(Instant readTime) throws PowerSourceException {
        if (closed) {
            throw new PowerSourceException("the NVML session is closed");
        }
        List<PowerReading> readings = new ArrayList<>(gpus.size());
        boolean readStatus = statusReadAt == null || readTime.isBefore(statusReadAt)
                || !readTime.isBefore(statusReadAt.plus(STATUS_INTERVAL));
        List<GpuStatus> statuses = new ArrayList<>(gpus.size());
        List<NvmlException> failures = new ArrayList<>();
        for (Gpu gpu : gpus) {
            try {
                PowerReading reading = gpu.power().read(readTime);
                if (reading != null) {
                    readings.add(reading);
                }
            } catch (NvmlException e) {
                failures.add(e);
            }
            if (readStatus) {
                statuses.add(gpu.status().read(readTime));
            }
        }
        if (readStatus) {
            status = List.copyOf(statuses);
            statusReadAt = readTime;
        }
        if (!failures.isEmpty() && readings.isEmpty()) {
            NvmlException first = failures.get(0);
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
        for (NvmlException e : failures) {
            warnings.warn("nvml/" + e.device().orElse("?"), null, "NVML read left out {}: {}",
                    e.device().orElse("a GPU"), e.getMessage());
        }
        return readings;
    }

    /** Shuts NVML down (once; later calls do nothing). */
    @Override
    public void close() throws PowerSourceException {
        if (closed) {
            return;
        }
        closed = true;
        nvml.shutdown();
    }
}
