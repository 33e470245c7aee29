package dev.ampwatch.trainer.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PTX files the build compiles from {@code src/main/cuda} with nvcc and ships as class-path
 * resources next to this class ({@code dev/ampwatch/trainer/gpu/*.ptx}). A build without nvcc has
 * none, and the GPU backend then reports itself unavailable.
 */
public enum PtxModule {
    /** Element-wise kernels: conversions, bias, ReLU, im2col/col2im, split-K sums, losses, overflow flag, optimizers (compute_75). */
    ELEMENTWISE("elementwise.ptx", ComputeCapability.BASELINE, List.of("convert_f32_f16", "convert_f32_bf16",
            "round_f32_tf32", "bias_add", "relu_forward", "relu_backward", "bias_grad", "bias_grad_partial", "im2col",
            "col2im", "sum_slices", "softmax_xent", "mse", "flag_nonfinite", "argmax_rows", "sgd_momentum", "adam")),
    /** FP32 SIMT GEMMs (tiles of 64 and 128) and the FP16 WMMA tensor-core GEMM (compute_75). */
    GEMM_SM75("gemm_sm75.ptx", ComputeCapability.BASELINE, List.of("gemm_fp32_nn", "gemm_fp32_tn", "gemm_fp32_nt",
            "gemm_fp32_simt128_nn", "gemm_fp32_simt128_tn", "gemm_fp32_simt128_nt", "gemm_f16_nn", "gemm_f16_tn", "gemm_f16_nt")),
    /** BF16 and TF32 tensor-core GEMMs (compute_80). */
    GEMM_SM80("gemm_sm80.ptx", ComputeCapability.AMPERE, List.of("gemm_bf16_nn", "gemm_bf16_tn", "gemm_bf16_nt",
            "gemm_tf32_nn", "gemm_tf32_tn", "gemm_tf32_nt")),
    /**
     * FP16, BF16 and TF32 GEMMs on the tensor cores through mma.sync (m16n8k16, m16n8k8), cp.async and ldmatrix, in tiles of 64 and 128
     * (compute_80). Optional: without it, or when its self-check fails ({@link GemmSelfCheck}), the WMMA GEMMs run.
     */
    GEMM_MMA("gemm_mma.ptx", ComputeCapability.AMPERE, mmaKernels()),
    /**
     * INT8 inference: quantization, the dp4a integer GEMM (int32 accumulation), dequantization; and W4A8 (INT4
     * weights in groups, INT8 activations) through dp4a (compute_75).
     */
    INT8("int8.ptx", ComputeCapability.BASELINE, List.of("quantize_s8", "gemm_s8_dp4a", "dequant_bias_act", "gemm_s4_dp4a")),
    /** The INT8 GEMM on the integer tensor cores (mma.sync m16n8k32 s8, int32 accumulation; compute_80). Optional. */
    INT8_SM80("int8_sm80.ptx", ComputeCapability.AMPERE, List.of("gemm_s8_mma")),
    /**
     * FP8 inference: E4M3 quantization, the FP8 tensor-core GEMM (mma.sync m16n8k32), dequantization (compute_89,
     * PTX ISA 8.4). Optional: a GPU or driver that cannot load it runs everything else.
     */
    FP8("fp8.ptx", ComputeCapability.ADA, List.of("quantize_e4m3", "gemm_e4m3_mma", "dequant_f32_bias_act"));

    /** gemm_mma.ptx's entry points: gemm_{f16,bf16}_{mma64,mma128,mma128w4}_{nn,tn,nt}. */
    private static List<String> mmaKernels() {
        List<String> names = new java.util.ArrayList<>();
        for (dev.ampwatch.trainer.precision.Precision p : KernelLaunch.MMA_PRECISIONS) {
            for (KernelLaunch.MmaBlock block : KernelLaunch.MmaBlock.values()) {
                for (GemmOp op : GemmOp.values()) {
                    names.add(block.kernel(p, op));
                }
            }
        }
        return List.copyOf(names);
    }

    /** What the backend says when the build had no nvcc. */
    public static final String MISSING = "no PTX kernels in this build (nvcc was not available at build time)";

    private static final Pattern VERSION = Pattern.compile("^\\s*\\.version\\s+(\\d+\\.\\d+)", Pattern.MULTILINE);

    private final String fileName;
    private final ComputeCapability target;
    private final List<String> kernels;

    PtxModule(String fileName, ComputeCapability target, List<String> kernels) {
        this.fileName = fileName;
        this.target = target;
        this.kernels = kernels;
    }

    public String fileName() {
        return fileName;
    }

    /** The {@code compute_XY} the PTX was built for: the oldest GPU it can run on. */
    public ComputeCapability target() {
        return target;
    }

    /** Entry points the module defines. */
    public List<String> kernels() {
        return kernels;
    }

    /** Whether the backend works without this module (it then says why the module's kernels are missing). */
    public boolean optional() {
        return this == FP8 || this == INT8_SM80 // INT8 falls back to dp4a without the tensor-core GEMM
                || this == GEMM_MMA; // FP16 / BF16 / TF32 to the WMMA GEMMs
    }

    /** The module holding {@code kernel}. */
    public static PtxModule of(String kernel) {
        for (PtxModule m : values()) {
            if (m.kernels.contains(kernel)) {
                return m;
            }
        }
        throw new IllegalArgumentException("no PTX module defines kernel " + kernel);
    }

    /** The PTX text, or empty when this build has none. */
    public Optional<String> text() {
        try (InputStream in = PtxModule.class.getResourceAsStream(fileName)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("reading PTX resource " + fileName, e);
        }
    }

    /** Whether this build ships every module the backend needs (optional ones may be missing). */
    public static boolean allPresent() {
        for (PtxModule m : values()) {
            if (!m.optional() && PtxModule.class.getResource(m.fileName) == null) {
                return false;
            }
        }
        return true;
    }

    /** The PTX ISA version a PTX text declares ({@code .version 9.0}), or "unknown". */
    public static String isaVersion(String ptx) {
        Matcher m = VERSION.matcher(ptx);
        return m.find() ? m.group(1) : "unknown";
    }

    /** The NUL-terminated bytes cuModuleLoadData wants. */
    static byte[] image(String ptx) {
        byte[] text = ptx.getBytes(StandardCharsets.US_ASCII);
        byte[] image = java.util.Arrays.copyOf(text, text.length + 1);
        image[text.length] = 0;
        return image;
    }
}
