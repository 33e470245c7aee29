package dev.ampwatch.power.nvml;

import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_DEVICE_ARCH_AMPERE;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_DEVICE_ARCH_KEPLER;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_DEVICE_ARCH_UNKNOWN;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_ERROR_FUNCTION_NOT_FOUND;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_ERROR_INVALID_ARGUMENT;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_ERROR_NOT_SUPPORTED;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_FI_DEV_POWER_AVERAGE;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_FI_DEV_POWER_INSTANT;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_SUCCESS;

import com.sun.jna.Pointer;
import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.sampling.RateLimitedLog;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
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
 *         <li>{@code nvmlDeviceGetPowerUsage}, labelled by {@link #usageKind}: a 1 s average on
 *             Ampere (except GA100) and newer, instantaneous before, UNKNOWN when the
 *             architecture is unknown.
 *       </ol>
 * </ul>
 * A call the GPU or driver does not support ({@code NVML_ERROR_NOT_SUPPORTED}, or a function the
 * library lacks) is remembered per GPU, logged once, and not asked again. A GPU whose read fails
 * is left out of that read (warned about, rate-limited); the read throws only when every GPU
 * failed. Utilization, memory, temperature and SM clock are read too and kept in {@link
 * #status()}.
 *
 * <p>Not thread-safe for {@link #read}: the sampler never overlaps reads. {@link #status()} and
 * {@link #gpus()} may be called from any thread.
 */
public final class NvmlSession implements PowerSession {

    private static final Logger log = LoggerFactory.getLogger(NvmlSession.class);

    /** Window of NVML_FI_DEV_POWER_AVERAGE and of nvmlDeviceGetPowerUsage on Ampere+. */
    public static final int AVERAGE_WINDOW_MS = 1000;

    /** GA100 products (A100, A800, A30): Ampere, but nvmlDeviceGetPowerUsage is instantaneous. */
    private static final Pattern GA100 = Pattern.compile("\\bA(100|800|30)(?![0-9])");

    private final Nvml nvml;
    private final List<Gpu> gpus;
    private final RateLimitedLog warnings;
    private volatile List<GpuStatus> status = List.of();
    private boolean closed;

    private enum Metric { UTILIZATION, MEMORY, TEMPERATURE, SM_CLOCK }

    /** Per-GPU state: what the GPU supports, learned on the first reads. */
    private static final class Gpu {
        final GpuInfo info;
        final Pointer handle;
        final PowerKind usageKind;
        boolean energy = true;
        boolean fields = true;
        boolean usage = true;
        boolean reportedNothing;
        String powerFrom;
        final Set<Metric> unsupported = EnumSet.noneOf(Metric.class);

        Gpu(GpuInfo info, Pointer handle) {
            this.info = info;
            this.handle = handle;
            this.usageKind = usageKind(info.architecture(), info.name());
        }

        String id() {
            return info.device();
        }
    }

    private record Power(double watts, PowerKind kind, String from) { }

    private NvmlSession(Nvml nvml, List<Gpu> gpus, InstantSource clock) {
        this.nvml = nvml;
        this.gpus = gpus;
        this.warnings = new RateLimitedLog(log, Duration.ofMinutes(1), clock);
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
            List<Gpu> gpus = new ArrayList<>(count);
            for (int index = 0; index < count; index++) {
                String device = GpuInfo.deviceId(index);
                Pointer handle = nvml.handle(index, device);
                GpuInfo info = new GpuInfo(index, device, nvml.name(handle, device),
                        nvml.uuid(handle, device), architecture(nvml, handle, device));
                gpus.add(new Gpu(info, handle));
                log.info("NVML {}: {} {} (architecture {}), power from nvmlDeviceGetPowerUsage would be {}",
                        device, info.name(), info.uuid(), archName(info.architecture()),
                        usageKind(info.architecture(), info.name()));
            }
            return new NvmlSession(nvml, List.copyOf(gpus), clock);
        } catch (PowerSourceException | RuntimeException e) {
            try {
                nvml.shutdown();
            } catch (NvmlException shutdownFailed) {
                e.addSuppressed(shutdownFailed);
            }
            throw e;
        }
    }

    private static OptionalInt architecture(Nvml nvml, Pointer handle, String device) {
        try {
            return OptionalInt.of(nvml.architecture(handle, device));
        } catch (NvmlException e) {
            log.info("NVML {}: architecture unknown ({})", device, e.getMessage());
            return OptionalInt.empty();
        }
    }

    private static String archName(OptionalInt arch) {
        if (arch.isEmpty()) {
            return "unknown";
        }
        return switch (arch.getAsInt()) {
            case 2 -> "Kepler";
            case 3 -> "Maxwell";
            case 4 -> "Pascal";
            case 5 -> "Volta";
            case 6 -> "Turing";
            case 7 -> "Ampere";
            case 8 -> "Ada";
            case 9 -> "Hopper";
            case 10 -> "Blackwell";
            case NVML_DEVICE_ARCH_UNKNOWN -> "unknown to the driver";
            default -> Integer.toUnsignedString(arch.getAsInt());
        };
    }

    /**
     * What {@code nvmlDeviceGetPowerUsage} returns on this GPU: per NVIDIA's documentation a 1 s
     * average ({@link PowerKind#WINDOW_AVERAGE}) on Ampere, except GA100, and newer; instantaneous
     * on GA100 (A100, A800, A30, recognized by name) and older architectures; {@link
     * PowerKind#UNKNOWN} when the architecture is unknown.
     */
    static PowerKind usageKind(OptionalInt architecture, String name) {
        if (architecture.isEmpty()) {
            return PowerKind.UNKNOWN;
        }
        int arch = architecture.getAsInt();
        if (arch == NVML_DEVICE_ARCH_UNKNOWN || arch < NVML_DEVICE_ARCH_KEPLER) {
            return PowerKind.UNKNOWN;
        }
        if (arch < NVML_DEVICE_ARCH_AMPERE) {
            return PowerKind.INSTANT;
        }
        if (arch == NVML_DEVICE_ARCH_AMPERE && GA100.matcher(name).find()) {
            return PowerKind.INSTANT;
        }
        return PowerKind.WINDOW_AVERAGE;
    }

    /** The GPUs, in NVML index order. */
    public List<GpuInfo> gpus() {
        return gpus.stream().map(g -> g.info).toList();
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
        List<GpuStatus> statuses = new ArrayList<>(gpus.size());
        List<NvmlException> failures = new ArrayList<>();
        for (Gpu gpu : gpus) {
            try {
                PowerReading reading = read(gpu, readTime);
                if (reading != null) {
                    readings.add(reading);
                }
            } catch (NvmlException e) {
                failures.add(e);
            }
            statuses.add(status(gpu, readTime));
        }
        status = List.copyOf(statuses);
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

    /** One GPU's reading; null when it reports neither energy nor power. */
    private PowerReading read(Gpu gpu, Instant readTime) throws NvmlException {
        List<NvmlException> errors = new ArrayList<>(2);
        OptionalLong energyUj = readEnergy(gpu, errors);
        Power power = readPower(gpu, errors);
        if (power != null && !power.from.equals(gpu.powerFrom)) {
            log.info("NVML {}: power from {} ({}){}", gpu.id(), power.from, power.kind,
                    gpu.energy ? ", and the energy counter" : "");
            gpu.powerFrom = power.from;
        }
        if (energyUj.isEmpty() && power == null) {
            if (!errors.isEmpty()) {
                throw errors.get(0);
            }
            if (!gpu.reportedNothing) {
                gpu.reportedNothing = true;
                log.warn("NVML {} ({}) reports neither an energy counter nor power: not published",
                        gpu.id(), gpu.info.name());
            }
            return null;
        }
        if (!errors.isEmpty()) {
            warnings.warn("nvml/" + gpu.id() + "/partial", null, "NVML {}: published a partial reading: {}",
                    gpu.id(), errors.get(0).getMessage());
        }
        return new PowerReading(Component.GPU, gpu.id(), readTime,
                power == null ? OptionalDouble.empty() : OptionalDouble.of(power.watts),
                power == null ? PowerKind.UNKNOWN : power.kind,
                power != null && power.kind == PowerKind.WINDOW_AVERAGE
                        ? OptionalInt.of(AVERAGE_WINDOW_MS) : OptionalInt.empty(),
                energyUj, OptionalLong.empty());
    }

    private OptionalLong readEnergy(Gpu gpu, List<NvmlException> errors) {
        if (!gpu.energy) {
            return OptionalLong.empty();
        }
        try {
            long mj = nvml.totalEnergyMj(gpu.handle, gpu.id());
            return OptionalLong.of(Math.multiplyExact(mj, 1000L));
        } catch (NvmlException e) {
            if (e.unsupported()) {
                gpu.energy = false;
                log.info("NVML {} ({}) has no energy counter ({}): publishing power only",
                        gpu.id(), gpu.info.name(), e.getMessage());
            } else {
                errors.add(e);
            }
        } catch (ArithmeticException e) {
            errors.add(new NvmlException("nvmlDeviceGetTotalEnergyConsumption", gpu.id(),
                    NvmlLibrary.NVML_ERROR_UNKNOWN, "counter overflows µJ"));
        }
        return OptionalLong.empty();
    }

    private Power readPower(Gpu gpu, List<NvmlException> errors) {
        if (gpu.fields) {
            try {
                NvmlLibrary.FieldValue[] values = nvml.fieldValues(gpu.handle, gpu.id(),
                        NVML_FI_DEV_POWER_INSTANT, NVML_FI_DEV_POWER_AVERAGE);
                NvmlLibrary.FieldValue instant = values[0];
                NvmlLibrary.FieldValue average = values[1];
                if (usable(instant)) {
                    return new Power(instant.asDouble() / 1000.0, PowerKind.INSTANT,
                            "NVML_FI_DEV_POWER_INSTANT");
                }
                if (usable(average)) {
                    return new Power(average.asDouble() / 1000.0, PowerKind.WINDOW_AVERAGE,
                            "NVML_FI_DEV_POWER_AVERAGE");
                }
                if (unsupportedField(instant.nvmlReturn) && unsupportedField(average.nvmlReturn)) {
                    gpu.fields = false;
                    log.info("NVML {}: power fields not supported (INSTANT: {}, AVERAGE: {}); "
                            + "using nvmlDeviceGetPowerUsage", gpu.id(),
                            nvml.errorString(instant.nvmlReturn), nvml.errorString(average.nvmlReturn));
                } else {
                    log.debug("NVML {}: power fields failed this time (INSTANT: {}, AVERAGE: {})",
                            gpu.id(), instant.nvmlReturn, average.nvmlReturn);
                }
            } catch (NvmlException e) {
                if (e.unsupported()) {
                    gpu.fields = false;
                    log.info("NVML {}: {}; using nvmlDeviceGetPowerUsage", gpu.id(), e.getMessage());
                } else {
                    log.debug("NVML {}: {}", gpu.id(), e.getMessage());
                }
            }
        }
        if (gpu.usage) {
            try {
                long mw = nvml.powerUsageMw(gpu.handle, gpu.id());
                return new Power(mw / 1000.0, gpu.usageKind, "nvmlDeviceGetPowerUsage");
            } catch (NvmlException e) {
                if (e.unsupported()) {
                    gpu.usage = false;
                    log.info("NVML {} ({}) reports no power: {}", gpu.id(), gpu.info.name(), e.getMessage());
                } else {
                    errors.add(e);
                }
            }
        }
        return null;
    }

    private static boolean usable(NvmlLibrary.FieldValue v) {
        if (v.nvmlReturn != NVML_SUCCESS) {
            return false;
        }
        double mw = v.asDouble();
        return Double.isFinite(mw) && mw >= 0;
    }

    /** A driver that does not know a field id answers NOT_SUPPORTED or INVALID_ARGUMENT for it. */
    private static boolean unsupportedField(int rc) {
        return rc == NVML_ERROR_NOT_SUPPORTED || rc == NVML_ERROR_INVALID_ARGUMENT
                || rc == NVML_ERROR_FUNCTION_NOT_FOUND;
    }

    private GpuStatus status(Gpu gpu, Instant readTime) {
        OptionalInt utilGpu = OptionalInt.empty();
        OptionalInt utilMemory = OptionalInt.empty();
        OptionalLong memUsed = OptionalLong.empty();
        OptionalLong memTotal = OptionalLong.empty();
        OptionalInt temperature = OptionalInt.empty();
        OptionalInt smClock = OptionalInt.empty();
        if (!gpu.unsupported.contains(Metric.UTILIZATION)) {
            try {
                NvmlLibrary.Utilization u = nvml.utilization(gpu.handle, gpu.id());
                utilGpu = percent(u.gpu);
                utilMemory = percent(u.memory);
            } catch (NvmlException e) {
                unsupported(gpu, Metric.UTILIZATION, e);
            }
        }
        if (!gpu.unsupported.contains(Metric.MEMORY)) {
            try {
                NvmlLibrary.Memory m = nvml.memory(gpu.handle, gpu.id());
                memUsed = nonNegative(m.used);
                memTotal = nonNegative(m.total);
            } catch (NvmlException e) {
                unsupported(gpu, Metric.MEMORY, e);
            }
        }
        if (!gpu.unsupported.contains(Metric.TEMPERATURE)) {
            try {
                temperature = small(nvml.temperatureC(gpu.handle, gpu.id()));
            } catch (NvmlException e) {
                unsupported(gpu, Metric.TEMPERATURE, e);
            }
        }
        if (!gpu.unsupported.contains(Metric.SM_CLOCK)) {
            try {
                smClock = small(nvml.smClockMhz(gpu.handle, gpu.id()));
            } catch (NvmlException e) {
                unsupported(gpu, Metric.SM_CLOCK, e);
            }
        }
        return new GpuStatus(gpu.info, readTime, utilGpu, utilMemory, memUsed, memTotal, temperature,
                smClock);
    }

    private static void unsupported(Gpu gpu, Metric metric, NvmlException e) {
        if (e.unsupported()) {
            gpu.unsupported.add(metric);
            log.info("NVML {}: no {} ({})", gpu.id(), metric.name().toLowerCase(java.util.Locale.ROOT),
                    e.getMessage());
        } else {
            log.debug("NVML {}: {}", gpu.id(), e.getMessage());
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
