package dev.ampwatch.trainer.gpu;

import static dev.ampwatch.trainer.gpu.GpuParityTest.assertClose;
import static dev.ampwatch.trainer.gpu.GpuParityTest.cpuBias;
import static dev.ampwatch.trainer.gpu.GpuParityTest.cpuWeights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.trainer.backend.StepResult;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A regression's steps on the GPU (the {@code mse} kernel: loss and output gradient) against the CPU backend, as
 * {@link GpuParityTest} does for classifiers: one output, ragged layers, the batch size changing, each step from the
 * CPU's weights (GpuTrainingParityTest says why). Runs where a GPU works, or on the fake driver; failed instead of
 * skipped with {@code -Dampwatch.requireGpu=true}.
 */
@EnabledIf("dev.ampwatch.trainer.gpu.GpuParityTest#gpuWorks")
class GpuRegressionTest {
    private static final ModelSpec SPEC = new ModelSpec(23, List.of(17, 9), 1);
    private static final int[] BATCHES = {13, 7, 1, 13};

    @ParameterizedTest
    @EnumSource(Precision.class)
    void stepsMatchTheCpuBackend(Precision precision) throws Exception {
        GpuRequirement.assumeBackend(precision);
        HyperParameters hyper = new HyperParameters(precision, OptimizerKind.SGD_MOMENTUM, 0.05, 11, 1024f, 2000);
        boolean fp32 = precision == Precision.FP32;
        double tolerance = fp32 ? 2e-6 : 2e-5 + 0.05 * 0.02;
        try (CpuBackend cpu = new CpuBackend(1); GpuBackend gpu = GpuBackend.open(0, precision);
                TrainableModel c = cpu.createModel(SPEC, hyper); TrainableModel g = gpu.createModel(SPEC, hyper)) {
            Random rnd = new Random(5);
            for (int rows : BATCHES) {
                float[] x = new float[rows * SPEC.inputs()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) rnd.nextGaussian();
                }
                float[] t = new float[rows];
                for (int i = 0; i < rows; i++) {
                    t[i] = (float) rnd.nextGaussian();
                }
                StepResult rc = c.trainStep(x, t, rows);
                StepResult rg = g.trainStep(x, t, rows);
                assertThat(rg.applied()).as("%d rows applied", rows).isEqualTo(rc.applied());
                assertThat(rg.loss()).as("%s %d rows: mean squared error", precision, rows)
                        .isCloseTo(rc.loss(), org.assertj.core.data.Offset.offset(fp32 ? 1e-5 : 2e-3));
                for (int l = 0; l < 3; l++) {
                    assertClose(cpuWeights(c, l), ((GpuMlp) g).weights(l), tolerance, fp32 ? 0 : 0.01,
                            precision + " " + rows + " rows: weights of layer " + l);
                    assertClose(cpuBias(c, l), ((GpuMlp) g).bias(l), tolerance, fp32 ? 0 : 0.01,
                            precision + " " + rows + " rows: bias of layer " + l);
                }
                g.setParameters(c.parameters());
            }
            float[] x = new float[50 * SPEC.inputs()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            float[] oc = new float[50];
            float[] og = new float[50];
            c.logits(x, 50, oc);
            g.logits(x, 50, og);
            assertClose(oc, og, fp32 ? 1e-5 : 2e-2, fp32 ? 0 : 0.02, precision + " outputs of 50 rows");
        }
    }

    @Test
    void oneModelLearnsOneTask() throws Exception {
        GpuRequirement.assumeBackend(Precision.FP32);
        HyperParameters hyper = new HyperParameters(Precision.FP32, OptimizerKind.ADAM, 0.001, 1, 1f, 2000);
        try (GpuBackend gpu = GpuBackend.open(0, Precision.FP32); TrainableModel g = gpu.createModel(SPEC, hyper);
                TrainableModel classifier = gpu.createModel(new ModelSpec(23, List.of(8), 4), hyper)) {
            float[] x = new float[2 * 23];
            g.trainStep(x, new float[] {1f, 2f}, 2);
            assertThatThrownBy(() -> g.trainStep(x, new int[] {0, 0}, 2)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("one model learns one task");
            assertThatThrownBy(() -> classifier.trainStep(x, new float[] {1f, 2f}, 2))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("one output");
        }
    }
}
