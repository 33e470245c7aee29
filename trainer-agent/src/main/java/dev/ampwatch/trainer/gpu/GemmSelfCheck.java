package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.precision.HalfFloat;
import dev.ampwatch.trainer.precision.Precision;
import dev.ampwatch.trainer.precision.ReducedFloat;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.driver.CUdeviceptr;

/**
 * Runs every mma.sync GEMM of {@code gemm_mma.ptx} once on the device before a model may use them, against the exact
 * product: each block (64, 128 in 8 warps and in 4) and transpose (NN, TN, NT) in FP16, BF16 and TF32, on a shape whose rows take the 16-byte
 * cp.async path (136 x 200 x 344 in two slices along k, 192 + 152: 6 k-steps of 32 and 5 with a partial last one in
 * FP16 and BF16, 12 of 16 and 10 in TF32, more than the 4 stages of the deepest pipeline, so buffers are refilled;
 * partial tiles at every edge; every warp of a 128-tile busy), in the pipeline depth the device will use, and on one that takes the element-wise path
 * (37 x 19 x 23). The inputs are multiples of 1/4 in [-1, 1], so every sum is exact in FP32 in any order and the
 * result must equal the exact product bit for bit (as in GemmMatrixTest); C is filled with NaN first, so a value the
 * kernel never writes cannot pass. Those kernels' fragment layouts (ldmatrix, mma.m16n8k16, mma.m16n8k8) cannot be checked
 * without a GPU; this makes a GPU on which they are wrong fall back to the WMMA GEMMs with a warning instead of
 * training on wrong products. A launch the driver refuses is a failure too; a kernel fault that destroys the
 * context (an illegal address) cannot be recovered from here and fails the device's opening with the driver's error.
 */
final class GemmSelfCheck {
    /** m, n, k, slices: the aligned shape in two slices along k (192 + 152), the ragged one whole. */
    static final int[][] SHAPES = {{136, 200, 344, 2}, {37, 19, 23, 1}};

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CudaDevice.class);
    /** The outcome per device ordinal, once per JVM: empty when the mma.sync GEMMs passed. */
    private static final Map<Integer, Optional<String>> OUTCOMES = new ConcurrentHashMap<>();

    private GemmSelfCheck() {
    }

    /**
     * The FP16 / BF16 / TF32 GEMMs of {@code dev}: the mma.sync ones where gemm_mma.ptx loaded (not in {@code missing}),
     * {@code -Dampwatch.gpu.gemm} (or {@code AMPWATCH_GPU_GEMM}) is not {@code wmma}, and they pass the check (once per
     * device and JVM, logged when they fail); else the WMMA ones, the reason put in {@code missing}.
     */
    static KernelLaunch.GemmFamily choose(CudaDevice dev, Map<PtxModule, String> missing) throws GpuUnavailableException {
        if (missing.containsKey(PtxModule.GEMM_MMA)) {
            return KernelLaunch.GemmFamily.WMMA;
        }
        if (setting(System.getProperty("ampwatch.gpu.gemm"), System.getenv("AMPWATCH_GPU_GEMM")).equals("wmma")) {
            missing.put(PtxModule.GEMM_MMA, "not used: -Dampwatch.gpu.gemm=wmma (or AMPWATCH_GPU_GEMM=wmma)");
            return KernelLaunch.GemmFamily.WMMA;
        }
        Optional<String> failure = OUTCOMES.computeIfAbsent(dev.ordinal, o -> Optional.ofNullable(failure(dev)));
        if (failure.isPresent()) {
            LOG.warn("{}: the mma.sync GEMMs (gemm_mma.ptx) failed their self-check, so FP16, BF16 and TF32 run on the WMMA"
                    + " GEMMs (slower): {}", dev.name, failure.get());
            missing.put(PtxModule.GEMM_MMA, "its self-check failed: " + failure.get());
            return KernelLaunch.GemmFamily.WMMA;
        }
        return KernelLaunch.GemmFamily.MMA;
    }

    /** "mma" (the default) or "wmma" from the system property, else the environment variable; anything else is refused. */
    static String setting(String property, String env) throws GpuUnavailableException {
        String value = property != null ? property : env != null ? env : "mma";
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        if (!v.equals("mma") && !v.equals("wmma")) {
            throw new GpuUnavailableException("ampwatch.gpu.gemm (or AMPWATCH_GPU_GEMM) is '" + value
                    + "'; it takes mma (the default: mma.sync GEMMs on sm_80 and newer) or wmma (the WMMA GEMMs)");
        }
        return v;
    }

    /** Forgets the outcomes, so that the next opening checks again (tests that play another GPU). */
    static void forget() {
        OUTCOMES.clear();
    }

    /** What went wrong (the first kernel and value that differ), or null when every kernel gives the exact product. */
    static String failure(CudaDevice dev) {
        for (int[] s : SHAPES) {
            for (Precision p : KernelLaunch.MMA_PRECISIONS) {
                for (GemmOp op : GemmOp.values()) {
                    for (KernelLaunch.MmaBlock block : KernelLaunch.MmaBlock.values()) {
                        String wrong = check(dev, p, op, block, s[0], s[1], s[2], s[3]);
                        if (wrong != null) {
                            return wrong;
                        }
                    }
                }
            }
        }
        return null;
    }

    private static String check(CudaDevice dev, Precision p, GemmOp op, KernelLaunch.MmaBlock block, int m, int n, int k,
            int slices) {
        Random rnd = new Random(31L * m + 7L * n + k);
        float[] a = quarters(rnd, m * k);
        float[] b = quarters(rnd, k * n);
        KernelLaunch launch = block.launch(p, op, m, n, slices);
        String kernel = launch.kernel();
        int slice = KernelLaunch.gemmSliceLength(k, slices);
        CUdeviceptr da = upload(dev, p, a);
        CUdeviceptr db = upload(dev, p, b);
        CUdeviceptr dc = dev.alloc(4L * slices * m * n);
        try {
            float[] nan = new float[slices * m * n];
            java.util.Arrays.fill(nan, Float.NaN);
            dev.upload(dc, nan, nan.length);
            try {
                dev.launch(launch, da, db, dc, m, n, k, slice);
                dev.synchronize();
            } catch (GpuException e) {
                return kernel + " on " + m + "x" + n + "x" + k + ": " + e.getMessage();
            }
            float[] c = new float[slices * m * n];
            dev.download(c, dc, c.length);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double exact = 0;
                    float got = 0;
                    for (int z = 0; z < slices; z++) {
                        got += c[z * m * n + i * n + j];
                    }
                    for (int l = 0; l < k; l++) {
                        exact += (double) a[(int) op.indexA(i, l, m, k)] * b[(int) op.indexB(l, j, k, n)];
                    }
                    if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits((float) exact)) {
                        return kernel + " on " + m + "x" + n + "x" + k + (slices > 1 ? " in " + slices + " slices" : "")
                                + ": C[" + i + "][" + j + "] = " + got + ", exact " + (float) exact;
                    }
                }
            }
            return null;
        } finally {
            dev.free(da);
            dev.free(db);
            dev.free(dc);
        }
    }

    /** Multiples of 1/4 in [-1, 1]: exact in FP16, BF16 and TF32, their products multiples of 1/16. */
    static float[] quarters(Random rnd, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (rnd.nextInt(9) - 4) / 4f;
        }
        return v;
    }

    /** The matrix as that precision's GEMM reads it: FP32 words (fp32, tf32), or FP16 / BF16 halves. */
    static CUdeviceptr upload(CudaDevice dev, Precision p, float[] values) {
        if (p == Precision.FP32 || p == Precision.TF32) {
            CUdeviceptr d = dev.alloc(4L * values.length);
            dev.upload(d, values, values.length);
            return d;
        }
        short[] bits = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = p == Precision.AMP_FP16 ? HalfFloat.fromFloat(values[i]) : ReducedFloat.toBfloat16Bits(values[i]);
        }
        CUdeviceptr d = dev.alloc(2L * bits.length);
        dev.upload(d, bits, bits.length);
        return d;
    }
}
