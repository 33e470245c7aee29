package dev.ampwatch.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Mean and (population) deviation of the training features, against numpy:
 * <pre>
 * import numpy as np
 * x = np.array([0, 0.25, 1, 0.5, 0.75, 0.1], dtype=np.float32)
 * float(x.astype(np.float64).mean()), float(x.astype(np.float64).std())  # 0.433333333581686, 0.35551214989549995
 * ((x - x.mean()) / x.std()).tolist()
 * # [-1.2188987731933594, -0.515687882900238, 1.593944787979126, 0.18752296268939972, 0.8907338380813599, -0.9376144409179688]
 * </pre>
 */
class StandardizationTest {

    @Test
    void fitsTheTrainingFeaturesAndScalesToMeanZeroDeviationOne() {
        float[] x = {0f, 0.25f, 1f, 0.5f, 0.75f, 0.1f};
        Standardization s = Standardization.fit(new LabeledData(x, new int[] {0, 1, 2}, 2));
        assertThat(s.mean()).isCloseTo(0.433333333581686, within(1e-15));
        assertThat(s.std()).isCloseTo(0.35551214989549995, within(1e-15));
        float[] out = new float[8];
        s.apply(x, 0, out, 1, 6);
        double[] expected = {-1.2188987731933594, -0.515687882900238, 1.593944787979126, 0.18752296268939972,
                0.8907338380813599, -0.9376144409179688};
        for (int i = 0; i < 6; i++) {
            assertThat((double) out[i + 1]).isCloseTo(expected[i], within(1e-6));
        }
        assertThat(out[0]).as("writes only where told").isZero();
        assertThat(out[7]).isZero();
    }

    @Test
    void constantFeaturesKeepADeviationOfOne() {
        assertThat(Standardization.fit(new LabeledData(new float[] {0.5f, 0.5f}, new int[] {1}, 2)).std()).isEqualTo(1.0);
        assertThatThrownBy(() -> new Standardization(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
