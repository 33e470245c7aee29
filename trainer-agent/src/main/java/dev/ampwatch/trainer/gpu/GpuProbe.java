package dev.ampwatch.trainer.gpu;

import java.util.Objects;

/**
 * Whether the GPU backend works here, and if so on what; if not, why not.
 *
 * @param available whether a {@link GpuBackend} can be opened (and the precision asked about runs)
 * @param reason why not, phrased for the user; empty when available
 * @param ordinal CUDA device ordinal probed
 * @param deviceName the GPU's name (cuDeviceGetName); empty when none was found
 * @param capability its compute capability; null when none was found
 * @param driverVersion the driver's CUDA version (cuDriverGetVersion, e.g. 13000); 0 when unknown
 */
public record GpuProbe(boolean available, String reason, int ordinal, String deviceName, ComputeCapability capability,
        int driverVersion) {
    public GpuProbe {
        Objects.requireNonNull(reason);
        Objects.requireNonNull(deviceName);
    }

    static GpuProbe unavailable(int ordinal, String reason) {
        return new GpuProbe(false, reason, ordinal, "", null, 0);
    }

    /** e.g. "NVIDIA H100 80GB HBM3 (sm_90, driver CUDA 13.0, PTX kernels)"; or the reason. */
    public String summary() {
        if (!available) {
            return reason;
        }
        return deviceName + " (" + capability + ", driver CUDA " + DriverSupport.cudaVersion(driverVersion) + ", PTX kernels)";
    }
}
