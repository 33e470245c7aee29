package dev.ampwatch.trainer.precision;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Numeric precision of a training run, named as on the command line and in
 * {@code RunConfig.precision}.
 *
 * <p>What each mode does on the CPU backend, which has no reduced-precision hardware: GEMM inputs
 * (activations, weights and incoming gradients) are rounded to the mode's format and the products
 * are accumulated in FP32, which reproduces the <em>numerics</em> of tensor-core math but not its
 * speed (the rounding costs a little time). Master weights, optimizer state, bias adds,
 * activations functions and the loss stay FP32 in every mode.
 *
 * <ul>
 *   <li>{@link #FP32}: exact FP32, no rounding (TF32 off).
 *   <li>{@link #TF32}: GEMM inputs rounded to TF32 (10 mantissa bits).
 *   <li>{@link #AMP_FP16}: GEMM inputs rounded to IEEE half, with dynamic loss scaling so small
 *       gradients survive half's range; steps whose gradients overflow are skipped.
 *   <li>{@link #AMP_BF16}: GEMM inputs rounded to bfloat16; its FP32-sized exponent needs no loss
 *       scaling.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public enum Precision {
    FP32("fp32"),
    TF32("tf32"),
    AMP_FP16("amp-fp16"),
    AMP_BF16("amp-bf16");

    private final String cliName;

    Precision(String cliName) {
        this.cliName = cliName;
    }

    /** The name used on the command line and in RunConfig, e.g. {@code amp-fp16}. */
    public String cliName() {
        return cliName;
    }

    /** Whether this mode needs dynamic loss scaling (only FP16's narrow exponent range does). */
    public boolean usesLossScaling() {
        return this == AMP_FP16;
    }

    /** Whether GEMM inputs are rounded at all; lets FP32 skip the copies. */
    public boolean roundsGemmInputs() {
        return this != FP32;
    }

    /** {@code value} rounded to this mode's GEMM input format. */
    public float round(float value) {
        return switch (this) {
            case FP32 -> value;
            case TF32 -> ReducedFloat.roundToTf32(value);
            case AMP_FP16 -> HalfFloat.round(value);
            case AMP_BF16 -> ReducedFloat.roundToBfloat16(value);
        };
    }

    /** Rounds {@code src[0..n)} into {@code dst[0..n)}; {@code dst} may be {@code src}. */
    public void round(float[] src, float[] dst, int n) {
        switch (this) {
            case FP32 -> System.arraycopy(src, 0, dst, 0, n);
            case TF32 -> { for (int i = 0; i < n; i++) dst[i] = ReducedFloat.roundToTf32(src[i]); }
            case AMP_FP16 -> { for (int i = 0; i < n; i++) dst[i] = HalfFloat.round(src[i]); }
            case AMP_BF16 -> { for (int i = 0; i < n; i++) dst[i] = ReducedFloat.roundToBfloat16(src[i]); }
        }
    }

    /** Parses a CLI name ({@code fp32}, {@code tf32}, {@code amp-fp16}, {@code amp-bf16}). */
    public static Precision fromCliName(String name) {
        for (Precision p : values()) {
            if (p.cliName.equalsIgnoreCase(name.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Precision::cliName).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
