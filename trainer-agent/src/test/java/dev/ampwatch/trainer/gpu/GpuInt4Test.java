package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.trainer.data.Standardization;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.precision.Precision;
import dev.ampwatch.trainer.quant.Int4Mlp;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * W4A8 on the GPU ({@code gemm_s4_dp4a}): the packed nibbles widened in shared memory, a group's int32 sums scaled
 * and added per k-tile, bias and ReLU in the kernel, must give {@link Int4Mlp}'s logits bit for bit; the integer
 * sums are exact and the float steps round alike, so no tolerance hides a packing, group or tiling mistake. Shapes:
 * the demo model (784 inputs: 12 whole groups and a partial one; 256 and 128: whole groups) at batch 1, 7 and 1,000
 * (many row tiles), one whose every width is under a group and not a multiple of 4 (37-19-23-10), and a CNN (groups
 * along each convolution's patch). Runs where a GPU works; skipped elsewhere, failed with
 * {@code -Dampwatch.requireGpu=true}.
 */
@EnabledIf("dev.ampwatch.trainer.gpu.GpuParityTest#gpuWorks")
class GpuInt4Test {
    @ParameterizedTest(name = "784-256-128-10, batch {0}")
    @ValueSource(ints = {1, 7, 1000})
    void int4LogitsEqualTheCpusBitForBit(int batch) throws Exception {
        compare(GpuInt8Test.REAL, batch);
    }

    @Test
    void widthsUnderAGroupArePaddedCorrectly() throws Exception {
        compare(GpuInt8Test.RAGGED, 65);
    }

    @ParameterizedTest(name = "CNN, batch {0}")
    @ValueSource(ints = {1, 40})
    void aCnnsInt4LogitsEqualTheCpusBitForBit(int batch) throws Exception {
        compare(GpuConvParityTest.CNN, batch);
    }

    private static void compare(ModelSpec spec, int batch) throws Exception {
        GpuRequirement.assumeBackend(Precision.FP32);
        Random rnd = new Random(spec.inputs() * 17L + batch);
        Standardization input = new Standardization(0.3, 0.4);
        Int4Mlp q = Int4Mlp.quantize(spec, input, GpuInt8Test.parameters(spec, rnd), GpuInt8Test.data(spec.inputs(), 500, rnd));
        float[] raw = GpuInt8Test.data(spec.inputs(), batch, rnd).features();
        float[] expected = q.logits(raw, batch);
        float[] standardized = new float[raw.length];
        input.apply(raw, 0, standardized, 0, raw.length);
        try (GpuBackend gpu = GpuBackend.open(0, null); GpuInt4Mlp g = gpu.int4(q)) {
            float[] actual = new float[batch * spec.classes()];
            g.logits(standardized, batch, actual);
            assertThat(actual).as("GPU W4A8 logits vs the CPU's").containsExactly(expected);
            float[] again = new float[actual.length];
            g.logits(standardized, batch, again); // the buffers reused: nothing left over from the first call
            assertThat(again).containsExactly(expected);
        }
    }

    @Test
    void refusesGroupsTheKernelDoesNotTake() throws Exception {
        GpuRequirement.assumeBackend(Precision.FP32);
        Random rnd = new Random(5);
        ModelSpec spec = GpuInt8Test.RAGGED;
        Int4Mlp q = Int4Mlp.quantize(spec, new Standardization(0.3, 0.4), GpuInt8Test.parameters(spec, rnd),
                GpuInt8Test.data(spec.inputs(), 20, rnd), 32);
        try (GpuBackend gpu = GpuBackend.open(0, null)) {
            assertThatThrownBy(() -> gpu.int4(q)).hasMessageContaining("groups of 64 inputs, not 32");
        }
    }
}
