package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.trainer.precision.Precision;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

/**
 * The fake libcuda ({@code src/test/c/fakecuda}) that the fake-cuda profile of trainer-agent/pom.xml runs the GPU
 * tests against: that they ran on it (so they did not pass by skipping), that it catches what a GPU would fault on,
 * and the backend's handling of driver errors only a fake can cause on demand. Run only by that profile's surefire
 * execution, with the fake on LD_LIBRARY_PATH.
 */
class FakeCudaTest {

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

    @Test
    void aKernelWritingPastItsBufferFailsItsLaunchByName() throws Exception {
        try (CudaDevice dev = CudaDevice.open(0)) {
            CUdeviceptr v = dev.alloc(16 * 4); // zero-filled: relu_forward writes 0 over every value that is not > 0
            try {
                dev.launch(KernelLaunch.elementwise("relu_forward", 16), v, 16);
                dev.synchronize();
                assertThatThrownBy(() -> dev.launch(KernelLaunch.elementwise("relu_forward", 20), v, 20))
                        .isInstanceOf(GpuException.class)
                        .hasMessageContaining("cuLaunchKernel(relu_forward)")
                        .hasMessageContaining("CUDA_ERROR_ILLEGAL_ADDRESS");
                float[] back = new float[16];
                dev.download(back, v, 16); // the device is usable again
                assertThat(back).containsOnly(0f);
            } finally {
                dev.free(v);
            }
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
