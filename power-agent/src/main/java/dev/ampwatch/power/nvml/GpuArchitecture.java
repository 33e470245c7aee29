package dev.ampwatch.power.nvml;

import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_DEVICE_ARCH_AMPERE;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_DEVICE_ARCH_KEPLER;
import static dev.ampwatch.power.nvml.NvmlLibrary.NVML_DEVICE_ARCH_UNKNOWN;

import com.sun.jna.Pointer;
import dev.ampwatch.schema.PowerKind;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a GPU's architecture says: its name, and what {@code nvmlDeviceGetPowerUsage} returns on it. */
final class GpuArchitecture {

    /** Logs under NvmlSession, as before this class was split out of it. */
    private static final Logger log = LoggerFactory.getLogger(NvmlSession.class);

    /** GA100 products (A100, A800, A30): Ampere, but nvmlDeviceGetPowerUsage is instantaneous. */
    private static final Pattern GA100 = Pattern.compile("\\bA(100|800|30)(?![0-9])");

    private GpuArchitecture() {}

    /** The GPU's architecture; empty (logged) when NVML cannot tell. */
    static OptionalInt of(Nvml nvml, Pointer handle, String device) {
        try {
            return OptionalInt.of(nvml.architecture(handle, device));
        } catch (NvmlException e) {
            log.info("NVML {}: architecture unknown ({})", device, e.getMessage());
            return OptionalInt.empty();
        }
    }

    static String name(OptionalInt arch) {
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
}
