package dev.ampwatch.power.nvml;

import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_ERROR_FUNCTION_NOT_FOUND;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_ERROR_INVALID_ARGUMENT;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_ERROR_NOT_SUPPORTED;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_FI_DEV_POWER_AVERAGE;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_FI_DEV_POWER_INSTANT;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_SUCCESS;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.sampling.RateLimitedLog;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one GPU's energy counter and power, and labels the power (see {@link NvmlSession}). What
 * the GPU does not support is learned on the first reads and not asked again. Not thread-safe.
 */
final class GpuPowerReader {

    /** Logs under NvmlSession, as before this class was split out of it. */
    private static final Logger log = LoggerFactory.getLogger(NvmlSession.class);
    /** Indexes into {@link #powerFields}. */
    private static final int INSTANT = 0;
    private static final int AVERAGE = 1;

    private final Nvml nvml;
    private final GpuInfo info;
    private final Pointer handle;
    private final PowerKind usageKind;
    private final RateLimitedLog warnings;
    /** Native buffers reused every read. */
    private final LongByReference energyMj = new LongByReference();
    private final FieldValues powerFields = new FieldValues(NVML_FI_DEV_POWER_INSTANT, NVML_FI_DEV_POWER_AVERAGE);
    private boolean energy = true;
    private boolean fields = true;
    private boolean usage = true;
    private boolean reportedNothing;
    private String powerFrom;

    private record Power(double watts, PowerKind kind, String from) { }

    GpuPowerReader(Nvml nvml, GpuInfo info, Pointer handle, RateLimitedLog warnings) {
        this.nvml = nvml;
        this.info = info;
        this.handle = handle;
        this.usageKind = GpuArchitecture.usageKind(info.architecture(), info.name());
        this.warnings = warnings;
    }

    private String id() {
        return info.device();
    }

    /** One GPU's reading; null when it reports neither energy nor power. */
    PowerReading read(Instant readTime) throws NvmlException {
        List<NvmlException> errors = new ArrayList<>(2);
        OptionalLong energyUj = readEnergy(errors);
        Power power = readPower(errors);
        if (power != null && !power.from.equals(powerFrom)) {
            log.info("NVML {}: power from {} ({}){}", id(), power.from, power.kind,
                    energy ? ", and the energy counter" : "");
            powerFrom = power.from;
        }
        if (energyUj.isEmpty() && power == null) {
            if (!errors.isEmpty()) {
                throw errors.get(0);
            }
            if (!reportedNothing) {
                reportedNothing = true;
                log.warn("NVML {} ({}) reports neither an energy counter nor power: not published",
                        id(), info.name());
            }
            return null;
        }
        if (!errors.isEmpty()) {
            warnings.warn("nvml/" + id() + "/partial", null, "NVML {}: published a partial reading: {}",
                    id(), errors.get(0).getMessage());
        }
        return new PowerReading(Component.GPU, id(), readTime,
                power == null ? OptionalDouble.empty() : OptionalDouble.of(power.watts),
                power == null ? PowerKind.UNKNOWN : power.kind,
                power != null && power.kind == PowerKind.WINDOW_AVERAGE
                        ? OptionalInt.of(NvmlSession.AVERAGE_WINDOW_MS) : OptionalInt.empty(),
                energyUj, OptionalLong.empty());
    }

    private OptionalLong readEnergy(List<NvmlException> errors) {
        if (!energy) {
            return OptionalLong.empty();
        }
        try {
            long mj = nvml.totalEnergyMj(handle, id(), energyMj);
            return OptionalLong.of(Math.multiplyExact(mj, 1000L));
        } catch (NvmlException e) {
            if (e.unsupported()) {
                energy = false;
                log.info("NVML {} ({}) has no energy counter ({}): publishing power only",
                        id(), info.name(), e.getMessage());
            } else {
                errors.add(e);
            }
        } catch (ArithmeticException e) {
            errors.add(new NvmlException("nvmlDeviceGetTotalEnergyConsumption", id(),
                    NvmlLibrary.NVML_ERROR_UNKNOWN, "counter overflows µJ"));
        }
        return OptionalLong.empty();
    }

    private Power readPower(List<NvmlException> errors) {
        if (fields) {
            Power fromFields = readPowerFields();
            if (fromFields != null) {
                return fromFields;
            }
        }
        if (usage) {
            try {
                long mw = nvml.powerUsageMw(handle, id());
                return new Power(mw / 1000.0, usageKind, "nvmlDeviceGetPowerUsage");
            } catch (NvmlException e) {
                if (e.unsupported()) {
                    usage = false;
                    log.info("NVML {} ({}) reports no power: {}", id(), info.name(), e.getMessage());
                } else {
                    errors.add(e);
                }
            }
        }
        return null;
    }

    /** Power from field INSTANT, else AVERAGE; null when neither answers (this time, or ever). */
    private Power readPowerFields() {
        try {
            nvml.fieldValues(handle, id(), powerFields);
            if (usable(powerFields, INSTANT)) {
                return new Power(powerFields.asDouble(INSTANT) / 1000.0, PowerKind.INSTANT, "NVML_FI_DEV_POWER_INSTANT");
            }
            if (usable(powerFields, AVERAGE)) {
                return new Power(powerFields.asDouble(AVERAGE) / 1000.0, PowerKind.WINDOW_AVERAGE,
                        "NVML_FI_DEV_POWER_AVERAGE");
            }
            int instant = powerFields.nvmlReturn(INSTANT);
            int average = powerFields.nvmlReturn(AVERAGE);
            if (unsupportedField(instant) && unsupportedField(average)) {
                fields = false;
                log.info("NVML {}: power fields not supported (INSTANT: {}, AVERAGE: {}); "
                        + "using nvmlDeviceGetPowerUsage", id(), nvml.errorString(instant), nvml.errorString(average));
            } else {
                log.debug("NVML {}: power fields failed this time (INSTANT: {}, AVERAGE: {})", id(), instant, average);
            }
        } catch (NvmlException e) {
            if (e.unsupported()) {
                fields = false;
                log.info("NVML {}: {}; using nvmlDeviceGetPowerUsage", id(), e.getMessage());
            } else {
                log.debug("NVML {}: {}", id(), e.getMessage());
            }
        }
        return null;
    }

    private static boolean usable(FieldValues values, int i) {
        if (values.nvmlReturn(i) != NVML_SUCCESS) {
            return false;
        }
        double mw = values.asDouble(i);
        return Double.isFinite(mw) && mw >= 0;
    }

    /** A driver that does not know a field id answers NOT_SUPPORTED or INVALID_ARGUMENT for it. */
    private static boolean unsupportedField(int rc) {
        return rc == NVML_ERROR_NOT_SUPPORTED || rc == NVML_ERROR_INVALID_ARGUMENT
                || rc == NVML_ERROR_FUNCTION_NOT_FOUND;
    }
}
