package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;

/** What the GPU backend says when it cannot run; the reasons must be precise enough to act on. */
class GpuProbeTest {
    /** JCuda's loader message on a machine without the NVIDIA driver (abridged from a real one). */
    private static final String NO_DRIVER_MESSAGE = """
            Error while loading native library "JCudaDriver-12.6.0-linux-x86_64"
            Operating system name: Linux
            ---(start of nested stack traces)---
            Stack trace from the attempt to load the library as a file:
            java.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-x86_64 in java.library.path: /usr/lib
            Stack trace from the attempt to load the library as a resource:
            java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No such file or directory
            ---(end of nested stack traces)---
            """;

    @Test
    void withoutTheDriverTheProbeSaysLibcudaIsMissing() {
        assumeFalse(libcudaPresent(), "libcuda.so.1 is installed here");
        GpuProbe probe = GpuBackend.probe();
        assertThat(probe.available()).isFalse();
        assertThat(probe.reason()).isEqualTo("libcuda.so.1 not found (no NVIDIA driver installed)");
        assertThat(probe.summary()).isEqualTo(probe.reason());
        assertThat(probe.capability()).isNull();
        // asking again (the binding's static initializer has already failed) gives the same reason
        assertThat(GpuBackend.probe(Precision.AMP_BF16).reason()).isEqualTo(probe.reason());
        assertThatThrownBy(() -> GpuBackend.open(0, Precision.FP32))
                .isInstanceOf(GpuUnavailableException.class).hasMessage(probe.reason());
    }

    @Test
    void probeNeverThrowsAndAlwaysGivesAReasonWhenUnavailable() {
        for (Precision p : Precision.values()) {
            GpuProbe probe = GpuBackend.probe(p);
            if (!probe.available()) {
                assertThat(probe.reason()).isNotBlank();
            } else {
                assertThat(probe.capability().supports(p)).isTrue();
                assertThat(probe.summary()).contains(probe.deviceName()).contains("sm_");
            }
        }
    }

    @Test
    void missingDriverLibraryIsRecognisedInJCudasLoaderMessage() {
        assertThat(NativeLoad.classify(new UnsatisfiedLinkError(NO_DRIVER_MESSAGE)))
                .isEqualTo("libcuda.so.1 not found (no NVIDIA driver installed)");
    }

    @Test
    void otherLinkerFailuresQuoteTheLinkersLine() {
        String message = "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: /lib/libstdc++.so.6: "
                + "version `GLIBCXX_3.4.32' not found: undefined symbol: _ZNSt7__cxx11\n";
        assertThat(NativeLoad.classify(new UnsatisfiedLinkError(message)))
                .startsWith("JCuda's driver binding could not be loaded (")
                .endsWith("undefined symbol: _ZNSt7__cxx11");
        assertThat(NativeLoad.classify(new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver")))
                .isEqualTo("JCuda's driver binding failed to load earlier in this JVM");
    }

    @Test
    void aDriverTooOldForThePtxIsToldSo() {
        assertThat(DriverSupport.moduleLoadFailure("gemm_sm80.ptx", CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION, "9.0", 12080))
                .isEqualTo("loading gemm_sm80.ptx failed: CUDA_ERROR_UNSUPPORTED_PTX_VERSION (the kernels are PTX ISA 9.0,"
                        + " newer than this driver, which supports CUDA 12.8; update the NVIDIA driver or build with an"
                        + " nvcc no newer than the driver)");
        assertThat(DriverSupport.moduleLoadFailure("elementwise.ptx", CUresult.CUDA_ERROR_INVALID_PTX, "9.0", 13000))
                .isEqualTo("loading elementwise.ptx failed: CUDA_ERROR_INVALID_PTX");
        // the JIT compiler's error log (cuModuleLoadDataEx with CU_JIT_ERROR_LOG_BUFFER) is appended, on one line
        byte[] log = new byte[JitLoad.LOG_BYTES];
        byte[] text = "ptxas application ptx input, line 47; error   : Feature 'mma with FP8' requires .target sm_89\n"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.arraycopy(text, 0, log, 0, text.length);
        assertThat(JitLoad.log(log)).isEqualTo("ptxas application ptx input, line 47; error   : Feature 'mma with FP8' requires"
                + " .target sm_89");
        assertThat(JitLoad.failure("fp8.ptx", CUresult.CUDA_ERROR_INVALID_PTX, "8.4", 12080, JitLoad.log(log)))
                .isEqualTo("loading fp8.ptx failed: CUDA_ERROR_INVALID_PTX; the JIT compiler said: ptxas application ptx input,"
                        + " line 47; error   : Feature 'mma with FP8' requires .target sm_89");
        assertThat(JitLoad.failure("fp8.ptx", CUresult.CUDA_ERROR_INVALID_PTX, "8.4", 12080, JitLoad.log(new byte[8])))
                .isEqualTo("loading fp8.ptx failed: CUDA_ERROR_INVALID_PTX");
        assertThat(JitLoad.log(null)).isEmpty();
        assertThat(DriverSupport.cudaVersion(13000)).isEqualTo("13.0");
        assertThat(DriverSupport.cudaVersion(12080)).isEqualTo("12.8");
    }

    /** A driver too old for the kernels' PTX ISA is named before the load is tried, with what it needs. */
    @Test
    void aDriverTooOldForThePtxIsaIsToldWhatItNeeds() {
        assertThat(DriverSupport.cudaFor("8.0")).isEqualTo(12000);
        assertThat(DriverSupport.cudaFor("8.5")).isEqualTo(12050);
        assertThat(DriverSupport.cudaFor("8.7")).isEqualTo(12080);
        assertThat(DriverSupport.cudaFor("9.0")).isEqualTo(13000);
        assertThat(DriverSupport.cudaFor("7.8")).isEqualTo(11080);
        assertThat(DriverSupport.cudaFor("x")).isEqualTo(-1);
        assertThat(DriverSupport.driverTooOld("gemm_sm80.ptx", "8.0", 11040)).isEqualTo("gemm_sm80.ptx is PTX ISA 8.0, which needs a "
                + "driver that supports CUDA 12.0 (R525 or newer); this driver supports CUDA 11.4: update the NVIDIA driver");
        assertThat(DriverSupport.driverTooOld("gemm_sm80.ptx", "8.0", 12020)).isNull();
        assertThat(DriverSupport.driverTooOld("elementwise.ptx", "9.0", 12080)).contains("CUDA 13.0 (R580 or newer)");
        assertThat(DriverSupport.driverTooOld("elementwise.ptx", "10.1", 12080)).as("unknown ISA: the driver decides").isNull();
    }

    @Test
    void computeCapabilityRequirementsPerPrecision() {
        ComputeCapability turing = new ComputeCapability(7, 5);
        ComputeCapability volta = new ComputeCapability(7, 0);
        ComputeCapability hopper = new ComputeCapability(9, 0);
        assertThat(turing.supports(Precision.FP32)).isTrue();
        assertThat(turing.supports(Precision.AMP_FP16)).isTrue();
        assertThat(turing.supports(Precision.AMP_BF16)).isFalse();
        assertThat(turing.supports(Precision.TF32)).isFalse();
        assertThat(volta.supports(Precision.AMP_FP16)).isFalse(); // CUDA 13 builds no compute_70 PTX
        for (Precision p : Precision.values()) {
            assertThat(hopper.supports(p)).isTrue();
        }
        assertThat(turing.shortfall(Precision.AMP_BF16))
                .isEqualTo("amp-bf16 needs sm_80 or newer (BF16 tensor cores); this GPU is sm_75");
        assertThat(new ComputeCapability(8, 6)).hasToString("sm_86");
    }

    @Test
    void probeSummaryOfAnAvailableGpu() {
        GpuProbe p = new GpuProbe(true, "", 0, "NVIDIA H100 80GB HBM3", new ComputeCapability(9, 0), 13000);
        assertThat(p.summary()).isEqualTo("NVIDIA H100 80GB HBM3 (sm_90, driver CUDA 13.0, PTX kernels)");
    }

    /** Whether the dynamic linker could find libcuda.so.1 in the usual places. */
    static boolean libcudaPresent() {
        List<String> dirs = new ArrayList<>(List.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64",
                "/lib64", "/usr/lib", "/usr/lib/wsl/lib", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib",
                "/usr/lib/aarch64-linux-gnu"));
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            dirs.addAll(List.of(ld.split(":")));
        }
        for (String d : dirs) {
            if (!d.isEmpty() && Files.exists(Path.of(d, "libcuda.so.1"))) {
                return true;
            }
        }
        return false;
    }
}
