package dev.ampwatch.power.nvml;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * One GPU as NVML enumerates it when the session opens. Immutable.
 *
 * @param index NVML's device index (PCI bus order; CUDA uses the same order only with {@code
 *     CUDA_DEVICE_ORDER=PCI_BUS_ID})
 * @param device the device id in records, {@code "gpu<index>"}
 * @param name the product name, e.g. {@code "NVIDIA H100 80GB HBM3"}
 * @param uuid the GPU's UUID, e.g. {@code "GPU-5c1a…"}, stable across reboots and index changes
 * @param architecture {@code nvmlDeviceArchitecture_t} ({@code NvmlLibrary.NVML_DEVICE_ARCH_*}),
 *     empty when the driver cannot say
 */
public record GpuInfo(int index, String device, String name, String uuid, OptionalInt architecture) {

    public GpuInfo {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(architecture, "architecture");
    }

    /** The device id NVML index {@code index} is published under. */
    public static String deviceId(int index) {
        return "gpu" + index;
    }
}
