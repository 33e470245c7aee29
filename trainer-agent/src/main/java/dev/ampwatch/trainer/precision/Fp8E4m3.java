package dev.ampwatch.trainer.precision;

/**
 * FP8 E4M3 (OCP 8-bit floating point, the "E4M3FN" of NVIDIA's FP8 tensor cores): 1 sign bit, 4 exponent bits
 * (bias 7), 3 mantissa bits, no infinities, the largest finite value 448, normals down to 2^-6, subnormals
 * m x 2^-9. {@link #round} rounds to nearest, ties to even, and saturates what lies beyond +-448 to +-448, as
 * the GPU's {@code cvt.rn.satfinite.e4m3x2.f32} does; NaN stays NaN. Values are kept in a float (every E4M3
 * value is exact in FP32). Stateless.
 */
public final class Fp8E4m3 {
    /** The largest finite E4M3 value. */
    public static final float MAX = 448f;
    private static final double SUBNORMAL_QUANTUM = 0x1p-9;
    private static final int MIN_NORMAL_EXPONENT = -6;

    private Fp8E4m3() {}

    /** {@code f} rounded to the nearest E4M3 value (ties to even), saturated to +-448. */
    public static float round(float f) {
        if (Float.isNaN(f)) {
            return f;
        }
        double a = Math.abs((double) f);
        int exponent = Math.getExponent((float) Math.min(a, Float.MAX_VALUE));
        double quantum = exponent < MIN_NORMAL_EXPONENT ? SUBNORMAL_QUANTUM : Math.scalb(1.0, exponent - 3);
        double r = Math.rint(a / quantum) * quantum; // a / quantum is exact (a power of two), rint ties to even
        if (r > MAX) {
            r = MAX;
        }
        return (float) Math.copySign(r, f);
    }
}
