package dev.ampwatch.trainer.gpu;

import static dev.ampwatch.trainer.gpu.GpuParityTest.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.trainer.backend.StepResult;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.cpu.Im2col;
import dev.ampwatch.trainer.model.ConvLayer;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.LayerShape;
import dev.ampwatch.trainer.model.ModelParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.util.List;
import java.util.Random;
import jcuda.driver.CUdeviceptr;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Convolutions on the GPU against the CPU: the {@code im2col} and {@code col2im} kernels bit for bit against
 * {@link Im2col} (a copy, and a gather in the same order with the same float additions), and a small CNN on
 * Fashion-MNIST's 28 x 28 shape trained in every precision with both optimizers, a changing batch size (the first
 * layer's 25,088 GEMM rows at batch 32 sum its bias gradient in 98 chunks) and {@code predict} on 500 rows. As in
 * {@link GpuTrainingParityTest} each step starts both backends from the CPU's weights. Runs where a GPU works;
 * skipped elsewhere, failed with {@code -Dampwatch.requireGpu=true} (benchmarks/gpu-smoke.sh).
 */
@EnabledIf("dev.ampwatch.trainer.gpu.GpuParityTest#gpuWorks")
class GpuConvParityTest {
    /** Strides 1 and 2, kernels 3 and 5 (paddings 1 and 2), channels 1 -> 8 -> 16 -> 16, then dense 784 -> 32 -> 10. */
    static final ModelSpec CNN = new ModelSpec(784, List.of(32), 10, ConvLayer.parseList("c8k3s1,c16k3s2,c16k5s2"));
    static final int[] BATCHES = {32, 7, 32, 1};

    @ParameterizedTest(name = "{0}")
    @MethodSource("convolutions")
    void im2colAndCol2imAreTheCpusBitForBit(LayerShape layer) throws Exception {
        GpuRequirement.assumeBackend(Precision.FP32);
        LayerShape.Conv g = layer.conv();
        int n = 5;
        Random rnd = new Random(layer.in() * 31L + layer.out());
        float[] x = gaussian(rnd, n * layer.inputsPerSample());
        float[] dcol = gaussian(rnd, n * layer.positions() * layer.in());
        float[] col = new float[dcol.length];
        float[] dx = new float[x.length];
        Im2col.forward(x, g, 0, n, col);
        Im2col.backward(dcol, g, 0, n, dx);
        try (CudaDevice dev = CudaDevice.open(0)) {
            dev.makeCurrent();
            CUdeviceptr dX = dev.alloc(4L * x.length);
            CUdeviceptr dCol = dev.alloc(4L * col.length);
            try {
                dev.upload(dX, x, x.length);
                dev.launch(KernelLaunch.elementwise("im2col", col.length), dX, dCol, n, g.height(), g.width(), g.channels(),
                        g.kernel(), g.stride(), g.padding(), g.outHeight(), g.outWidth());
                float[] gpuCol = new float[col.length];
                dev.download(gpuCol, dCol, col.length);
                assertThat(gpuCol).as("im2col of " + g).isEqualTo(col);
                dev.upload(dCol, dcol, dcol.length);
                dev.launch(KernelLaunch.elementwise("col2im", x.length), dCol, dX, n, g.height(), g.width(), g.channels(),
                        g.kernel(), g.stride(), g.padding(), g.outHeight(), g.outWidth());
                float[] gpuDx = new float[x.length];
                dev.download(gpuDx, dX, x.length);
                assertThat(gpuDx).as("col2im of " + g).isEqualTo(dx);
            } finally {
                dev.free(dX);
                dev.free(dCol);
            }
        }
    }

    static List<LayerShape> convolutions() {
        return CNN.layers().subList(0, 3);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.ampwatch.trainer.gpu.GpuTrainingParityTest#precisionsAndOptimizers")
    void aCnnTrainsAsOnTheCpu(Precision precision, OptimizerKind optimizer) throws Exception {
        GpuRequirement.assumeBackend(precision);
        boolean adam = optimizer == OptimizerKind.ADAM;
        HyperParameters hyper = new HyperParameters(precision, optimizer, adam ? 0.001 : 0.05, 9, 1024f, 2000);
        boolean fp32 = precision == Precision.FP32;
        double tolerance = fp32 ? 1e-5 : 2e-5 + 0.05 * 0.02;
        double allowed = adam ? 0.001 : fp32 ? 0 : 0.01; // Adam: see GpuTrainingParityTest
        try (CpuBackend cpu = new CpuBackend(1); GpuBackend gpu = GpuBackend.open(0, precision);
                TrainableModel c = cpu.createModel(CNN, hyper); TrainableModel g = gpu.createModel(CNN, hyper)) {
            Random rnd = new Random(4);
            for (int rows : BATCHES) {
                float[] x = GpuTrainingParityTest.features(rnd, rows);
                int[] y = GpuTrainingParityTest.labels(rnd, rows);
                StepResult rc = c.trainStep(x, y, rows);
                StepResult rg = g.trainStep(x, y, rows);
                assertThat(rg.applied()).as("%d rows applied", rows).isEqualTo(rc.applied());
                assertThat(rg.loss()).as("%d rows loss", rows).isCloseTo(rc.loss(), Offset.offset(fp32 ? 1e-5 : 2e-3));
                ModelParameters pc = c.parameters();
                ModelParameters pg = g.parameters();
                for (int l = 0; l < CNN.layers().size(); l++) {
                    String what = precision + " " + optimizer + " " + rows + " rows, layer " + l + " (" + CNN.layers().get(l) + ")";
                    assertClose(pc.weights().get(l), pg.weights().get(l), tolerance, allowed, what + ": weights");
                    assertClose(pc.biases().get(l), pg.biases().get(l), tolerance, adam ? 0.02 : allowed, what + ": bias");
                }
                g.setParameters(pc); // each step from the same weights: see GpuTrainingParityTest
            }
            assertThat(GpuTrainingParityTest.agreeingPredictions(c, g, GpuTrainingParityTest.features(rnd, 500), 500))
                    .as("of 500 predictions, agreeing").isGreaterThanOrEqualTo(fp32 ? 499 : 490);
        }
    }

    private static float[] gaussian(Random rnd, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
