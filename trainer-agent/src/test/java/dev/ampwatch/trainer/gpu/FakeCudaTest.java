package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.trainer.data.Standardization;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import dev.ampwatch.trainer.quant.Int8Mlp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The fake libcuda ({@code src/test/c/fakecuda}) that the fake-cuda profile of trainer-agent/pom.xml runs the GPU
 * tests against: that they ran on it (so they did not pass by skipping), that it catches what a GPU would fault on,
 * and the backend's handling of driver errors only a fake can cause on demand: an old driver, an older GPU, no GPU
 * (the file {@code FAKE_CUDA_CONFIG} names, written for the test's duration). Run only by that profile's surefire
 * execution, with the fake on LD_LIBRARY_PATH and FAKE_CUDA_CONFIG set; disabled elsewhere (the smoke script's JUnit
 * run on a real GPU selects this package).
 */
@EnabledIfEnvironmentVariable(named = "FAKE_CUDA_CONFIG", matches = ".+")
class FakeCudaTest {
    /** The fake's settings file (trainer-agent/pom.xml sets the variable); absent: an sm_90 GPU and a CUDA 13.0 driver. */
    private static final Path CONFIG = Path.of(System.getenv("FAKE_CUDA_CONFIG"));

    /** Runs {@code body} with the fake playing {@code settings} ("key=value" lines), then back to the default. */
    private static void playing(String settings, ThrowingRunnable body) throws Exception {
        try {
            Files.writeString(CONFIG, settings + "\n");
            body.run();
        } finally {
            Files.deleteIfExists(CONFIG);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aDriverTooOldForThePtxIsNamedWithWhatItNeeds() throws Exception {
        playing("driver=11040", () -> {
            GpuProbe probe = GpuBackend.probe();
            assertThat(probe.available()).isFalse();
            assertThat(probe.reason()).contains("is PTX ISA 8.0, which needs a driver that supports CUDA 12.0 (R525 or newer);"
                    + " this driver supports CUDA 11.4: update the NVIDIA driver");
        });
        assertThat(GpuBackend.probe().available()).isTrue();
    }

    @Test
    void aDriverWithoutAGpuSaysSo() throws Exception {
        playing("devices=0", () -> assertThat(GpuBackend.probe().reason())
                .isEqualTo("no CUDA device (the NVIDIA driver is installed but cuInit found no GPU)"));
    }

    /** A Turing GPU (sm_75): FP32 and FP16 work, BF16 and TF32 are refused by name, no FP8, INT8 through dp4a. */
    @Test
    void aTuringGpuRunsWhatItCanAndSaysWhatItCannot() throws Exception {
        playing("cc=7.5", () -> {
            assertThat(GpuBackend.probe(Precision.FP32).available()).isTrue();
            assertThat(GpuBackend.probe(Precision.AMP_FP16).available()).isTrue();
            assertThat(GpuBackend.probe(Precision.AMP_BF16).reason())
                    .endsWith("amp-bf16 needs sm_80 or newer (BF16 tensor cores); this GPU is sm_75");
            assertThat(GpuBackend.probe(Precision.TF32).available()).isFalse();
            try (GpuBackend gpu = GpuBackend.open(0, Precision.FP32)) {
                assertThat(gpu.fp8Unavailable()).contains("needs sm_89");
                Random rnd = new Random(4);
                Int8Mlp q = Int8Mlp.quantize(GpuInt8Test.REAL, new Standardization(0, 1), GpuInt8Test.parameters(GpuInt8Test.REAL, rnd),
                        GpuInt8Test.data(784, 100, rnd));
                try (GpuInt8Mlp g = gpu.int8(q)) {
                    assertThat(g.tensorCores()).as("dp4a: no integer tensor cores before sm_80").isFalse();
                }
                assertThat(gpu.gemmKernels()).isEqualTo("WMMA (gemm_mma.ptx needs sm_80 or newer; " + gpu.deviceName() + " is sm_75)");
            }
        });
    }

    /** An A100 (sm_80): every training precision and the integer tensor cores, but no FP8. */
    @Test
    void anAmpereGpuHasNoFp8() throws Exception {
        playing("cc=8.0", () -> {
            for (Precision p : Precision.values()) {
                assertThat(GpuBackend.probe(p).available()).as(p.name()).isTrue();
            }
            try (GpuBackend gpu = GpuBackend.open(0, null)) {
                assertThat(gpu.fp8Unavailable()).isEqualTo("fp8.ptx needs sm_89 or newer; " + gpu.deviceName() + " is sm_80");
                assertThat(gpu.gemmKernels()).isEqualTo("mma.sync (gemm_mma.ptx)");
            }
        });
    }

    /**
     * The mma.sync GEMMs' pipeline on GPUs of less shared memory: an sm_86 (100 KB an SM) runs the 128 tiles in 2 stages
     * and the 64 tile in 3, an A100 all in 4, the fake's default sm_90 too; each passes the self-check, and a model
     * trains to the same bits on each (the stage count changes when tiles are copied, never the sums).
     */
    @Test
    void theMmaPipelineDepthFollowsTheGpusSharedMemoryAndChangesNoBits() throws Exception {
        ModelSpec spec = new ModelSpec(784, java.util.List.of(136), 10);
        Random rnd = new Random(5);
        float[] x = GpuTrainingParityTest.features(rnd, 200);
        int[] y = GpuTrainingParityTest.labels(rnd, 200);
        java.util.Map<String, Double> losses = new java.util.TreeMap<>();
        GemmSelfCheck.forget();
        try {
            for (String[] gpu : new String[][] {{"8.6", "2", "3"}, {"8.0", "4", "4"}, {"9.0", "4", "4"}}) {
                GemmSelfCheck.forget();
                playing("cc=" + gpu[0], () -> {
                    try (CudaDevice dev = CudaDevice.open(0)) {
                        assertThat(dev.gemmFamily()).as("sm %s: %s", gpu[0], dev.missing(PtxModule.GEMM_MMA))
                                .isEqualTo(KernelLaunch.GemmFamily.MMA);
                        for (Precision p : KernelLaunch.MMA_PRECISIONS) {
                            for (GemmOp op : GemmOp.values()) {
                                assertThat(MmaStages.stages(dev, KernelLaunch.MmaBlock.MMA128W4, p, op)).isEqualTo(Integer.parseInt(gpu[1]));
                                assertThat(MmaStages.stages(dev, KernelLaunch.MmaBlock.MMA128, p, op)).isEqualTo(Integer.parseInt(gpu[1]));
                                assertThat(MmaStages.stages(dev, KernelLaunch.MmaBlock.MMA64, p, op)).isEqualTo(Integer.parseInt(gpu[2]));
                            }
                        }
                    }
                    for (Precision p : java.util.List.of(Precision.AMP_BF16, Precision.TF32)) {
                        HyperParameters hyper = new HyperParameters(p, OptimizerKind.SGD_MOMENTUM, 0.05, 3, 1f, 2000);
                        try (GpuBackend backend = GpuBackend.open(0, p); var model = backend.createModel(spec, hyper)) {
                            double loss = model.trainStep(x, y, 200).loss() + model.trainStep(x, y, 200).loss();
                            Double before = losses.putIfAbsent(p.cliName(), loss);
                            if (before != null) {
                                assertThat(loss).as("%s on sm %s", p, gpu[0]).isEqualTo(before);
                            }
                        }
                    }
                });
            }
        } finally {
            GemmSelfCheck.forget();
        }
    }

    /**
     * A GPU whose mma.m16n8k16 does not take the fragments as the kernels lay them out (the fake swaps B's registers):
     * the self-check at open catches it, naming the kernel and a value, and FP16 trains on the WMMA GEMMs, to the
     * same model as where WMMA was chosen outright.
     */
    @Test
    void aGpuOnWhichTheMmaGemmsAreWrongTrainsOnWmma() throws Exception {
        ModelSpec spec = new ModelSpec(784, java.util.List.of(64), 10);
        HyperParameters hyper = new HyperParameters(Precision.AMP_FP16, OptimizerKind.SGD_MOMENTUM, 0.05, 3, 1024f, 2000);
        Random rnd = new Random(9);
        float[] x = new float[32 * 784];
        int[] y = new int[32];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = rnd.nextInt(10);
        }
        GemmSelfCheck.forget();
        try {
            double[] fallback = new double[1];
            playing("mma16=broken", () -> {
                try (GpuBackend gpu = GpuBackend.open(0, Precision.AMP_FP16); var model = gpu.createModel(spec, hyper)) {
                    assertThat(gpu.gemmKernels()).startsWith("WMMA (its self-check failed: gemm_f16_mma64_nn on 136x200x344 in 2"
                            + " slices: C[0][0] = ");
                    fallback[0] = model.trainStep(x, y, 32).loss() + model.trainStep(x, y, 32).loss();
                }
            });
            GemmSelfCheck.forget();
            playing("", () -> {
                System.setProperty("ampwatch.gpu.gemm", "wmma");
                try (GpuBackend gpu = GpuBackend.open(0, Precision.AMP_FP16); var model = gpu.createModel(spec, hyper)) {
                    assertThat(gpu.gemmKernels()).isEqualTo("WMMA (not used: -Dampwatch.gpu.gemm=wmma (or AMPWATCH_GPU_GEMM=wmma))");
                    assertThat(model.trainStep(x, y, 32).loss() + model.trainStep(x, y, 32).loss()).isEqualTo(fallback[0]);
                } finally {
                    System.clearProperty("ampwatch.gpu.gemm");
                }
            });
        } finally {
            GemmSelfCheck.forget();
        }
    }

    @Test
    void theGpuTestsRunOnTheFakeDeviceWithEveryModuleLoaded() throws Exception {
        GpuProbe probe = GpuBackend.probe();
        assertThat(probe.available()).as(probe.reason()).isTrue();
        assertThat(probe.deviceName()).startsWith(GpuRequirement.FAKE_DEVICE);
        assertThat(GpuRequirement.emulated()).isTrue();
        try (CudaDevice dev = CudaDevice.open(0)) {
            assertThat(dev.capability).isEqualTo(new ComputeCapability(9, 0));
            for (PtxModule m : PtxModule.values()) {
                assertThat(dev.missing(m)).as(m.fileName()).isNull();
                for (String kernel : m.kernels()) {
                    assertThat(dev.hasKernel(kernel)).as(kernel).isTrue();
                }
            }
        }
        for (Precision p : Precision.values()) {
            assertThat(GpuBackend.probe(p).available()).as(p.name()).isTrue();
        }
    }

    /**
     * A kernel that writes past its buffer faults. As on a GPU the fault surfaces at the next copy, without the
     * kernel's name; with {@code -Dampwatch.gpu.debugSync=true} the launch itself fails, naming the kernel and its grid.
     */
    @Test
    void aKernelWritingPastItsBufferFaultsAndDebugSyncNamesIt() throws Exception {
        try (CudaDevice dev = CudaDevice.open(0)) {
            CUdeviceptr v = dev.alloc(16 * 4); // zero-filled: relu_forward writes 0 over every value that is not > 0
            try {
                dev.launch(KernelLaunch.elementwise("relu_forward", 16), v, 16);
                dev.synchronize();
                dev.launch(KernelLaunch.elementwise("relu_forward", 20), v, 20); // queued: no error yet
                float[] back = new float[16];
                assertThatThrownBy(() -> dev.download(back, v, 16))
                        .isInstanceOf(GpuException.class)
                        .hasMessageStartingWith("cuMemcpyDtoH on " + dev.name + " failed: CUDA_ERROR_ILLEGAL_ADDRESS");
                dev.download(back, v, 16); // the fake's context is usable again (a GPU's would not be)
                assertThat(back).containsOnly(0f);
            } finally {
                dev.free(v);
            }
        }
        System.setProperty("ampwatch.gpu.debugSync", "true");
        try (CudaDevice dev = CudaDevice.open(0)) {
            CUdeviceptr v = dev.alloc(16 * 4);
            try {
                assertThatThrownBy(() -> dev.launch(KernelLaunch.elementwise("relu_forward", 20), v, 20))
                        .isInstanceOf(GpuException.class)
                        .hasMessage("kernel relu_forward (grid 1x1x1, block 256) failed on " + dev.name
                                + ": CUDA_ERROR_ILLEGAL_ADDRESS (found by ampwatch.gpu.debugSync)");
            } finally {
                dev.free(v);
            }
        } finally {
            System.clearProperty("ampwatch.gpu.debugSync");
        }
    }

    @Test
    void aCopyDuringAGraphCaptureFailsAndTheStreamCapturesAgainAfterwards() throws Exception {
        try (CudaDevice dev = CudaDevice.open(0); StepGraphs graphs = new StepGraphs(dev)) {
            CUdeviceptr v = dev.alloc(8 * 4);
            try {
                float[] minus = {-1, -2, 3, -4, 5, 6, -7, 8};
                assertThatThrownBy(() -> graphs.run(8, 1f, false, () -> dev.upload(v, minus, 8)))
                        .isInstanceOf(GpuException.class)
                        .hasMessageContaining("cuMemcpyHtoD")
                        .hasMessageContaining("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED");
                assertThat(graphs.captures()).isZero();

                dev.upload(v, minus, 8); // outside a capture: fine
                graphs.run(8, 1f, false, () -> dev.launch(KernelLaunch.elementwise("relu_forward", 8), v, 8));
                graphs.run(8, 1f, false, () -> {
                    throw new AssertionError("a replay must not record again");
                });
                float[] back = new float[8];
                dev.download(back, v, 8);
                assertThat(back).containsExactly(0, 0, 3, 0, 5, 6, 0, 8);
                assertThat(graphs.captures()).isEqualTo(1);
            } finally {
                dev.free(v);
            }
        }
    }

    @Test
    void aLaunchWithAnArgumentThatIsNotDeviceMemoryIsRefused() throws Exception {
        try (CudaDevice dev = CudaDevice.open(0)) {
            CUdeviceptr v = dev.alloc(64);
            try {
                CUdeviceptr wild = v.withByteOffset(1L << 40);
                assertThatThrownBy(() -> dev.launch(KernelLaunch.elementwise("relu_forward", 4), wild, 4))
                        .isInstanceOf(GpuException.class)
                        .hasMessageContaining("CUDA_ERROR_INVALID_VALUE");
            } finally {
                dev.free(v);
            }
        }
    }
}
