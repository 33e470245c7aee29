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
 * Post-training INT8 quantization against a reference written independently with numpy (same algorithm:
 * per-channel symmetric weights, min-max calibrated per-layer activation scales, rint = round half to even,
 * int32 accumulation):
 * <pre>
 * import numpy as np; f32 = np.float32
 * W0 = np.array([[0.5, -1.0], [0.25, 2.0], [-0.3, 0.1]], dtype=f32); b0 = np.array([0.1, -0.2], dtype=f32)
 * W1 = np.array([[1.0, -0.5], [0.75, 0.2]], dtype=f32);            b1 = np.array([0.0, 0.05], dtype=f32)
 * stdz = lambda x: ((x - f32(0.5)) * f32(1 / 0.25)).astype(f32)
 * def wq(W):
 *     s = np.abs(W).max(axis=0) / 127
 *     return np.clip(np.rint(W / s), -127, 127).astype(np.int32), s.astype(f32)
 * calib = np.array([[0.9, 0.1, 0.4], [0.2, 0.8, 0.6]], dtype=f32)
 * test = np.array([[0.7, 0.3, 0.5], [0.1, 0.95, 0.2]], dtype=f32)
 * xs = stdz(calib); s0 = f32(np.abs(xs).max() / 127)
 * s1 = f32(np.abs(np.maximum(xs @ W0 + b0, 0)).max() / 127)
 * q0, ws0 = wq(W0); q1, ws1 = wq(W1)          # q0 [[127, -64], [64, 127], [-76, 6]], q1 [[127, -127], [95, 51]]
 * x = stdz(test); qx = np.clip(np.rint(x / s0), -127, 127).astype(np.int32)
 * acc0 = qx @ q0                               # [[3969, -12033], [-781, 23687]]
 * y = np.maximum(acc0 * (s0 * ws0) + b0, 0).astype(f32)
 * acc1 = np.clip(np.rint(y / s1), -127, 127).astype(np.int32) @ q1   # [[1397, -1397], [12319, 6223]]
 * acc1 * (s1 * ws1) + b1
 * # [[0.2979527495772345, -0.09897637404355919], [2.6274015189992497, 0.7136220338943531]]
 * </pre>
 */
class Int8MlpTest {
    static final ModelSpec SPEC = new ModelSpec(3, List.of(2), 2);
    static final ModelParameters PARAMETERS = new ModelParameters(
            List.of(new float[] {0.5f, -1.0f, 0.25f, 2.0f, -0.3f, 0.1f}, new float[] {1.0f, -0.5f, 0.75f, 0.2f}),
            List.of(new float[] {0.1f, -0.2f}, new float[] {0.0f, 0.05f}));
    static final Standardization INPUT = new Standardization(0.5, 0.25);
    static final LabeledData CALIBRATION = new LabeledData(new float[] {0.9f, 0.1f, 0.4f, 0.2f, 0.8f, 0.6f}, new int[] {0, 1}, 3);

    @Test
    void matchesTheNumpyReference() {
        Int8Mlp q = Int8Mlp.quantize(SPEC, INPUT, PARAMETERS, CALIBRATION);
        assertThat(q.layer(0).weights()).containsExactly(127, -64, 64, 127, -76, 6); // 0.25 / (0.5/127) = 63.5 -> 64, -63.5 -> -64
        assertThat(q.layer(1).weights()).containsExactly(127, -127, 95, 51);
        assertThat((double) q.layer(0).inputScale()).isCloseTo(0.012598425149917603, within(1e-9));
        assertThat((double) q.layer(1).inputScale()).isCloseTo(0.027086613699793816, within(1e-9));
        float[] logits = q.logits(new float[] {0.7f, 0.3f, 0.5f, 0.1f, 0.95f, 0.2f}, 2);
        double[] expected = {0.2979527495772345, -0.09897637404355919, 2.6274015189992497, 0.7136220338943531};
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) logits[i]).as("logit %d", i).isCloseTo(expected[i], within(1e-6));
        }
        int[] predicted = new int[2];
        q.predict(new float[] {0.7f, 0.3f, 0.5f, 0.1f, 0.95f, 0.2f}, 2, predicted);
        assertThat(predicted).containsExactly(0, 0);
    }

    @Test
    void int32AccumulationAndClampingAtTheLimits() {
        Int8Mlp.Layer layer = new Int8Mlp.Layer(3, 1, new byte[] {127, 127, -127}, new float[] {1f}, new float[] {0f}, 1f);
        int[] acc = new int[1];
        Int8Mlp.gemv(new byte[] {127, 127, -127}, 0, layer, acc);
        assertThat(acc[0]).isEqualTo(3 * 127 * 127);
        assertThat(Int8Mlp.quantize(1000f, 1f)).isEqualTo((byte) 127);
        assertThat(Int8Mlp.quantize(-1000f, 1f)).isEqualTo((byte) -127);
        assertThat(Int8Mlp.quantize(2.5f, 1f)).as("half to even").isEqualTo((byte) 2);
        assertThat(Int8Mlp.quantize(-3.5f, 1f)).isEqualTo((byte) -4);
    }

    @Test
    void needsCalibrationSamples() {
        assertThatThrownBy(() -> Int8Mlp.quantize(SPEC, INPUT, PARAMETERS, CALIBRATION.rows(0, 0)))
                .hasMessageContaining("calibration needs samples");
    }
}
