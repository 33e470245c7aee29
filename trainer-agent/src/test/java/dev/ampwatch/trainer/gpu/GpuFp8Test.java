package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ampwatch.trainer.data.Standardization;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.precision.Fp8E4m3;
import dev.ampwatch.trainer.precision.Precision;
import dev.ampwatch.trainer.quant.Fp8Mlp;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FP8 (E4M3) inference. Without a GPU: the byte encoding of every E4M3 value and the transposed, padded weight
 * layout the kernels read. With a GPU that has FP8 tensor cores (sm_89 and newer; skipped on older ones, which
 * lack them, even with {@code -Dampwatch.requireGpu=true}): the GPU's logits against the CPU's {@link Fp8Mlp} on the
 * demo model and on ragged widths. The tensor cores add the products in their own order and precision, so the
 * comparison has a tolerance; the inputs of every product are the same E4M3 values on both sides.
 */
class GpuFp8Test {
    @Test
    void everyE4m3ValueEncodesToItsBits() {
        for (int code = 0; code < 0x7f; code++) { // 0x7f is NaN
            int e = code >> 3;
            int m = code & 7;
            float value = e == 0 ? m * 0x1p-9f : (1 + m / 8f) * Math.scalb(1f, e - 7);
            assertThat(Fp8E4m3.round(value)).as("code %d is an E4M3 value", code).isEqualTo(value);
            assertThat(GpuFp8Mlp.e4m3Bits(value)).as("code %d", code).isEqualTo((byte) code);
            if (code != 0) {
                assertThat(GpuFp8Mlp.e4m3Bits(-value)).isEqualTo((byte) (0x80 | code));
            }
        }
        assertThatThrownBy(() -> GpuFp8Mlp.e4m3Bits(0.3f)).hasMessageContaining("not an E4M3 value");
    }

    @Test
    void weightsAreTransposedAndPaddedToWholeKSteps() {
        var layer = new Fp8Mlp.Layer(3, 2, new float[] {1, 2, 0.5f, -1, 448, -0.015625f}, 1f, new float[2], 1f);
        byte[] t = GpuFp8Mlp.transposedPadded(layer);
        assertThat(t).hasSize(2 * 32);
        assertThat(new byte[] {t[0], t[1], t[2], t[3], t[32], t[33], t[34], t[35]}).containsExactly(
                GpuFp8Mlp.e4m3Bits(1), GpuFp8Mlp.e4m3Bits(0.5f), GpuFp8Mlp.e4m3Bits(448), 0,
                GpuFp8Mlp.e4m3Bits(2), GpuFp8Mlp.e4m3Bits(-1), GpuFp8Mlp.e4m3Bits(-0.015625f), 0);
        assertThat(GpuFp8Mlp.rowBytes(784)).isEqualTo(800);
        assertThat(GpuFp8Mlp.gemm(1000, 10)).isEqualTo(new KernelLaunch("gemm_e4m3_mma", 1, 16, 128)); // 16 x 1 tiles of 64 x 64
    }

    @ParameterizedTest(name = "784-256-128-10, batch {0}")
    @ValueSource(ints = {1, 7, 256, 1000})
    void fp8LogitsAreTheCpusWithinTheTensorCoresRounding(int batch) throws Exception {
        compare(GpuInt8Test.REAL, batch);
    }

    @Test
    void raggedWidths() throws Exception {
        compare(GpuInt8Test.RAGGED, 65);
    }

    @ParameterizedTest(name = "CNN, batch {0}")
    @ValueSource(ints = {1, 40})
    void aCnn(int batch) throws Exception {
        compare(GpuConvParityTest.CNN, batch);
    }

    private static void compare(ModelSpec spec, int batch) throws Exception {
        GpuRequirement.assumeBackend(Precision.FP32);
        try (GpuBackend gpu = GpuBackend.open(0, null)) {
            assumeTrue(gpu.fp8Unavailable() == null, "no FP8 here: " + gpu.fp8Unavailable());
            Random rnd = new Random(spec.inputs() * 17L + batch);
            Standardization input = new Standardization(0.3, 0.4);
            Fp8Mlp q = Fp8Mlp.quantize(spec, input, GpuInt8Test.parameters(spec, rnd), GpuInt8Test.data(spec.inputs(), 500, rnd));
            float[] raw = GpuInt8Test.data(spec.inputs(), batch, rnd).features();
            float[] expected = q.logits(raw, batch);
            float[] standardized = new float[raw.length];
            input.apply(raw, 0, standardized, 0, raw.length);
            float[] actual = new float[expected.length];
            try (GpuFp8Mlp g = gpu.fp8(q)) {
                g.logits(standardized, batch, actual);
            }
            double scale = 0;
            for (float v : expected) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < expected.length; i++) { // summation order and the tensor cores' accumulator width
                assertThat((double) actual[i]).as("logit %d", i).isCloseTo(expected[i], within(1e-3 * scale + 1e-5));
            }
        }
    }
}
