package dev.ampwatch.trainer.precision;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfFloatTest {

    private static int bits(float f) {
        return HalfFloat.fromFloat(f) & 0xffff;
    }

    @Test
    void knownValuesConvertExactly() {
        assertThat(bits(1.0f)).isEqualTo(0x3c00);
        assertThat(bits(-2.0f)).isEqualTo(0xc000);
        assertThat(bits(0.0f)).isEqualTo(0x0000);
        assertThat(bits(-0.0f)).isEqualTo(0x8000);
        assertThat(bits(65504f)).isEqualTo(0x7bff);
        assertThat(bits(0x1p-14f)).as("smallest normal").isEqualTo(0x0400);
        assertThat(bits(0x1p-24f)).as("smallest subnormal").isEqualTo(0x0001);
        assertThat(HalfFloat.toFloat((short) 0x0001)).isEqualTo(HalfFloat.MIN_SUBNORMAL);
        assertThat(HalfFloat.toFloat((short) 0x7bff)).isEqualTo(HalfFloat.MAX_VALUE);
        assertThat(HalfFloat.toFloat((short) 0x3555)).isEqualTo(0.333251953125f);
    }

    @Test
    void overflowGoesToInfinityAndSpecialsSurvive() {
        assertThat(bits(65519.99f)).as("just below the rounding boundary").isEqualTo(0x7bff);
        assertThat(bits(65520f)).as("halfway to 2^16 ties to even = infinity").isEqualTo(0x7c00);
        assertThat(bits(1e6f)).isEqualTo(0x7c00);
        assertThat(bits(-1e6f)).isEqualTo(0xfc00);
        assertThat(bits(Float.POSITIVE_INFINITY)).isEqualTo(0x7c00);
        assertThat(HalfFloat.toFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(HalfFloat.round(Float.NaN)).isNaN();
        assertThat(HalfFloat.round(Float.intBitsToFloat(0x7f800001))).as("signalling NaN payload below half's bits").isNaN();
    }

    @Test
    void tiesRoundToEven() {
        assertThat(HalfFloat.round(1f + 0x1p-11f)).as("halfway between 1 and 1+2^-10").isEqualTo(1f);
        assertThat(HalfFloat.round(1f + 3 * 0x1p-11f)).isEqualTo(1f + 0x1p-9f);
        assertThat(HalfFloat.round(1f + 0x1p-11f + 0x1p-20f)).as("just above the tie").isEqualTo(1f + 0x1p-10f);
        assertThat(bits(0x1p-25f)).as("half of the smallest subnormal ties to zero").isEqualTo(0);
        assertThat(bits(0x1.8p-25f)).isEqualTo(1);
        assertThat(bits(3 * 0x1p-25f)).as("1.5 subnormal units tie to 2").isEqualTo(2);
        assertThat(bits(5 * 0x1p-25f)).as("2.5 subnormal units tie to 2").isEqualTo(2);
        assertThat(bits(0x1p-14f - 0x1p-26f)).as("rounds up into the smallest normal").isEqualTo(0x0400);
    }

    @Test
    void everyHalfRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloat.toFloat((short) h);
            if (Float.isNaN(f)) {
                assertThat(HalfFloat.fromFloat(f) & 0x7c00).isEqualTo(0x7c00);
                continue;
            }
            assertThat(bits(f)).as("half 0x%04x", h).isEqualTo(h);
        }
    }

    @Test
    void randomFloatsRoundToTheNearestHalfLikeAReference() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            // exponents from deep subnormal to overflow
            float f = (float) ((random.nextDouble() * 2 - 1) * Math.pow(2, random.nextInt(-27, 17)));
            assertThat(bits(f)).as("%s", f).isEqualTo(reference(f));
        }
    }

    /** Nearest half by search over all finite halves, ties to the even bit pattern; exact in double. */
    private static int reference(float f) {
        int sign = f < 0 || (f == 0 && 1 / f < 0) ? 0x8000 : 0;
        double a = Math.abs((double) f);
        if (a >= 65520) {
            return sign | 0x7c00;
        }
        int lo = 0;
        int hi = 0x7bff;
        while (lo < hi) { // largest half <= a
            int mid = (lo + hi + 1) >>> 1;
            if (HalfFloat.toFloat((short) mid) <= a) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if (lo == 0x7bff) {
            return sign | lo;
        }
        double below = HalfFloat.toFloat((short) lo);
        double above = HalfFloat.toFloat((short) (lo + 1));
        double dBelow = a - below;
        double dAbove = above - a;
        int pick = dBelow < dAbove ? lo : dAbove < dBelow ? lo + 1 : ((lo & 1) == 0 ? lo : lo + 1);
        return sign | pick;
    }
}
