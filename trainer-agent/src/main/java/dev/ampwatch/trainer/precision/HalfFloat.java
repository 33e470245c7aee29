package dev.ampwatch.trainer.precision;

/**
 * IEEE 754 binary16 ("half") conversion, written out because Java 17 has no
 * {@code Float.floatToFloat16}. Float to half rounds to nearest, ties to even; values at or above
 * 65520 (halfway past the largest finite half, 65504) become infinity; values below the smallest
 * normal half (2^-14) become subnormals (unit 2^-24) or signed zero; NaN stays NaN (quiet).
 *
 * <p>Stateless and thread-safe.
 */
public final class HalfFloat {
    /** Largest finite half value. */
    public static final float MAX_VALUE = 65504f;
    /** Smallest positive subnormal half value, 2^-24. */
    public static final float MIN_SUBNORMAL = 0x1p-24f;

    private HalfFloat() {}

    /** The half bit pattern nearest to {@code f} (ties to even). */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fff_ffff;
        if (abs >= 0x7f80_0000) { // infinity or NaN
            return (short) (abs == 0x7f80_0000 ? sign | 0x7c00 : sign | 0x7e00 | ((abs >>> 13) & 0x3ff));
        }
        if (abs >= 0x477f_f000) { // >= 65520: rounds past 65504
            return (short) (sign | 0x7c00);
        }
        if (abs >= 0x3880_0000) { // normal half: rebias exponent 127 -> 15, keep 10 of 23 mantissa bits
            int h = (abs - 0x3800_0000) >>> 13;
            int dropped = abs & 0x1fff;
            if (dropped > 0x1000 || (dropped == 0x1000 && (h & 1) == 1)) {
                h++; // a carry into the exponent is still the correctly rounded value
            }
            return (short) (sign | h);
        }
        if (abs < 0x3300_0000) { // below 2^-25, or exactly half of the smallest subnormal (tie to 0)
            return (short) sign;
        }
        // subnormal half: value / 2^-24 = mantissa * 2^(exp - 126), a right shift of 14..24 bits
        int exp = abs >>> 23;
        int mantissa = (abs & 0x7f_ffff) | 0x80_0000;
        int shift = 126 - exp;
        int q = mantissa >>> shift;
        int rem = mantissa & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rem > halfway || (rem == halfway && (q & 1) == 1)) {
            q++; // may become 0x400, the smallest normal: still the right encoding
        }
        return (short) (sign | q);
    }

    /** The exact float value of a half bit pattern. */
    public static float toFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << 13));
        }
        if (exp == 0) {
            float v = mantissa * MIN_SUBNORMAL; // exact: at most 10 significant bits
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mantissa << 13));
    }

    /** {@code f} rounded to the nearest half value, returned as a float. */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }
}
