package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.precision.Precision;

/**
 * A CUDA compute capability ({@code sm_XY}) and what the GPU backend's kernels need of it.
 *
 * <p>The PTX is built for {@code compute_75} (elementwise kernels, the FP32 GEMM, the FP16
 * tensor-core GEMM; 7.5 is the oldest target CUDA 13's nvcc accepts) and {@code compute_80} (the
 * BF16 and TF32 tensor-core GEMMs, which Ampere introduced). The driver JIT-compiles PTX for its
 * own GPU, so newer GPUs (sm_86, sm_89, sm_90, sm_100, ...) run the same PTX.
 *
 * <p>Immutable and thread-safe.
 */
public record ComputeCapability(int major, int minor) implements Comparable<ComputeCapability> {
    /** Oldest GPU the compute_75 PTX runs on (Turing). */
    public static final ComputeCapability BASELINE = new ComputeCapability(7, 5);
    /** Oldest GPU with BF16 and TF32 tensor cores (Ampere). */
    public static final ComputeCapability AMPERE = new ComputeCapability(8, 0);
    /** Oldest GPU with FP8 (E4M3) tensor cores (Ada; Hopper and newer have them too). */
    public static final ComputeCapability ADA = new ComputeCapability(8, 9);

    public ComputeCapability {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("compute capability must not be negative: " + major + "." + minor);
        }
    }

    /** The capability a precision's kernels need on this backend. */
    public static ComputeCapability required(Precision precision) {
        return switch (precision) {
            case FP32, AMP_FP16 -> BASELINE;
            case TF32, AMP_BF16 -> AMPERE;
        };
    }

    /** Whether this GPU can run {@code precision}'s kernels. */
    public boolean supports(Precision precision) {
        return compareTo(required(precision)) >= 0;
    }

    /** Why {@code precision} does not run on this GPU, e.g. "amp-bf16 needs sm_80 or newer (BF16 tensor cores); this GPU is sm_75". */
    public String shortfall(Precision precision) {
        String what = switch (precision) {
            case FP32 -> "the FP32 kernels";
            case AMP_FP16 -> "FP16 tensor cores";
            case TF32 -> "TF32 tensor cores";
            case AMP_BF16 -> "BF16 tensor cores";
        };
        return precision.cliName() + " needs " + required(precision) + " or newer (" + what + "); this GPU is " + this;
    }

    @Override
    public int compareTo(ComputeCapability o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    /** {@code sm_90} style. */
    @Override
    public String toString() {
        return "sm_" + major + minor;
    }
}
