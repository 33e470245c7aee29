package dev.ampwatch.trainer.gpu;

import jcuda.driver.CUresult;

/**
 * Which NVIDIA driver loads a PTX module of a given ISA, and what to tell the user when this one does not: checked
 * before each module is loaded (CudaDevice), and named when the driver refuses one anyway (JitLoad).
 */
final class DriverSupport {
    private DriverSupport() {
    }

    /** Why cuModuleLoadData refused a PTX module, with what to do about it. */
    static String moduleLoadFailure(String file, int result, String isa, int driverVersion) {
        String base = "loading " + file + " failed: " + CUresult.stringFor(result);
        if (result == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
            return base + " (the kernels are PTX ISA " + isa + ", newer than this driver, which supports CUDA "
                    + cudaVersion(driverVersion) + "; update the NVIDIA driver or build with an nvcc no newer than the driver)";
        }
        return base;
    }

    /**
     * Why this driver cannot load a module of that PTX ISA, said before trying; null when it can or when the
     * ISA is not one this table knows (the load then says what the driver says).
     */
    static String driverTooOld(String file, String isa, int driverVersion) {
        int needed = cudaFor(isa);
        if (needed < 0 || driverVersion >= needed) {
            return null;
        }
        return file + " is PTX ISA " + isa + ", which needs a driver that supports CUDA " + cudaVersion(needed)
                + (needed == 12000 ? " (R525 or newer)" : needed == 13000 ? " (R580 or newer)" : "")
                + "; this driver supports CUDA " + cudaVersion(driverVersion) + ": update the NVIDIA driver";
    }

    /**
     * The first CUDA version whose driver loads PTX of that ISA (the PTX ISA release notes): 7.n with CUDA
     * 11.n, 8.0-8.5 with 12.0-12.5, 8.6 with 12.7, 8.7 with 12.8, 8.8 with 12.9, 9.0 with 13.0; -1 if unknown.
     */
    static int cudaFor(String isa) {
        String[] parts = isa == null ? new String[0] : isa.trim().split("\\.");
        if (parts.length != 2) {
            return -1;
        }
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = Integer.parseInt(parts[1]);
            return switch (major) {
                case 7 -> minor <= 8 ? 11000 + 10 * minor : -1;
                case 8 -> minor <= 5 ? 12000 + 10 * minor : minor <= 8 ? 12010 + 10 * minor : -1;
                case 9 -> minor == 0 ? 13000 : -1;
                default -> -1;
            };
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** {@code 13000} as "13.0", {@code 12080} as "12.8". */
    static String cudaVersion(int driverVersion) {
        return driverVersion / 1000 + "." + (driverVersion % 1000) / 10;
    }
}
