package dev.ampwatch.trainer.gpu;

import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataJIT;

import java.nio.charset.StandardCharsets;
import jcuda.Pointer;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JITOptions;

/**
 * Loads a PTX module through the driver's JIT with its error log ({@code cuModuleLoadDataEx},
 * {@code CU_JIT_ERROR_LOG_BUFFER}), so a module the JIT refuses is reported with what the JIT said, not only
 * {@code CUDA_ERROR_INVALID_PTX}. Should the options themselves be refused, the plain load is tried before giving up.
 * Stateless; the caller makes the context current.
 */
final class JitLoad {
    /** Bytes of the JIT compiler's error log kept when a module fails to load. */
    static final int LOG_BYTES = 16 * 1024;

    private JitLoad() {}

    static CUmodule module(String file, String ptx, int driverVersion) throws GpuUnavailableException {
        CUmodule module = new CUmodule();
        byte[] image = PtxModule.image(ptx);
        JITOptions jit = new JITOptions();
        jit.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, LOG_BYTES);
        jit.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[LOG_BYTES]);
        if (cuModuleLoadDataJIT(module, Pointer.to(image), jit) == CUresult.CUDA_SUCCESS) {
            return module;
        }
        String log = log(jit.getBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER));
        CUmodule plain = new CUmodule();
        int result = cuModuleLoadData(plain, image);
        if (result != CUresult.CUDA_SUCCESS) {
            throw new GpuUnavailableException(failure(file, result, PtxModule.isaVersion(ptx), driverVersion, log));
        }
        return plain;
    }

    /** The text of a JIT log buffer: up to its first NUL, trimmed, at most 2,000 characters. */
    static String log(byte[] buffer) {
        if (buffer == null) {
            return "";
        }
        int end = 0;
        while (end < buffer.length && buffer[end] != 0) {
            end++;
        }
        String log = new String(buffer, 0, end, StandardCharsets.UTF_8).strip();
        return log.length() > 2_000 ? log.substring(0, 2_000) + " ..." : log;
    }

    /** Why the module did not load, with what to do about it and what the JIT compiler logged. */
    static String failure(String file, int result, String isa, int driverVersion, String jitLog) {
        String reason = DriverSupport.moduleLoadFailure(file, result, isa, driverVersion);
        return jitLog == null || jitLog.isBlank() ? reason : reason + "; the JIT compiler said: " + jitLog.replace('\n', ' ');
    }
}
