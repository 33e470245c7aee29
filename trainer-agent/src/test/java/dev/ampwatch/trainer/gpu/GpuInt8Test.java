package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.trainer.InferenceJob;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.LabeledData;
import dev.ampwatch.trainer.data.Standardization;
import dev.ampwatch.trainer.data.SyntheticData;
import dev.ampwatch.trainer.model.ModelFile;
import dev.ampwatch.trainer.model.ModelParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.quant.Int8Mlp;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * INT8 and the other inference precisions on the GPU. The INT8 path (quantize, the dp4a GEMM and, on sm_80 and
 * newer, the integer tensor-core GEMM, both with int32 accumulation,
 * dequantize with bias and ReLU) must give the CPU's {@link Int8Mlp} logits bit for bit: the integer sums are
 * exact in any order and the float steps round alike, so there is no tolerance to hide a tiling, padding or
 * transposition mistake in. Shapes: the demo model (784-256-128-10) at batch 1, 7, 256 and 1,000, and one whose
 * widths are not multiples of 4 or of a tile (37-19-23-10). Then an inference run per precision on the GPU.
 * Runs where a GPU works; skipped elsewhere, failed with {@code -Dampwatch.requireGpu=true}
 * (benchmarks/gpu-smoke.sh).
 */
@EnabledIf("dev.ampwatch.trainer.gpu.GpuParityTest#gpuWorks")
class GpuInt8Test {
    static final ModelSpec REAL = new ModelSpec(784, List.of(256, 128), 10);
    static final ModelSpec RAGGED = new ModelSpec(37, List.of(19, 23), 10);

    @ParameterizedTest(name = "784-256-128-10, batch {0}")
    @ValueSource(ints = {1, 7, 256, 1000})
    void int8LogitsEqualTheCpusBitForBit(int batch) throws Exception {
        compare(REAL, batch);
    }

    @Test
    void raggedWidthsAreTransposedAndPaddedCorrectly() throws Exception {
        compare(RAGGED, 65);
    }

    /** A CNN: each convolution's im2col patches quantized on the device, a GEMM row per output pixel. */
    @ParameterizedTest(name = "CNN c8k3s1,c16k3s2,c16k5s2-32-10, batch {0}")
    @ValueSource(ints = {1, 7, 40})
    void aCnnsInt8LogitsEqualTheCpusBitForBit(int batch) throws Exception {
        compare(GpuConvParityTest.CNN, batch);
    }

    private static void compare(ModelSpec spec, int batch) throws Exception {
        GpuRequirement.assumeBackend(dev.ampwatch.trainer.precision.Precision.FP32);
        Random rnd = new Random(spec.inputs() * 31L + batch);
        Int8Mlp q = Int8Mlp.quantize(spec, new Standardization(0.3, 0.4), parameters(spec, rnd), data(spec.inputs(), 500, rnd));
        float[] raw = data(spec.inputs(), batch, rnd).features();
        float[] expected = q.logits(raw, batch);
        float[] standardized = new float[raw.length];
        new Standardization(0.3, 0.4).apply(raw, 0, standardized, 0, raw.length);
        try (GpuBackend gpu = GpuBackend.open(0, null)) {
            for (boolean tensorCores : new boolean[] {false, true}) { // dp4a everywhere, the integer tensor cores on sm_80+
                if (tensorCores && !gpu.capability().supports(dev.ampwatch.trainer.precision.Precision.AMP_BF16)) {
                    continue;
                }
                float[] actual = new float[batch * spec.classes()];
                try (GpuInt8Mlp g = gpu.int8(q, tensorCores)) {
                    g.logits(standardized, batch, actual);
                }
                assertThat(actual).as("GPU INT8 logits (%s) vs the CPU's", tensorCores ? "mma" : "dp4a").containsExactly(expected);
            }
            try (GpuInt8Mlp auto = gpu.int8(q)) {
                assertThat(auto.tensorCores()).as("the tensor cores where there are some")
                        .isEqualTo(gpu.capability().supports(dev.ampwatch.trainer.precision.Precision.AMP_BF16));
            }
        }
    }

    /** Every inference precision runs on the GPU as an inference run of the GPU's device; INT8 and INT4 score as on the CPU. */
    @ParameterizedTest
    @ValueSource(strings = {"fp32", "fp16", "bf16", "int8", "int4"})
    void everyInferencePrecisionRunsOnTheGpu(String precision) throws Exception {
        GpuRequirement.assumeBackend(InferenceJob.backendPrecision(precision));
        Random rnd = new Random(3);
        Dataset data = SyntheticData.generate(600, 1000, 784, 10, 0.5f, 0.3f, 3);
        ModelFile.SavedModel model = new ModelFile.SavedModel(REAL, new Standardization(0.3, 0.4), parameters(REAL, rnd),
                Map.of("test", "GpuInt8Test"));
        InferenceJob.Options options = new InferenceJob.Options(precision, 256, 2, "gpu-" + precision, "exp", "h");
        List<TrainingEvent> events = new ArrayList<>();
        List<EpochMetrics> gpuPasses;
        try (GpuBackend gpu = GpuBackend.open(0, InferenceJob.backendPrecision(precision))) {
            gpuPasses = new InferenceJob(model, options, gpu, InstantSource.system(), events::add).run(data);
        }
        List<EpochMetrics> cpuPasses;
        try (CpuBackend cpu = new CpuBackend(2)) {
            cpuPasses = new InferenceJob(model, options, cpu, InstantSource.system(), e -> { }).run(data);
        }
        TrainingEvent start = events.get(0);
        assertThat(start.getKind()).isEqualTo(EventKind.RUN_STARTED);
        assertThat(start.getConfig().getBackend()).isEqualTo("jcuda");
        assertThat(start.getDevices()).containsExactly("gpu0");
        assertThat(gpuPasses).hasSize(2).allSatisfy(m -> assertThat(m.getSamples()).isEqualTo(1000));
        if (precision.startsWith("int")) { // integer sums, float steps rounded as the CPU's
            assertThat(gpuPasses.get(0).getLoss()).isEqualTo(cpuPasses.get(0).getLoss());
            assertThat(gpuPasses.get(0).getTestAccuracy()).isEqualTo(cpuPasses.get(0).getTestAccuracy());
        } else { // FMA contraction and tensor-core summation order: close, not equal
            assertThat(gpuPasses.get(0).getLoss()).isCloseTo(cpuPasses.get(0).getLoss(), within(1e-3));
            assertThat(gpuPasses.get(0).getTestAccuracy()).isCloseTo(cpuPasses.get(0).getTestAccuracy(), within(0.005));
        }
    }

    /** Weights of a trained model's magnitude (He-scaled normal), small biases; convolutions too. */
    static ModelParameters parameters(ModelSpec spec, Random rnd) {
        return dev.ampwatch.trainer.model.RandomParameters.of(spec, rnd);
    }

    /** Raw features in [0, 1), as the dataset holds them. */
    static LabeledData data(int features, int rows, Random rnd) {
        float[] x = new float[rows * features];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        return new LabeledData(x, new int[rows], features);
    }
}
