package dev.ampwatch.trainer.precision;

/**
 * Rounding of FP32 values to formats that keep FP32's 8-bit exponent but fewer mantissa bits:
 * bfloat16 (7 explicit mantissa bits) and TF32 (10). Round to nearest, ties to even, by adding
 * half an ulp of the target format to the bit pattern; a carry out of the largest finite value
 * correctly gives infinity. NaN is kept as a quiet NaN, infinities pass through.
 *
 * <p>Stateless and thread-safe.
 */
public final class ReducedFloat {
    private static final int BF16_DROPPED = 16;
    private static final int TF32_DROPPED = 13;

    private ReducedFloat() {}

    /** The bfloat16 bit pattern nearest to {@code f}. */
    public static short toBfloat16Bits(float f) {
        return (short) (roundBits(f, BF16_DROPPED) >>> 16);
    }

    /** The float value of a bfloat16 bit pattern (exact). */
    public static float fromBfloat16Bits(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** {@code f} rounded to the nearest bfloat16 value. */
    public static float roundToBfloat16(float f) {
        return Float.intBitsToFloat(roundBits(f, BF16_DROPPED));
    }

    /** {@code f} rounded to the nearest TF32 value (what tensor cores read in TF32 mode). */
    public static float roundToTf32(float f) {
        return Float.intBitsToFloat(roundBits(f, TF32_DROPPED));
    }

    private static int roundBits(float f, int dropped) {
        int bits = Float.floatToRawIntBits(f);
        int mask = -1 << dropped;
        if ((bits & 0x7f80_0000) == 0x7f80_0000) { // inf or NaN: no rounding carry allowed
            boolean nan = (bits & 0x007f_ffff) != 0;
            return nan ? (bits | 0x0040_0000) & mask : bits;
        }
        int lsb = (bits >>> dropped) & 1;
        int bias = (1 << (dropped - 1)) - 1 + lsb;
        return (bits + bias) & mask;
    }
}
