package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.trainer.backend.StepResult;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.util.Random;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CUDA graphs ({@link StepGraphs}, {@code -Dampwatch.gpu.graphs=true}) replay the kernels a step would launch, in
 * the same order with the same arguments, so a model trained through graphs must equal one trained by launches bit
 * for bit: losses, skips, loss scales, weights, biases, predictions. The batch sizes start small and grow (the
 * buffers are reallocated: graphs recorded before must be dropped) and repeat (replays); amp-fp16 starts from a
 * scale that overflows, so each skipped step records a graph for the halved scale and the oldest are evicted.
 * Runs where a GPU works; skipped elsewhere, failed with {@code -Dampwatch.requireGpu=true}.
 */
@EnabledIf("dev.ampwatch.trainer.gpu.GpuParityTest#gpuWorks")
class GpuGraphTest {
    private static final int[] BATCHES = {7, 128, 100, 128, 1, 7};
    /**
     * The CNN's batches on the fake libcuda, whose CPU would take minutes over the ones above (2:22 min for the four
     * precisions at 32 rows): the same pattern of growing, shrinking and repeated sizes.
     */
    private static final int[] EMULATED_CNN_BATCHES = {3, 12, 9, 12, 1, 3};

    /** Every precision with the demo's MLP and with {@link GpuConvParityTest#CNN} (im2col, col2im, chunked bias sums). */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> models() {
        return java.util.Arrays.stream(Precision.values()).flatMap(p -> java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(p, "mlp"), org.junit.jupiter.params.provider.Arguments.of(p, "cnn")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("models")
    void graphStepsEqualLaunchedStepsBitForBit(Precision precision, String model) throws Exception {
        GpuRequirement.assumeBackend(precision);
        ModelSpec spec = model.equals("cnn") ? GpuConvParityTest.CNN : GpuTrainingParityTest.REAL;
        boolean small = model.equals("cnn") && GpuRequirement.emulated();
        int[] batches = small ? EMULATED_CNN_BATCHES : BATCHES;
        int predictRows = small ? 100 : 1000;
        boolean scaling = precision == Precision.AMP_FP16;
        HyperParameters hyper = new HyperParameters(precision, OptimizerKind.ADAM, 0.001, 7, scaling ? 0x1p40f : 1024f, 2);
        try (GpuBackend gpu = GpuBackend.open(0, precision); TrainableModel launched = gpu.createModel(spec, hyper)) {
            TrainableModel created;
            System.setProperty("ampwatch.gpu.graphs", "true");
            try {
                created = gpu.createModel(spec, hyper);
            } finally {
                System.clearProperty("ampwatch.gpu.graphs");
            }
            try (TrainableModel graphed = created) {
                Random rnd = new Random(11);
                int steps = scaling ? 48 : 24;
                for (int step = 0; step < steps; step++) {
                    int rows = batches[step % batches.length];
                    float[] x = GpuTrainingParityTest.features(rnd, rows);
                    int[] y = GpuTrainingParityTest.labels(rnd, rows);
                    StepResult a = launched.trainStep(x, y, rows);
                    StepResult b = graphed.trainStep(x, y, rows);
                    assertThat(b.loss()).as("step %d loss", step).isEqualTo(a.loss());
                    assertThat(b.applied()).as("step %d applied", step).isEqualTo(a.applied());
                    assertThat(graphed.lossScale()).as("step %d scale", step).isEqualTo(launched.lossScale());
                }
                for (int l = 0; l < spec.layers().size(); l++) { // isEqualTo on float arrays: bit for bit
                    assertThat(((GpuMlp) graphed).weights(l)).as("weights of layer %d", l).isEqualTo(((GpuMlp) launched).weights(l));
                    assertThat(((GpuMlp) graphed).bias(l)).as("bias of layer %d", l).isEqualTo(((GpuMlp) launched).bias(l));
                }
                float[] x = new float[predictRows * 784];
                for (int i = 0; i < x.length; i++) {
                    x[i] = rnd.nextFloat();
                }
                int[] pa = new int[predictRows];
                int[] pb = new int[predictRows];
                launched.predict(x, predictRows, pa);
                graphed.predict(x, predictRows, pb);
                assertThat(pb).isEqualTo(pa);
                assertThat(((GpuMlp) launched).graphCaptures()).isZero();
                if (scaling) { // a graph per batch size and scale: the scale moves with every skip and growth
                    assertThat(((GpuMlp) graphed).graphCaptures()).isBetween(5L, (long) steps);
                } else { // batch 7, then (after the buffers grew) 128, 100, 1 and 7 again: the rest are replays
                    assertThat(((GpuMlp) graphed).graphCaptures()).isEqualTo(5);
                }
            }
        }
    }
}
