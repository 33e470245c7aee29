package dev.ampwatch.trainer.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.trainer.data.LabeledData;
import dev.ampwatch.trainer.data.Standardization;
import dev.ampwatch.trainer.model.ModelParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * W4A8 post-training quantization against a reference written independently with numpy (per-channel, per-group
 * symmetric INT4 weights in [-7, 7], INT8 activations as Int8Mlp, each group's sum in integers, the groups added in
 * float32 in order):
 * <pre>
 * import numpy as np; f32 = np.float32
 * def wq(W, g):
 *     n_in, out = W.shape; G = (n_in + g - 1) // g
 *     s = np.stack([np.abs(W[k*g:(k+1)*g]).max(axis=0) for k in range(G)]) / 7
 *     s = np.where(s > 0, s, 1).astype(f32)
 *     q = np.clip(np.rint(W / np.repeat(s, g, axis=0)[:n_in]), -7, 7).astype(np.int32)
 *     return q, s
 * def layer(qx, q, s, g, xs, b):
 *     acc = [qx[:, k*g:(k+1)*g] @ q[k*g:(k+1)*g] for k in range(s.shape[0])]
 *     tot = np.zeros((qx.shape[0], q.shape[1]), dtype=f32)
 *     for k, a in enumerate(acc): tot = (tot + (a.astype(f32) * s[k]).astype(f32)).astype(f32)
 *     return (tot * xs + b).astype(f32)
 * def aq(x, s): return np.clip(np.rint(x / s), -127, 127).astype(np.int32)
 * # 1) Int8MlpTest's model (W0, b0, W1, b1, stdz, calib, test, s0, s1 as there), groups of 2
 * q0, ws0 = wq(W0, 2); q1, ws1 = wq(W1, 2)
 * y = np.maximum(layer(aq(stdz(test), s0), q0, ws0, 2, s0, b0), 0)
 * layer(aq(y, s1), q1, ws1, 2, s1, b1)
 * # 2) 130-20-3, formula weights, groups of 64 (two whole groups and one of 2 inputs)
 * i = np.arange(130)[:, None]; j = np.arange(20)[None, :]
 * A = (np.sin(0.37 * i + 1.3 * j) * 0.2).astype(f32); A[5, 3] = f32(1.5)   # an outlier: only its group coarsens
 * ba = (0.01 * np.arange(20) - 0.05).astype(f32)
 * k = np.arange(20)[:, None]; c = np.arange(3)[None, :]
 * B = (np.cos(0.11 * k - 0.7 * c) * 0.3).astype(f32); bb = np.array([0.02, -0.01, 0.0], dtype=f32)
 * rows = lambda n, off: ((np.sin(0.05 * np.arange(n)[:, None] * 130 + 0.013 * np.arange(130)[None, :] + off) + 1) / 2).astype(f32)
 * cal = rows(6, 0.0); tst = rows(4, 0.5); std2 = lambda x: ((x - f32(0.5)) * f32(1 / 0.3)).astype(f32)
 * xc = std2(cal); t0 = f32(np.abs(xc).max() / 127); t1 = f32(np.abs(np.maximum(xc @ A + ba, 0)).max() / 127)
 * qa, sa = wq(A, 64); qb, sb = wq(B, 64)
 * h = np.maximum(layer(aq(std2(tst), t0), qa, sa, 64, t0, ba), 0)
 * layer(aq(h, t1), qb, sb, 64, t1, bb)
 * </pre>
 */
class Int4MlpTest {
    @Test
    void matchesTheNumpyReferenceInGroupsOfTwo() {
        Int4Mlp q = Int4Mlp.quantize(Int8MlpTest.SPEC, Int8MlpTest.INPUT, Int8MlpTest.PARAMETERS, Int8MlpTest.CALIBRATION, 2);
        assertThat(q.layer(0).weights()).containsExactly(7, -3, 3, 7, -7, 7);
        assertThat(q.layer(0).weightScales()).containsExactly(0.0714285746216774f, 0.2857142984867096f, 0.04285714402794838f,
                0.014285714365541935f);
        assertThat(q.layer(1).weights()).containsExactly(7, -7, 5, 3);
        assertThat(q.layer(1).weightScales()).containsExactly(0.1428571492433548f, 0.0714285746216774f);
        float[] logits = q.logits(new float[] {0.7f, 0.3f, 0.5f, 0.1f, 0.95f, 0.2f}, 2);
        assertThat(logits).containsExactly(0.3250393867492676f, -0.11251969635486603f, 2.4571428298950195f, 0.7871428728103638f);
    }

    @Test
    void groupsOf64WithAPartialGroupAndAnOutlierMatchNumpy() {
        ModelSpec spec = new ModelSpec(130, List.of(20), 3);
        float[] a = new float[130 * 20];
        for (int i = 0; i < 130; i++) {
            for (int j = 0; j < 20; j++) {
                a[i * 20 + j] = (float) (Math.sin(0.37 * i + 1.3 * j) * 0.2);
            }
        }
        a[5 * 20 + 3] = 1.5f;
        float[] ba = new float[20];
        for (int j = 0; j < 20; j++) {
            ba[j] = (float) (0.01 * j - 0.05);
        }
        float[] b = new float[20 * 3];
        for (int k = 0; k < 20; k++) {
            for (int c = 0; c < 3; c++) {
                b[k * 3 + c] = (float) (Math.cos(0.11 * k - 0.7 * c) * 0.3);
            }
        }
        ModelParameters parameters = new ModelParameters(List.of(a, b), List.of(ba, new float[] {0.02f, -0.01f, 0f}));
        Int4Mlp q = Int4Mlp.quantize(spec, new Standardization(0.5, 0.3), parameters,
                new LabeledData(rows(6, 0.0), new int[6], 130));
        Int4Mlp.Layer first = q.layer(0);
        assertThat(first.groups()).isEqualTo(3);
        assertThat(first.weights()[5 * 20 + 3]).isEqualTo((byte) 7);
        assertThat(first.weightScales()[3]).as("the outlier's group").isEqualTo(0.2142857164144516f);
        assertThat(first.weightScales()[20 + 3]).as("the next group keeps its resolution").isEqualTo(0.028562722727656364f);
        assertThat(first.weightScales()[40 + 3]).as("the partial group").isEqualTo(0.027965709567070007f);
        float[] logits = q.logits(rows(4, 0.5), 4);
        double[] expected = {1.270237922668457, 2.1488265991210938, 2.010246515274048, 1.3449394702911377, 2.196851968765259,
            2.016613721847534, 1.3802635669708252, 2.222311019897461, 2.030505418777466, 1.3889496326446533, 2.191065788269043,
            1.981305480003357};
        for (int i = 0; i < expected.length; i++) {
            // numpy sums a group's integers in another order (exact) and rounds its float32 steps alike; the inputs'
            // sines are computed in double there and here, so the tolerance only covers a last-bit difference
            assertThat((double) logits[i]).as("logit %d", i).isCloseTo(expected[i], within(1e-5));
        }
    }

    private static float[] rows(int n, double offset) {
        float[] x = new float[n * 130];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < 130; c++) {
                x[r * 130 + c] = (float) ((Math.sin(0.05 * r * 130 + 0.013 * c + offset) + 1) / 2);
            }
        }
        return x;
    }

    @Test
    void packsTwoComplementNibblesEightToAWordTransposed() {
        // 9 inputs x 2 outputs: W[i][0] = i - 4 (-4..4), W[i][1] = -7 for i even else 7
        byte[] w = new byte[18];
        for (int i = 0; i < 9; i++) {
            w[i * 2] = (byte) (i - 4);
            w[i * 2 + 1] = (byte) (i % 2 == 0 ? -7 : 7);
        }
        Int4Mlp.Layer layer = new Int4Mlp.Layer(9, 2, 64, w, new float[] {1f, 1f}, new float[2], 1f, null);
        int[] packed = layer.packed(16);
        // output 0: nibbles of -4..3 then 4: 0xC,0xD,0xE,0xF,0x0,0x1,0x2,0x3 (input 0 lowest), then 0x4
        assertThat(packed).containsExactly(0x3210FEDC, 0x4, 0x79797979, 0x9);
        assertThatThrownBy(() -> layer.packed(12)).hasMessageContaining("multiple of 8");
        assertThatThrownBy(() -> layer.packed(8)).hasMessageContaining(">= 9");
    }

    @Test
    void roundingClampingAndInteger32Sums() {
        assertThat(Int4Mlp.quantize(100f, 1f)).isEqualTo((byte) 7);
        assertThat(Int4Mlp.quantize(-100f, 1f)).isEqualTo((byte) -7);
        assertThat(Int4Mlp.quantize(2.5f, 1f)).as("half to even").isEqualTo((byte) 2);
        assertThat(Int4Mlp.quantize(-3.5f, 1f)).isEqualTo((byte) -4);
        byte[] w = new byte[64];
        java.util.Arrays.fill(w, (byte) -7);
        byte[] x = new byte[64];
        java.util.Arrays.fill(x, (byte) -127);
        Int4Mlp.Layer layer = new Int4Mlp.Layer(64, 1, 64, w, new float[] {1f}, new float[1], 1f, null);
        float[] sum = new float[1];
        Int4Mlp.groupedGemv(x, 0, layer, new int[1], sum);
        assertThat(sum[0]).isEqualTo(64f * 127 * 7);
    }

    @Test
    void aZeroGroupHasScaleOneAndCalibrationNeedsSamples() {
        ModelParameters zeros = new ModelParameters(List.of(new float[6], new float[4]), List.of(new float[2], new float[2]));
        Int4Mlp q = Int4Mlp.quantize(Int8MlpTest.SPEC, Int8MlpTest.INPUT, zeros, Int8MlpTest.CALIBRATION);
        assertThat(q.layer(0).weightScales()).containsOnly(1f);
        assertThat(q.layer(0).groups()).isEqualTo(1);
        Int4Mlp perChannel = Int4Mlp.quantize(Int8MlpTest.SPEC, Int8MlpTest.INPUT, Int8MlpTest.PARAMETERS, Int8MlpTest.CALIBRATION,
                Integer.MAX_VALUE);
        assertThat(perChannel.layer(0).groups()).as("a group larger than the layer: one scale per channel").isEqualTo(1);
        assertThat(perChannel.layer(0).weightScales()).containsExactly(0.5f / 7, 2.0f / 7);
        assertThatThrownBy(() -> Int4Mlp.quantize(Int8MlpTest.SPEC, Int8MlpTest.INPUT, Int8MlpTest.PARAMETERS,
                Int8MlpTest.CALIBRATION.rows(0, 0))).hasMessageContaining("INT4 calibration needs samples");
    }
}
