package dev.ampwatch.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The cosine schedule against PyTorch's closed form for {@code CosineAnnealingLR} (eta_min 0, T_max 1000),
 * computed independently:
 * <pre>
 * import math; T = 1000
 * [0.5 * (1 + math.cos(math.pi * t / T)) for t in (0, 1, 250, 500, 999, 1000)]
 * # [1.0, 0.9999975326009292, 0.8535533905932737, 0.5, 2.467399070893439e-06, 0.0]
 * </pre>
 */
class LearningRateScheduleTest {

    @Test
    void cosineFollowsPyTorchsClosedForm() {
        long[] steps = {0, 1, 250, 500, 999, 1000};
        double[] expected = {1.0, 0.9999975326009292, 0.8535533905932737, 0.5, 2.467399070893439e-06, 0.0};
        for (int i = 0; i < steps.length; i++) {
            assertThat(LearningRateSchedule.COSINE.factor(steps[i], 1000)).as("step %d", steps[i])
                    .isCloseTo(expected[i], within(1e-15));
        }
        assertThat(LearningRateSchedule.COSINE.factor(1500, 1000)).as("past the plan: stays at 0").isCloseTo(0, within(1e-15));
    }

    @Test
    void constantIsOneAndNamesRoundTrip() {
        assertThat(LearningRateSchedule.CONSTANT.factor(77, 100)).isEqualTo(1.0);
        for (LearningRateSchedule s : LearningRateSchedule.values()) {
            assertThat(LearningRateSchedule.fromCliName(s.cliName())).isEqualTo(s);
        }
        assertThatThrownBy(() -> LearningRateSchedule.fromCliName("step")).hasMessageContaining("constant or cosine");
        assertThatThrownBy(() -> LearningRateSchedule.COSINE.factor(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
