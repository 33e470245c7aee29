package dev.ampwatch.trainer.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.trainer.precision.Fp8E4m3;
import org.junit.jupiter.api.Test;

/**
 * FP8 E4M3 rounding and per-tensor FP8 inference against a reference written independently in Python: E4M3 by
 * enumerating every finite value of the format and taking the nearest (ties to the even code), saturating at 448;
 * the model is Int8MlpTest's 3-2-2 network.
 * <pre>
 * import numpy as np; f32 = np.float32
 * vals = sorted(((m / 8) * 2.0**-6 if e == 0 else (1 + m / 8) * 2.0**(e - 7), e * 8 + m)
 *               for e in range(16) for m in range(8) if not (e == 15 and m == 7))
 * def e4m3(x):
 *     a = abs(float(x))
 *     if a >= 448: return np.copysign(448.0, x)
 *     best = None
 *     for v, c in vals:
 *         d = abs(a - v)
 *         if best is None or d < best[0] or (d == best[0] and c % 2 == 0 and best[2] % 2 == 1): best = (d, v, c)
 *     return np.copysign(best[1], x)
 * q = np.vectorize(e4m3)
 * W0 = np.array([[0.5, -1.0], [0.25, 2.0], [-0.3, 0.1]], dtype=f32); b0 = np.array([0.1, -0.2], dtype=f32)
 * W1 = np.array([[1.0, -0.5], [0.75, 0.2]], dtype=f32);            b1 = np.array([0.0, 0.05], dtype=f32)
 * stdz = lambda x: ((x - f32(0.5)) * f32(1 / 0.25)).astype(f32)
 * def wq(W): s = f32(np.abs(W).max() / f32(448)); return q((W / s).astype(f32)).astype(f32), s
 * calib = np.array([[0.9, 0.1, 0.4], [0.2, 0.8, 0.6]], dtype=f32); test = np.array([[0.7, 0.3, 0.5], [0.1, 0.95, 0.2]], dtype=f32)
 * xs = stdz(calib); s0 = f32(np.abs(xs).max() / f32(448)); s1 = f32(np.abs(np.maximum(xs @ W0 + b0, 0)).max() / f32(448))
 * q0, ws0 = wq(W0); q1, ws1 = wq(W1)   # q0 [[112, -224], [56, 448], [-64, 22]], q1 [[448, -224], [320, 88]]
 * x = stdz(test); y = np.maximum((q((x / s0).astype(f32)).astype(f32) @ q0) * (s0 * ws0) + b0, 0).astype(f32)
 * (q((y / s1).astype(f32)).astype(f32) @ q1) * (s1 * ws1) + b1
 * # [0.30714288353919983, -0.10357144474983215, 2.484018087387085, 0.712276816368103]
 * </pre>
 */
class Fp8MlpTest {
    @Test
    void e4m3RoundsToNearestEvenAndSaturates() {
        float[][] cases = { // input, expected (the Python above)
            {0f, 0f}, {1f, 1f}, {1.0625f, 1f}, {1.1875f, 1.25f}, {0.00390625f, 0.00390625f}, {0.0029296875f, 0.00390625f},
            {0.0009765625f, 0f}, {0.00146484375f, 0.001953125f}, {0.015625f, 0.015625f}, {0.0146484375f, 0.015625f},
            {447f, 448f}, {464f, 448f}, {500f, 448f}, {-3.3f, -3.25f}, {1e-5f, 0f}, {240f, 240f}, {248f, 256f},
            {0.1f, 0.1015625f}, {-0.7f, -0.6875f}};
        for (float[] c : cases) {
            assertThat(Fp8E4m3.round(c[0])).as("e4m3(%s)", c[0]).isEqualTo(c[1]);
        }
        assertThat(Fp8E4m3.round(Float.POSITIVE_INFINITY)).isEqualTo(448f);
        assertThat(Fp8E4m3.round(Float.NEGATIVE_INFINITY)).isEqualTo(-448f);
        assertThat(Fp8E4m3.round(Float.NaN)).isNaN();
        assertThat(Float.floatToRawIntBits(Fp8E4m3.round(-1e-6f))).as("the sign of zero is kept").isEqualTo(0x80000000);
    }

    @Test
    void matchesThePythonReference() {
        Fp8Mlp q = Fp8Mlp.quantize(Int8MlpTest.SPEC, Int8MlpTest.INPUT, Int8MlpTest.PARAMETERS, Int8MlpTest.CALIBRATION);
        assertThat(q.layers().get(0).weights()).containsExactly(112, -224, 56, 448, -64, 22);
        assertThat(q.layers().get(1).weights()).containsExactly(448, -224, 320, 88);
        assertThat(q.layers().get(0).weightScale()).isEqualTo(0.004464285913854837f);
        assertThat(q.layers().get(1).weightScale()).isEqualTo(0.0022321429569274187f);
        assertThat(q.layers().get(0).inputScale()).isEqualTo(0.0035714285913854837f);
        assertThat(q.layers().get(1).inputScale()).isEqualTo(0.007678571622818708f);
        float[] logits = q.logits(new float[] {0.7f, 0.3f, 0.5f, 0.1f, 0.95f, 0.2f}, 2);
        double[] expected = {0.30714288353919983, -0.10357144474983215, 2.484018087387085, 0.712276816368103};
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) logits[i]).as("logit %d", i).isCloseTo(expected[i], within(1e-7));
        }
    }
}
