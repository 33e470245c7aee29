package dev.ampwatch.trainer.precision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LossScalerTest {

    @Test
    void overflowHalvesAndSkipsThenGoodStepsDouble() {
        LossScaler scaler = LossScaler.dynamic(65536f, 3);
        assertThat(scaler.update(false)).as("overflowing step is skipped").isFalse();
        assertThat(scaler.scale()).isEqualTo(32768f);
        assertThat(scaler.update(false)).isFalse();
        assertThat(scaler.scale()).isEqualTo(16384f);
        assertThat(scaler.update(true)).isTrue();
        assertThat(scaler.update(true)).isTrue();
        assertThat(scaler.scale()).isEqualTo(16384f);
        assertThat(scaler.update(true)).isTrue();
        assertThat(scaler.scale()).as("doubles after growthInterval good steps").isEqualTo(32768f);
        assertThat(scaler.skippedSteps()).isEqualTo(2);
    }

    @Test
    void overflowResetsTheGoodStepCount() {
        LossScaler scaler = LossScaler.dynamic(8f, 2);
        scaler.update(true);
        scaler.update(false);
        scaler.update(true);
        assertThat(scaler.scale()).isEqualTo(4f);
        scaler.update(true);
        assertThat(scaler.scale()).isEqualTo(8f);
    }

    @Test
    void disabledScalerNeverScalesOrSkips() {
        LossScaler scaler = LossScaler.disabled();
        assertThat(scaler.update(false)).isTrue();
        assertThat(scaler.scale()).isEqualTo(1f);
        assertThat(scaler.skippedSteps()).isZero();
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> LossScaler.dynamic(0f, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LossScaler.dynamic(1f, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
