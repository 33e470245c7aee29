package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.trainer.precision.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every GEMM kernel (each precision x NN / TN / NT) on edge and real shapes, against the exact product: the
 * inputs are multiples of 1/4 in [-1, 1], exact in FP16, BF16 and TF32, so every product is a multiple of
 * 1/16 and every partial sum (at most 5,000 terms) is exact in FP32 whatever the order the kernel adds them in.
 * The result must therefore equal the exact product bit for bit; an indexing, tiling, edge or transposition
 * mistake cannot hide in a tolerance. The 8-bit inference GEMMs likewise ({@link #theEightBitKernelsGiveTheExactProduct}). Runs where a GPU works; skipped elsewhere, failed with
 * {@code -Dampwatch.requireGpu=true} (benchmarks/gpu-smoke.sh).
 */
@EnabledIf("dev.ampwatch.trainer.gpu.GpuParityTest#gpuWorks")
class GemmMatrixTest {
    /** One device for the class: opening one loads every module, which on a GPU costs tens of milliseconds a case. */
    private static CudaDevice shared;

    private static synchronized CudaDevice device() throws GpuUnavailableException {
        if (shared == null) {
            shared = CudaDevice.open(0);
        }
        shared.makeCurrent();
        return shared;
    }

    @org.junit.jupiter.api.AfterAll
    static synchronized void closeDevice() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }

    /** m x n x k: edges (1, one past a 16-tile, odd) and the demo model's layers (rows 100 / 1000, 784-256-128-10). */
    static final int[][] SHAPES = {{1, 1, 1}, {65, 17, 33}, {16, 16, 16}, {100, 256, 784}, {784, 256, 128}, {1000, 10, 128},
        {128, 10, 1000}};
    /**
     * m x n x k split along k ({@link KernelLaunch#gemmSlices}): a convolution's weight gradient (9 x 32, k long),
     * a last slice shorter than the others, and one of many tiles that still splits. At most 5,000 terms of
     * multiples of 1/16 up to 1: still exact in FP32.
     */
    static final int[][] SPLIT_SHAPES = {{9, 32, 5000}, {288, 64, 3000}, {65, 17, 2100}, {100, 130, 4096}};

    static Stream<Arguments> cases() {
        return cases(SHAPES);
    }

    static Stream<Arguments> splitCases() {
        return cases(SPLIT_SHAPES);
    }

    private static Stream<Arguments> cases(int[][] shapes) {
        List<Arguments> out = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (GemmOp op : GemmOp.values()) {
                for (int[] s : shapes) {
                    out.add(Arguments.of(p, op, s[0], s[1], s[2]));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}x{3}x{4}")
    @MethodSource("cases")
    void theKernelGivesTheExactProductBitForBit(Precision precision, GemmOp op, int m, int n, int k) throws Exception {
        exactProduct(precision, op, m, n, k, 1);
    }

    @ParameterizedTest(name = "{0} {1} {2}x{3}x{4} split")
    @MethodSource("splitCases")
    void theSlicesOfASplitKGemmAddUpToTheExactProduct(Precision precision, GemmOp op, int m, int n, int k) throws Exception {
        int slices = KernelLaunch.gemmSlices(m, n, k);
        assertThat(slices).as("%dx%dx%d splits", m, n, k).isGreaterThan(1);
        exactProduct(precision, op, m, n, k, slices);
    }

    static Stream<Arguments> mmaCases() {
        List<Arguments> out = new ArrayList<>();
        for (Precision p : List.of(Precision.FP32, Precision.AMP_FP16, Precision.AMP_BF16, Precision.TF32)) {
            for (GemmOp op : GemmOp.values()) {
                for (String block : p == Precision.FP32 ? List.of("simt64", "simt128") : List.of("mma64", "mma128", "mma128w4")) {
                    for (int[] s : MMA_SHAPES) {
                        out.add(Arguments.of(p, op, block, s[0], s[1], s[2], s[3]));
                    }
                }
            }
        }
        return out.stream();
    }

    /**
     * m x n x k x slices for the mma.sync GEMMs (gemm_mma.ptx) and the FP32 SIMT GEMM, run in both tiles whatever {@link KernelLaunch#gemmTile}
     * would pick: the shapes above (ragged ones take the element-wise staging, the others the 16-byte cp.async), one
     * past a 128-tile with several k-steps and a stage boundary mid-tile, a large one, and split along k with a last
     * slice that starts mid-stage.
     */
    static final int[][] MMA_SHAPES = {{1, 1, 1, 1}, {65, 17, 33, 1}, {16, 16, 16, 1}, {100, 256, 784, 1}, {784, 256, 128, 1},
        {1000, 10, 128, 1}, {128, 10, 1000, 1}, {136, 72, 80, 1}, {264, 200, 136, 1}, {512, 384, 256, 1},
        {288, 64, 3000, 3}, {100, 130, 4096, 4}, {9, 32, 5000, 4}};

    @ParameterizedTest(name = "{0} {1} {2} {3}x{4}x{5} in {6}")
    @MethodSource("mmaCases")
    void theKernelsOfEveryBlockGiveTheExactProductBitForBit(Precision precision, GemmOp op, String block, int m, int n, int k,
            int slices) throws Exception {
        GpuRequirement.assumeBackend(precision);
        KernelLaunch launch = switch (block) {
            case "simt64" -> new KernelLaunch("gemm_fp32_" + op.suffix(), KernelLaunch.ceilDiv(n, 64), KernelLaunch.ceilDiv(m, 64),
                    slices, KernelLaunch.SIMT_THREADS);
            case "simt128" -> new KernelLaunch("gemm_fp32_simt128_" + op.suffix(), KernelLaunch.ceilDiv(n, 128),
                    KernelLaunch.ceilDiv(m, 128), slices, KernelLaunch.SIMT_THREADS);
            default -> KernelLaunch.MmaBlock.valueOf(block.toUpperCase(java.util.Locale.ROOT)).launch(precision, op, m, n, slices);
        };
        String kernel = launch.kernel();
        CudaDevice dev = device(); // run even where the self-check failed: this says where
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.hasKernel(kernel) || GpuRequirement.required(),
                () -> "gemm_mma.ptx not loaded: " + dev.missing(PtxModule.GEMM_MMA));
        assertThat(dev.hasKernel(kernel)).as("%s on %s: %s", kernel, dev.name, dev.missing(PtxModule.GEMM_MMA)).isTrue();
        exactProduct(precision, op, m, n, k, slices, launch);
    }

    static Stream<Arguments> stageCases() {
        List<Arguments> out = new ArrayList<>();
        for (Precision p : List.of(Precision.AMP_FP16, Precision.TF32)) {
            for (GemmOp op : GemmOp.values()) {
                for (KernelLaunch.MmaBlock block : KernelLaunch.MmaBlock.values()) {
                    for (int stages : new int[] {2, 3}) {
                        for (int[] s : new int[][] {{136, 72, 80, 1}, {288, 64, 3000, 3}}) {
                            out.add(Arguments.of(p, op, block, stages, s[0], s[1], s[2], s[3]));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    /**
     * The mma.sync GEMMs take their pipeline depth from the launch's dynamic shared memory (MmaStages gives a GPU as
     * many stages as fit, 4 on the fake's sm_90, which the cases above run): 2 and 3 stages, on a shape of a few
     * k-steps and on one of 32 a slice, give the same exact product.
     */
    @ParameterizedTest(name = "{0} {1} {2} in {3} stages {4}x{5}x{6} in {7}")
    @MethodSource("stageCases")
    void everyPipelineDepthGivesTheExactProduct(Precision precision, GemmOp op, KernelLaunch.MmaBlock block, int stages,
            int m, int n, int k, int slices) throws Exception {
        exactProduct(precision, op, m, n, k, slices, block.launch(precision, op, m, n, slices),
                stages * block.stageBytes(precision, op));
    }

    /** Launched without room for two stages, an mma.sync GEMM writes NaN everywhere rather than a wrong product. */
    @org.junit.jupiter.api.Test
    void anMmaGemmWithoutRoomForTwoStagesWritesNaN() throws Exception {
        GpuRequirement.assumeBackend(Precision.AMP_BF16);
        KernelLaunch.MmaBlock block = KernelLaunch.MmaBlock.MMA64;
        KernelLaunch launch = block.launch(Precision.AMP_BF16, GemmOp.NN, 70, 70, 1);
        CudaDevice dev = device();
        CUdeviceptr a = GemmSelfCheck.upload(dev, Precision.AMP_BF16, new float[70 * 64]);
        CUdeviceptr b = GemmSelfCheck.upload(dev, Precision.AMP_BF16, new float[64 * 70]);
        CUdeviceptr c = dev.alloc(4L * 70 * 70);
        try {
            dev.launchWithShared(launch, 2 * block.stageBytes(Precision.AMP_BF16, GemmOp.NN) - 1, a, b, c, 70, 70, 64, 64);
            dev.synchronize();
            float[] out = new float[70 * 70];
            dev.download(out, c, out.length);
            for (float v : out) {
                assertThat(v).isNaN();
            }
        } finally {
            dev.free(a);
            dev.free(b);
            dev.free(c);
        }
    }

    @org.junit.jupiter.api.Test
    void theDeviceRunsTheMmaKernelsForFp16Bf16AndTf32WhereTheyLoad() throws Exception {
        GpuRequirement.assumeBackend(Precision.AMP_BF16);
        CudaDevice dev = device();
        assertThat(dev.gemmFamily()).as("%s: %s", dev.name, dev.missing(PtxModule.GEMM_MMA))
                .isEqualTo(KernelLaunch.GemmFamily.MMA);
        assertThat(KernelLaunch.gemm(dev.gemmFamily(), Precision.AMP_FP16, GemmOp.NN, 4096, 4096, 4096, 1).kernel())
                .isEqualTo("gemm_f16_mma128w4_nn");
        assertThat(KernelLaunch.gemm(dev.gemmFamily(), Precision.AMP_BF16, GemmOp.TN, 784, 256, 128, 1).kernel())
                .isEqualTo("gemm_bf16_mma64_tn");
        assertThat(KernelLaunch.gemm(dev.gemmFamily(), Precision.TF32, GemmOp.NT, 4096, 4096, 4096, 1).kernel())
                .isEqualTo("gemm_tf32_mma128w4_nt");
    }

    private void exactProduct(Precision precision, GemmOp op, int m, int n, int k, int slices) throws Exception {
        exactProduct(precision, op, m, n, k, slices,
                slices == 1 ? KernelLaunch.gemm(precision, op, m, n, k) : KernelLaunch.gemm(precision, op, m, n, k, slices));
    }

    private void exactProduct(Precision precision, GemmOp op, int m, int n, int k, int slices, KernelLaunch launch)
            throws Exception {
        exactProduct(precision, op, m, n, k, slices, launch, -1);
    }

    /** The product through {@code launch} with that much dynamic shared memory (-1: the device's setting). */
    private void exactProduct(Precision precision, GemmOp op, int m, int n, int k, int slices, KernelLaunch launch,
            int sharedBytes) throws Exception {
        GpuRequirement.assumeBackend(precision);
        Random rnd = new Random(31L * m + 7L * n + k);
        float[] a = GemmSelfCheck.quarters(rnd, m * k); // op(A) is m x k, stored as GemmOp says
        float[] b = GemmSelfCheck.quarters(rnd, k * n);
        float[] expected = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int l = 0; l < k; l++) {
                    sum += (double) a[(int) op.indexA(i, l, m, k)] * b[(int) op.indexB(l, j, k, n)];
                }
                expected[i * n + j] = (float) sum; // exact: see the class comment
            }
        }
        CudaDevice dev = device();
        CUdeviceptr da = GemmSelfCheck.upload(dev, precision, a);
        CUdeviceptr db = GemmSelfCheck.upload(dev, precision, b);
        CUdeviceptr dc = dev.alloc(4L * m * n);
        CUdeviceptr partial = slices > 1 ? dev.alloc(4L * slices * m * n) : null;
        try {
            int shared = sharedBytes >= 0 ? sharedBytes : dev.dynamicShared(launch.kernel());
            if (slices == 1) {
                dev.launchWithShared(launch, shared, da, db, dc, m, n, k, k);
            } else {
                dev.launchWithShared(launch, shared, da, db, partial, m, n, k, KernelLaunch.gemmSliceLength(k, slices));
                dev.launch(KernelLaunch.elementwise("sum_slices", (long) m * n), partial, dc, slices, m * n);
            }
            dev.synchronize();
            float[] c = new float[m * n];
            dev.download(c, dc, m * n);
            int wrong = 0;
            String first = null;
            for (int i = 0; i < c.length; i++) {
                if (Float.floatToRawIntBits(c[i]) != Float.floatToRawIntBits(expected[i])) {
                    wrong++;
                    if (first == null) {
                        first = "C[" + i / n + "][" + i % n + "] = " + c[i] + ", exact " + expected[i];
                    }
                }
            }
            assertThat(wrong).as(precision.cliName() + " " + op + " " + m + "x" + n + "x" + k + ": " + first).isZero();
        } finally {
            dev.free(da);
            dev.free(db);
            dev.free(dc);
            dev.free(partial);
        }
    }

    /**
     * m x n x k of the 8-bit GEMMs: edges, a k of one and a half 64-byte stages (96), a k that is not a multiple of 32,
     * the demo model's first layer, and rows past one 64-row tile with columns past two.
     */
    static final int[][] EIGHT_BIT_SHAPES = {{1, 1, 1}, {65, 17, 33}, {64, 64, 64}, {130, 70, 96}, {100, 256, 784},
        {1000, 10, 800}, {300, 130, 520}};

    static Stream<Arguments> eightBitCases() {
        List<Arguments> out = new ArrayList<>();
        for (String kernel : List.of(KernelLaunch.GEMM_S8, GpuInt8Mlp.MMA, "gemm_e4m3_mma")) {
            for (int[] s : EIGHT_BIT_SHAPES) {
                out.add(Arguments.of(kernel, s[0], s[1], s[2]));
            }
        }
        return out.stream();
    }

    /**
     * The INT8 (dp4a, integer tensor cores) and FP8 GEMMs against the exact product: INT8 values in [-127, 127] sum
     * exactly in int32; FP8 values are integers in [-2, 2], exact in E4M3, whose products and sums (at most 3,200
     * in magnitude) are exact even in an accumulator of 14 bits. The mma kernels also run on grids of 1 and 3 rows
     * of blocks, so their grid-stride walk over the rows (taken past CUDA's 65,535 blocks of y) is checked too.
     */
    @ParameterizedTest(name = "{0} {1}x{2}x{3}")
    @MethodSource("eightBitCases")
    void theEightBitKernelsGiveTheExactProduct(String kernel, int m, int n, int k) throws Exception {
        GpuRequirement.assumeBackend(Precision.FP32);
        boolean dp4a = kernel.equals(KernelLaunch.GEMM_S8);
        boolean fp8 = kernel.equals("gemm_e4m3_mma");
        int ld = dp4a ? KernelLaunch.int8RowBytes(k) : KernelLaunch.mmaRowBytes(k);
        Random rnd = new Random(17L * m + 5L * n + k);
        byte[] a = new byte[m * ld]; // A (m x ld) and Bt (n x ld) row-major, the padding zero
        byte[] bt = new byte[n * ld];
        int[] av = new int[m * k];
        int[] bv = new int[n * k];
        fillEightBit(rnd, a, av, m, k, ld, fp8);
        fillEightBit(rnd, bt, bv, n, k, ld, fp8);
        long[] expected = new long[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                for (int l = 0; l < k; l++) {
                    expected[i * n + j] += (long) av[i * k + l] * bv[j * k + l];
                }
            }
        }
        CudaDevice dev = device();
        if (!dev.hasKernel(kernel)) {
            assertThat(dp4a).as("every GPU the backend runs on has dp4a").isFalse();
            return; // the tensor-core kernels need sm_80 (INT8) and sm_89 (FP8): nothing to check on this GPU
        }
        List<KernelLaunch> grids = new ArrayList<>();
        if (dp4a) {
            grids.add(KernelLaunch.gemmS8(m, n));
        } else {
            KernelLaunch full = KernelLaunch.mmaTiles(kernel, m, n);
            grids.add(full);
            for (int rows : new int[] {1, 3}) {
                if (rows < full.gridY()) {
                    grids.add(new KernelLaunch(kernel, full.gridX(), rows, full.block()));
                }
            }
        }
        CUdeviceptr da = dev.alloc(a.length);
        CUdeviceptr db = dev.alloc(bt.length);
        CUdeviceptr dc = dev.alloc(4L * m * n);
        try {
            dev.upload(da, a, a.length);
            dev.upload(db, bt, bt.length);
            for (KernelLaunch grid : grids) {
                dev.zero(dc, 4L * m * n);
                if (dp4a) {
                    dev.launch(grid, da, db, dc, m, n, ld / 4);
                } else {
                    dev.launch(grid, da, db, dc, m, n, ld);
                }
                dev.synchronize();
                int[] c = new int[m * n];
                float[] f = new float[m * n];
                if (fp8) {
                    dev.download(f, dc, m * n);
                } else {
                    dev.download(c, dc, m * n);
                }
                int wrong = 0;
                String first = null;
                for (int i = 0; i < m * n; i++) {
                    boolean right = fp8 ? f[i] == (float) expected[i] : c[i] == expected[i];
                    if (!right) {
                        wrong++;
                        if (first == null) {
                            first = "C[" + i / n + "][" + i % n + "] = " + (fp8 ? f[i] : c[i]) + ", exact " + expected[i];
                        }
                    }
                }
                assertThat(wrong).as("%s %dx%dx%d on %dx%d blocks: %s", kernel, m, n, k, grid.gridX(), grid.gridY(), first)
                        .isZero();
            }
        } finally {
            dev.free(da);
            dev.free(db);
            dev.free(dc);
        }
    }

    /** Rows of k values then zero padding to ld: INT8 in [-127, 127], or FP8 E4M3 codes of integers in [-2, 2]. */
    private static void fillEightBit(Random rnd, byte[] bytes, int[] values, int rows, int k, int ld, boolean fp8) {
        for (int r = 0; r < rows; r++) {
            for (int l = 0; l < k; l++) {
                int v = fp8 ? rnd.nextInt(5) - 2 : rnd.nextInt(255) - 127;
                values[r * k + l] = v;
                bytes[r * ld + l] = fp8 ? GpuFp8Mlp.e4m3Bits(v) : (byte) v;
            }
        }
    }
}
