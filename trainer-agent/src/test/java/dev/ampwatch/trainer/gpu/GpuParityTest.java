package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.trainer.backend.StepResult;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.HalfFloat;
import dev.ampwatch.trainer.precision.Precision;
import dev.ampwatch.trainer.precision.ReducedFloat;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Random;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The GPU backend against the CPU backend, the reference: same seed, same tiny model, same batches;
 * losses, skipped steps, master weights and predictions must agree. Runs only where a GPU works
 * ({@code GpuBackend.probe()}); skipped on CPU-only machines and in CI, failed instead with
 * {@code -Dampwatch.requireGpu=true} (a GPU session must not pass by skipping).
 *
 * <p>Tolerances: fp32 differs from the CPU only by FMA contraction and summation order in the GEMMs.
 * The reduced modes round the same inputs the same way (round to nearest even on both sides), but the
 * tensor cores' FP32 accumulation order differs from the CPU's, so an intermediate value can round to a
 * neighbouring FP16/BF16/TF32 value now and then; a small share of weights may then differ more.
 */
@EnabledIf("gpuWorks")
class GpuParityTest {
    private static final ModelSpec SPEC = new ModelSpec(37, List.of(19, 23), 10); // no dimension a multiple of 16
    private static final int ROWS = 13;
    private static final int STEPS = 3;

    /** Where no GPU works the class is skipped, unless -Dampwatch.requireGpu=true: then each test fails, saying why. */
    static boolean gpuWorks() {
        return GpuBackend.probe().available() || GpuRequirement.required();
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void oneToThreeStepsMatchTheCpuBackendWithSgdMomentum(Precision precision) throws Exception {
        compare(precision, OptimizerKind.SGD_MOMENTUM, 0.05);
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void oneToThreeStepsMatchTheCpuBackendWithAdam(Precision precision) throws Exception {
        compare(precision, OptimizerKind.ADAM, 0.001);
    }

    @Test
    void overflowSkipsTheStepAsOnTheCpu() throws Exception {
        // a huge initial scale overflows FP16 gradients at once: both backends skip and halve
        HyperParameters hyper = new HyperParameters(Precision.AMP_FP16, OptimizerKind.SGD_MOMENTUM, 0.05, 3, 0x1p40f, 2000);
        GpuRequirement.assumeBackend(Precision.AMP_FP16);
        try (CpuBackend cpu = new CpuBackend(1); GpuBackend gpu = GpuBackend.open(0, Precision.AMP_FP16);
                TrainableModel c = cpu.createModel(SPEC, hyper); TrainableModel g = gpu.createModel(SPEC, hyper)) {
            Random rnd = new Random(5);
            float[] x = features(rnd);
            int[] y = labels(rnd);
            StepResult rc = c.trainStep(x, y, ROWS);
            StepResult rg = g.trainStep(x, y, ROWS);
            assertThat(rg.applied()).isEqualTo(rc.applied()).isFalse();
            assertThat(g.lossScale()).isEqualTo(c.lossScale()).isEqualTo(0x1p39f);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"TF32", "AMP_FP16", "AMP_BF16"})
    void conversionKernelsRoundBitForBitAsTheCpu(Precision precision) throws Exception {
        GpuRequirement.assumeBackend(precision);
        float[] values = edgeValues();
        try (CudaDevice dev = CudaDevice.open(0)) {
            dev.makeCurrent();
            CUdeviceptr src = dev.alloc(4L * values.length);
            CUdeviceptr dst = dev.alloc(4L * values.length);
            CUdeviceptr flag = dev.alloc(4);
            try {
                dev.upload(src, values, values.length);
                String kernel = KernelLaunch.conversionKernel(precision);
                dev.launch(KernelLaunch.elementwise(kernel, values.length), src, dst, values.length, flag);
                int[] overflow = new int[1];
                dev.download(overflow, flag, 1);
                assertThat(overflow[0]).isEqualTo(1); // the inputs include inf and NaN
                if (precision == Precision.TF32) {
                    float[] out = new float[values.length];
                    dev.download(out, dst, out.length);
                    for (int i = 0; i < values.length; i++) {
                        assertThat(Float.floatToIntBits(out[i])).as("tf32(%s)", values[i])
                                .isEqualTo(Float.floatToIntBits(ReducedFloat.roundToTf32(values[i])));
                    }
                } else {
                    short[] out = new short[values.length];
                    dev.download(out, dst, out.length);
                    for (int i = 0; i < values.length; i++) {
                        if (Float.isNaN(values[i])) {
                            continue; // NaN payloads may differ; both are NaN
                        }
                        short expected = precision == Precision.AMP_FP16 ? HalfFloat.fromFloat(values[i])
                                : ReducedFloat.toBfloat16Bits(values[i]);
                        assertThat(out[i]).as("%s(%s)", precision, values[i]).isEqualTo(expected);
                    }
                }
            } finally {
                dev.free(src);
                dev.free(dst);
                dev.free(flag);
            }
        }
    }

    private static void compare(Precision precision, OptimizerKind optimizer, double lr) throws Exception {
        GpuRequirement.assumeBackend(precision);
        HyperParameters hyper = new HyperParameters(precision, optimizer, lr, 11, 1024f, 2000);
        boolean exactish = precision == Precision.FP32;
        double weightTolerance = exactish ? 2e-6 : 2e-5 + lr * 0.02;
        double allowedOutliers = exactish ? 0 : 0.01;
        try (CpuBackend cpu = new CpuBackend(1); GpuBackend gpu = GpuBackend.open(0, precision);
                TrainableModel c = cpu.createModel(SPEC, hyper); TrainableModel g = gpu.createModel(SPEC, hyper)) {
            GpuMlp gm = (GpuMlp) g;
            for (int l = 0; l < 3; l++) {
                assertThat(gm.weights(l)).as("initial weights of layer %d", l).containsExactly(cpuWeights(c, l));
            }
            Random rnd = new Random(99);
            for (int step = 1; step <= STEPS; step++) {
                float[] x = features(rnd);
                int[] y = labels(rnd);
                StepResult rc = c.trainStep(x, y, ROWS);
                StepResult rg = g.trainStep(x, y, ROWS);
                assertThat(rg.applied()).as("step %d applied", step).isEqualTo(rc.applied());
                assertThat(rg.loss()).as("step %d loss", step).isCloseTo(rc.loss(),
                        org.assertj.core.data.Offset.offset(exactish ? 1e-5 : 2e-3));
                assertThat(g.lossScale()).isEqualTo(c.lossScale());
                for (int l = 0; l < 3; l++) {
                    assertClose(cpuWeights(c, l), gm.weights(l), weightTolerance, allowedOutliers,
                            precision + " step " + step + " weights of layer " + l);
                    assertClose(cpuBias(c, l), gm.bias(l), weightTolerance, allowedOutliers,
                            precision + " step " + step + " bias of layer " + l);
                }
            }
            float[] x = features(rnd);
            int[] pc = new int[ROWS];
            int[] pg = new int[ROWS];
            c.predict(x, ROWS, pc);
            g.predict(x, ROWS, pg);
            int same = 0;
            for (int i = 0; i < ROWS; i++) {
                same += pc[i] == pg[i] ? 1 : 0;
            }
            assertThat(same).as("predictions agreeing").isGreaterThanOrEqualTo(exactish ? ROWS : ROWS - 1);
            g.synchronize();
        }
    }

    static void assertClose(float[] expected, float[] actual, double tolerance, double allowedFraction,
            String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        int outliers = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]);
            assertThat(Float.isFinite(actual[i])).as(what + " [" + i + "] finite").isTrue();
            if (d > tolerance) {
                outliers++;
                worst = Math.max(worst, d);
            }
        }
        assertThat(outliers).as(what + ": %d of %d values differ by more than %s (worst %s)", outliers,
                expected.length, tolerance, worst).isLessThanOrEqualTo((int) (allowedFraction * expected.length));
        assertThat(worst).as(what + " worst outlier").isLessThan(0.01);
    }

    private static float[] features(Random rnd) {
        float[] x = new float[ROWS * SPEC.inputs()];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat() < 0.3f ? 0f : rnd.nextFloat(); // image-like: non-negative, some blanks
        }
        return x;
    }

    private static int[] labels(Random rnd) {
        int[] y = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            y[i] = rnd.nextInt(SPEC.classes());
        }
        return y;
    }

    private static float[] edgeValues() {
        Random rnd = new Random(1);
        float[] v = new float[4096];
        float[] special = {0f, -0f, 1f, -1f, 65504f, 65519.99f, 65520f, 1e6f, -1e6f, 0x1p-14f, 0x1p-24f, 0x1p-25f,
                0x1.8p-25f, 0x1p-26f, 6.1e-5f, Float.MAX_VALUE, Float.MIN_VALUE, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NaN, 1.0009766f, 1.0004883f, 1.0014648f, 3.3895314e38f};
        System.arraycopy(special, 0, v, 0, special.length);
        for (int i = special.length; i < v.length; i++) {
            // random bit patterns over every exponent, and ties: low bits 1000...0
            int bits = rnd.nextInt();
            if (i % 3 == 0) {
                bits = (bits & ~0x1fff) | 0x1000;
            } else if (i % 3 == 1) {
                bits = (bits & ~0xffff) | 0x8000;
            }
            v[i] = Float.intBitsToFloat(bits);
        }
        return v;
    }

    /** The CPU model's master weights (CpuMlp.layers()[l].weights), read by reflection: the cpu package keeps them private. */
    static float[] cpuWeights(TrainableModel cpu, int layer) throws Exception {
        return cpuArray(cpu, layer, "weights");
    }

    static float[] cpuBias(TrainableModel cpu, int layer) throws Exception {
        return cpuArray(cpu, layer, "bias");
    }

    private static float[] cpuArray(TrainableModel cpu, int layer, String field) throws Exception {
        Method layers = cpu.getClass().getDeclaredMethod("layers");
        layers.setAccessible(true);
        Object dense = ((Object[]) layers.invoke(cpu))[layer];
        Field f = dense.getClass().getDeclaredField(field);
        f.setAccessible(true);
        return ((float[]) f.get(dense)).clone();
    }
}
