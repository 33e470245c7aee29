package dev.ampwatch.trainer.precision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReducedFloatTest {

    @Test
    void bfloat16KnownValues() {
        assertThat(ReducedFloat.toBfloat16Bits(1.0f) & 0xffff).isEqualTo(0x3f80);
        assertThat(ReducedFloat.toBfloat16Bits(-2.0f) & 0xffff).isEqualTo(0xc000);
        assertThat(ReducedFloat.fromBfloat16Bits((short) 0x3f80)).isEqualTo(1.0f);
        assertThat(ReducedFloat.roundToBfloat16(65504f)).as("bf16 has FP32's range").isEqualTo(65536f);
        assertThat(ReducedFloat.roundToBfloat16(1e30f)).isFinite();
        assertThat(ReducedFloat.roundToBfloat16(Float.MAX_VALUE)).as("rounds past the largest bf16").isInfinite();
        assertThat(ReducedFloat.roundToBfloat16(Float.NaN)).isNaN();
        assertThat(ReducedFloat.roundToBfloat16(Float.intBitsToFloat(0x7f800001))).isNaN();
        assertThat(ReducedFloat.roundToBfloat16(Float.NEGATIVE_INFINITY)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(ReducedFloat.roundToBfloat16(Float.MIN_VALUE)).as("FP32 subnormal rounds to zero").isZero();
    }

    @Test
    void bfloat16TiesToEven() {
        assertThat(ReducedFloat.roundToBfloat16(1f + 0x1p-8f)).isEqualTo(1f);
        assertThat(ReducedFloat.roundToBfloat16(1f + 3 * 0x1p-8f)).isEqualTo(1f + 0x1p-6f);
        assertThat(ReducedFloat.roundToBfloat16(1f + 0x1p-8f + 0x1p-20f)).isEqualTo(1f + 0x1p-7f);
    }

    @Test
    void tf32KeepsTenMantissaBitsAndTiesToEven() {
        assertThat(ReducedFloat.roundToTf32(1f + 0x1p-10f)).isEqualTo(1f + 0x1p-10f);
        assertThat(ReducedFloat.roundToTf32(1f + 0x1p-11f)).isEqualTo(1f);
        assertThat(ReducedFloat.roundToTf32(1f + 3 * 0x1p-11f)).isEqualTo(1f + 0x1p-9f);
        assertThat(ReducedFloat.roundToTf32(1e30f)).isCloseTo(1e30f, org.assertj.core.data.Percentage.withPercentage(0.1));
        assertThat(ReducedFloat.roundToTf32(Float.NaN)).isNaN();
    }

    @Test
    void precisionModesRoundTheirOwnFormatAndParseCliNames() {
        float x = 1f + 0x1p-12f + 0x1p-9f;
        assertThat(Precision.FP32.round(x)).isEqualTo(x);
        assertThat(Precision.TF32.round(x)).isEqualTo(1f + 0x1p-9f);
        assertThat(Precision.AMP_FP16.round(100000f)).isInfinite();
        assertThat(Precision.AMP_BF16.round(100000f)).isFinite();
        for (Precision p : Precision.values()) {
            assertThat(Precision.fromCliName(p.cliName())).isEqualTo(p);
        }
        assertThat(Precision.AMP_FP16.cliName()).isEqualTo("amp-fp16");
        assertThatThrownBy(() -> Precision.fromCliName("fp8")).hasMessageContaining("amp-bf16");
    }
}
