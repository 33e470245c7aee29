package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Host-side launch geometry, buffer sizes and the GEMM tiling, checked without a GPU. */
class KernelLaunchTest {
    @Test
    void gemmKernelPerPrecisionAndOp() {
        assertThat(KernelLaunch.gemmKernel(Precision.FP32, GemmOp.NN)).isEqualTo("gemm_fp32_nn");
        assertThat(KernelLaunch.gemmKernel(Precision.TF32, GemmOp.TN)).isEqualTo("gemm_tf32_tn");
        assertThat(KernelLaunch.gemmKernel(Precision.AMP_FP16, GemmOp.NT)).isEqualTo("gemm_f16_nt");
        assertThat(KernelLaunch.gemmKernel(Precision.AMP_BF16, GemmOp.NN)).isEqualTo("gemm_bf16_nn");
        assertThat(KernelLaunch.usesTensorCores(Precision.FP32)).isFalse();
        assertThat(KernelLaunch.conversionKernel(Precision.FP32)).isNull();
        assertThat(KernelLaunch.conversionKernel(Precision.AMP_FP16)).isEqualTo("convert_f32_f16");
    }

    @Test
    void gemmGridCoversTheOutputWith64By64Tiles() {
        // forward of the benchmark's first layer: 128 rows x 784 -> 256
        KernelLaunch f = KernelLaunch.gemm(Precision.AMP_FP16, GemmOp.NN, 128, 256, 784);
        assertThat(f).isEqualTo(new KernelLaunch("gemm_f16_nn", 4, 2, 128));
        // weight gradient 784 x 256 over 128 rows; 784 = 12.25 tiles
        assertThat(KernelLaunch.gemm(Precision.FP32, GemmOp.TN, 784, 256, 128))
                .isEqualTo(new KernelLaunch("gemm_fp32_tn", 4, 13, 256));
        // output layer: 10 classes, a partial tile
        assertThat(KernelLaunch.gemm(Precision.TF32, GemmOp.NN, 1, 10, 128))
                .isEqualTo(new KernelLaunch("gemm_tf32_nn", 1, 1, 128));
        assertThatThrownBy(() -> KernelLaunch.gemm(Precision.FP32, GemmOp.NN, 0, 10, 10))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aWeightGradientOfFewTilesAndManyRowsSplitsAlongK() {
        // the cnn preset's first convolution at batch 256: 9 x 32 over 256 x 784 rows, one tile -> 196 slices of 1,024
        assertThat(KernelLaunch.gemmSlices(9, 32, 256 * 784)).isEqualTo(196);
        assertThat(KernelLaunch.gemmSliceLength(256 * 784, 196)).isEqualTo(1024);
        assertThat(KernelLaunch.gemm(Precision.AMP_BF16, GemmOp.TN, 9, 32, 256 * 784, 196))
                .isEqualTo(new KernelLaunch("gemm_bf16_tn", 1, 1, 196, 128));
        // its second (288 x 64 over 256 x 196 rows: 5 tiles) -> 49 slices of 1,024 (fewer than ceil(256 / 5) = 52)
        assertThat(KernelLaunch.gemmSlices(288, 64, 256 * 196)).isEqualTo(49);
        // the demo MLP at batch 128 (784 x 256, 52 tiles, k 128) and a batch of 1,024 (k too short) do not split
        assertThat(KernelLaunch.gemmSlices(784, 256, 128)).isEqualTo(1);
        assertThat(KernelLaunch.gemmSlices(784, 256, 1024)).isEqualTo(1);
        // a C of 256 tiles or more fills the GPU by itself
        assertThat(KernelLaunch.gemmSlices(1024, 1024, 1_000_000)).isEqualTo(1);
        assertThatThrownBy(() -> KernelLaunch.gemm(Precision.FP32, GemmOp.TN, 9, 32, 100, 64))
                .isInstanceOf(IllegalArgumentException.class); // 64 slices of 32 leave the last ones empty
    }

    @Test
    void everySplitCoversKWithNoEmptySliceAndTheWorkspaceBoundHoldsForSmallerBatches() {
        for (int m : new int[] {1, 9, 65, 288, 784, 4096}) {
            for (int n : new int[] {8, 32, 64, 256}) {
                int bound = KernelLaunch.maxGemmSlices(m, n, 300_000);
                for (int k = 1; k <= 300_000; k += k < 5000 ? 37 : 997) {
                    int slices = KernelLaunch.gemmSlices(m, n, k);
                    int length = KernelLaunch.gemmSliceLength(k, slices);
                    assertThat(slices).as("%dx%dx%d", m, n, k).isBetween(1, bound);
                    assertThat(slices).isLessThanOrEqualTo(KernelLaunch.maxGemmSlices(m, n, k));
                    if (slices > 1) {
                        assertThat(length % 32).isZero();
                        assertThat((long) length * (slices - 1)).as("%dx%dx%d: no empty slice", m, n, k).isLessThan(k);
                        assertThat((long) length * slices).isGreaterThanOrEqualTo(k);
                        assertThat(length).isGreaterThanOrEqualTo(KernelLaunch.SPLIT_K_MIN_SLICE);
                    }
                    assertThat(KernelLaunch.gemm(Precision.FP32, GemmOp.TN, m, n, k, slices).gridZ()).isEqualTo(slices);
                }
            }
        }
    }

    @Test
    void elementwiseLaunchesCapTheGridAndRelyOnGridStride() {
        assertThat(KernelLaunch.elementwise("relu_forward", 1)).isEqualTo(new KernelLaunch("relu_forward", 1, 1, 256));
        assertThat(KernelLaunch.elementwise("relu_forward", 257).gridX()).isEqualTo(2);
        assertThat(KernelLaunch.elementwise("bias_add", 128L * 256).gridX()).isEqualTo(128);
        assertThat(KernelLaunch.elementwise("bias_add", 1L << 30).gridX()).isEqualTo(KernelLaunch.MAX_ELEMENTWISE_BLOCKS);
        assertThatThrownBy(() -> KernelLaunch.elementwise("x", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bufferSizesOfTheBenchmarkModel() {
        ModelSpec spec = new ModelSpec(784, List.of(256, 128), 10);
        GpuLayout fp16 = new GpuLayout(spec, Precision.AMP_FP16, OptimizerKind.SGD_MOMENTUM, 128);
        assertThat(fp16.layers()).isEqualTo(3);
        assertThat(fp16.weightBytes(0)).isEqualTo(784L * 256 * 4);
        assertThat(fp16.roundedWeightBytes(0)).isEqualTo(784L * 256 * 2);
        assertThat(fp16.roundedInputBytes(0)).isEqualTo(128L * 784 * 2);
        assertThat(fp16.activationBytes(2)).isEqualTo(128L * 10 * 4);
        assertThat(fp16.roundedGradientBytes()).isEqualTo(128L * 256 * 2);
        assertThat(fp16.optimizerStates()).isEqualTo(1);
        long params = spec.parameterCount();
        long expected = 4 * params * 3 // master, gradient, velocity
                + 2 * spec.macsPerSample() // rounded weights
                + 2L * 128 * (784 + 256 + 128) // rounded layer inputs
                + 2 * 4L * 128 * (256 + 128 + 10) // activations and their gradients
                + 2L * 128 * 256 // rounded incoming gradient
                + 4L * 128 * 784 + 4L * 128 + 8L * 128 + 4L * 128 + 4; // batch, labels, losses, predictions, flag
        assertThat(fp16.totalBytes()).isEqualTo(expected);

        GpuLayout fp32 = new GpuLayout(spec, Precision.FP32, OptimizerKind.ADAM, 128);
        assertThat(fp32.roundedWeightBytes(0)).isZero();
        assertThat(fp32.roundedInputBytes(1)).isZero();
        assertThat(fp32.roundedGradientBytes()).isZero();
        assertThat(fp32.optimizerStates()).isEqualTo(2);
        assertThat(GpuLayout.gemmInputBytes(Precision.TF32)).isEqualTo(4);
        assertThat(GpuLayout.gemmInputBytes(Precision.AMP_BF16)).isEqualTo(2);
    }

    @Test
    void layoutsBeyond32BitIndexingAreRefused() {
        ModelSpec wide = new ModelSpec(784, List.of(40_000), 10);
        assertThatThrownBy(() -> new GpuLayout(wide, Precision.FP32, OptimizerKind.ADAM, 60_000))
                .hasMessageContaining("32-bit kernel indexing");
        assertThatThrownBy(() -> new ModelSpec(50_000, List.of(50_000), 10)).hasMessageContaining("32-bit indexing");
        // a convolution's im2col matrix: 32 x 3 x 3 per output pixel, 28 x 28 pixels per sample
        ModelSpec cnn = new ModelSpec(784, List.of(10), 10, dev.ampwatch.trainer.model.ConvLayer.parseList("c32k3s1,c64k3s1"));
        assertThatThrownBy(() -> new GpuLayout(cnn, Precision.FP32, OptimizerKind.ADAM, 10_000))
                .hasMessageContaining("32-bit kernel indexing");
    }

    @Test
    void bufferSizesOfAConvolutionalModel() {
        ModelSpec cnn = new ModelSpec(784, List.of(32), 10, dev.ampwatch.trainer.model.ConvLayer.parseList("c8k3s1,c16k3s2"));
        GpuLayout bf16 = new GpuLayout(cnn, Precision.AMP_BF16, OptimizerKind.SGD_MOMENTUM, 4);
        assertThat(bf16.layers()).isEqualTo(4);
        assertThat(bf16.rows(0)).isEqualTo(4L * 784);
        assertThat(bf16.columnBytes(0)).isEqualTo(4L * 784 * 9 * 4);
        assertThat(bf16.columnBytes(1)).isEqualTo(4L * 196 * 72 * 4);
        assertThat(bf16.columnBytes(2)).isZero();
        assertThat(bf16.columnGradientBytes()).as("only the second convolution's input has a gradient").isEqualTo(4L * 196 * 72 * 4);
        assertThat(bf16.roundedInputBytes(1)).isEqualTo(2L * 4 * 196 * 72);
        assertThat(bf16.activationBytes(0)).isEqualTo(4L * 4 * 784 * 8);
        assertThat(bf16.roundedGradientBytes()).isEqualTo(2L * 4 * 784 * 8);
        // 3,136 rows of the first layer: 13 chunks of 256 per output channel
        assertThat(bf16.biasPartialBytes()).isEqualTo(4L * 13 * 8);
        assertThat(bf16.batchBytes()).isEqualTo(4L * 4 * 784 + 4L * 4 + 8L * 4 + 4L * 4 + 4);
    }

    /**
     * A Java transcription of the CUDA kernels' tiling (gemm_wmma.cuh, gemm_sm75.cu): the staging
     * loops with their thread-index-to-(row, column) mapping, zero fill past the edges and the guarded
     * write-back. Shapes that are not multiples of the tile must give the plain product.
     */
    @Test
    void tiledGemmStagingMatchesThePlainProductForRaggedShapes() {
        Random rnd = new Random(7);
        int[][] shapes = {{1, 1, 1}, {13, 10, 37}, {64, 64, 32}, {65, 17, 33}, {128, 10, 100}, {3, 130, 5}};
        for (GemmOp op : GemmOp.values()) {
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                float[] a = random(rnd, m * k);
                float[] b = random(rnd, k * n);
                float[] expected = new float[m * n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double sum = 0;
                        for (int p = 0; p < k; p++) {
                            sum += (double) a[(int) op.indexA(i, p, m, k)] * b[(int) op.indexB(p, j, k, n)];
                        }
                        expected[i * n + j] = (float) sum;
                    }
                }
                float[] wmmaTiling = tiled(op, a, b, m, n, k, 64, 64, 32, 128);
                float[] simtTiling = tiled(op, a, b, m, n, k, 64, 64, 16, 256);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(wmmaTiling[i]).as("%s %s [%d]", op, java.util.Arrays.toString(s), i)
                            .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
                    assertThat(simtTiling[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
                }
                KernelLaunch launch = KernelLaunch.gemm(Precision.AMP_FP16, op, m, n, k);
                assertThat((long) launch.gridX() * 64).isGreaterThanOrEqualTo(n);
                assertThat((long) launch.gridY() * 64).isGreaterThanOrEqualTo(m);
            }
        }
    }

    /** The INT8 GEMM's grid, the dp4a row padding, and W transposed with k contiguous (the host half of int8.cu). */
    @Test
    void int8GemmLaunchAndOperandLayout() {
        KernelLaunch l = KernelLaunch.gemmS8(1000, 10);
        assertThat(l.kernel()).isEqualTo("gemm_s8_dp4a");
        assertThat(l.gridX()).isEqualTo(1);
        assertThat(l.gridY()).isEqualTo(16);
        assertThat(l.block()).isEqualTo(256);
        assertThat(KernelLaunch.int8RowBytes(784)).isEqualTo(784);
        assertThat(KernelLaunch.int8RowBytes(37)).isEqualTo(40);
        assertThat(KernelLaunch.int8RowBytes(1)).isEqualTo(4);
        assertThatThrownBy(() -> KernelLaunch.gemmS8(0, 10)).isInstanceOf(IllegalArgumentException.class);
        // a 3 x 2 layer: W = [[1, 2], [3, 4], [5, 6]] (in x out) -> W^T rows of 4 bytes: [1, 3, 5, 0], [2, 4, 6, 0]
        var layer = new dev.ampwatch.trainer.quant.Int8Mlp.Layer(3, 2, new byte[] {1, 2, 3, 4, 5, 6}, new float[] {1, 1},
                new float[] {0, 0}, 1f);
        assertThat(GpuInt8Mlp.transposedPadded(layer, GpuInt8Mlp.rowBytes(3, false))).containsExactly(1, 3, 5, 0, 2, 4, 6, 0);
        byte[] mma = GpuInt8Mlp.transposedPadded(layer, GpuInt8Mlp.rowBytes(3, true)); // whole 32-byte k-steps
        assertThat(mma).hasSize(64);
        assertThat(new byte[] {mma[0], mma[1], mma[2], mma[3], mma[32], mma[33], mma[34], mma[35]}).containsExactly(1, 3, 5, 0, 2, 4, 6, 0);
        assertThat(KernelLaunch.mmaTiles("gemm_s8_mma", 1000, 10)).isEqualTo(new KernelLaunch("gemm_s8_mma", 1, 16, 128));
        // past gridDim.y's 65,535 the blocks walk the rows grid-stride: a CNN's im2col rows at a large batch
        assertThat(KernelLaunch.mmaTiles("gemm_s8_mma", 4096 * 784, 32)).isEqualTo(new KernelLaunch("gemm_s8_mma", 1, 50176, 128));
        assertThat(KernelLaunch.mmaTiles("gemm_s8_mma", 16384 * 784, 32)).isEqualTo(new KernelLaunch("gemm_s8_mma", 1, 65535, 128));
        assertThat(KernelLaunch.mmaRowBytes(784)).isEqualTo(800);
    }

    private static float[] tiled(GemmOp op, float[] a, float[] b, int m, int n, int k, int bm, int bn, int bk,
            int threads) {
        float[] c = new float[m * n];
        KernelLaunch grid = KernelLaunch.gemm(Precision.FP32, op, m, n, k);
        for (int by = 0; by < grid.gridY(); by++) {
            for (int bx = 0; bx < grid.gridX(); bx++) {
                int m0 = by * bm, n0 = bx * bn;
                float[][] acc = new float[bm][bn];
                for (int k0 = 0; k0 < k; k0 += bk) {
                    float[][] as = new float[bm][bk];
                    float[][] bs = new float[bk][bn];
                    for (int t = 0; t < threads; t++) {
                        for (int i = t; i < bm * bk; i += threads) {
                            int r, col;
                            if (op.transposeA()) { col = i / bm; r = i % bm; } else { r = i / bk; col = i % bk; }
                            int gm = m0 + r, gk = k0 + col;
                            as[r][col] = gm < m && gk < k ? a[op.transposeA() ? gk * m + gm : gm * k + gk] : 0f;
                        }
                        for (int i = t; i < bk * bn; i += threads) {
                            int r, col;
                            if (op.transposeB()) { col = i / bk; r = i % bk; } else { r = i / bn; col = i % bn; }
                            int gk = k0 + r, gn = n0 + col;
                            bs[r][col] = gk < k && gn < n ? b[op.transposeB() ? gn * k + gk : gk * n + gn] : 0f;
                        }
                    }
                    for (int i = 0; i < bm; i++) {
                        for (int j = 0; j < bn; j++) {
                            for (int p = 0; p < bk; p++) {
                                acc[i][j] += as[i][p] * bs[p][j];
                            }
                        }
                    }
                }
                for (int i = 0; i < bm; i++) {
                    for (int j = 0; j < bn; j++) {
                        if (m0 + i < m && n0 + j < n) {
                            c[(m0 + i) * n + n0 + j] = acc[i][j];
                        }
                    }
                }
            }
        }
        return c;
    }

    private static float[] random(Random rnd, int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    /**
     * With the mma.sync GEMMs, FP16 and BF16 run in tiles of 128 (4 warps of 64 x 64) where C is at least 128 x 128 and those
     * make at least 128 blocks, else of 64 (128 threads), in the same slices as the WMMA ones; FP32 picks its SIMT
     * kernel's tile by the same rule in either family; TF32 takes the mma.sync blocks as FP16 and BF16 do.
     */
    /**
     * A pipeline stage's bytes are gemm_mma16.cuh's (op(A)'s and op(B)'s tiles as stored, rows padded), and the stage
     * count is as deep as lets the block's share of an SM hold it: H100 / H200 (228 KB an SM, 227 KB a block) and A100
     * (164, 163) 4 stages, an sm_86 / sm_89 / sm_120 GPU (100, 99) 2 for the 128 tiles and 3 for the 64 one.
     */
    @Test
    void theMmaPipelineIsAsDeepAsTheGpusSharedMemoryAllows() {
        KernelLaunch.MmaBlock w4 = KernelLaunch.MmaBlock.MMA128W4;
        KernelLaunch.MmaBlock small = KernelLaunch.MmaBlock.MMA64;
        // FP16 NN: A 128 x (32 + 8), B 32 x (128 + 8) halves; TN: A stored k x m; NT: B stored n x k; TF32: k-steps of 16
        assertThat(w4.stageBytes(Precision.AMP_FP16, GemmOp.NN)).isEqualTo(2 * (128 * 40 + 32 * 136));
        assertThat(w4.stageBytes(Precision.AMP_BF16, GemmOp.TN)).isEqualTo(2 * (32 * 136 + 32 * 136));
        assertThat(w4.stageBytes(Precision.AMP_FP16, GemmOp.NT)).isEqualTo(2 * (128 * 40 + 128 * 40));
        assertThat(w4.stageBytes(Precision.TF32, GemmOp.NN)).isEqualTo(4 * (128 * 20 + 16 * 136));
        assertThat(small.stageBytes(Precision.TF32, GemmOp.NT)).isEqualTo(4 * (64 * 20 + 64 * 20));
        int hopper = 233472;
        int ampere = 167936;
        int ada = 102400;
        for (GemmOp op : GemmOp.values()) {
            for (Precision p : KernelLaunch.MMA_PRECISIONS) {
                for (KernelLaunch.MmaBlock block : KernelLaunch.MmaBlock.values()) {
                    int bytes = block.stageBytes(p, op);
                    assertThat(KernelLaunch.mmaStages(bytes, block.blocksPerSm(), hopper, hopper - 1024)).isEqualTo(4);
                    assertThat(KernelLaunch.mmaStages(bytes, block.blocksPerSm(), ampere, ampere - 1024)).isEqualTo(4);
                    assertThat(KernelLaunch.mmaStages(bytes, block.blocksPerSm(), ada, ada - 1024))
                            .isEqualTo(block == small ? 3 : 2);
                    // the blocks' share of an SM fits what they ask for (1 KB a block kept by the driver)
                    int stages = KernelLaunch.mmaStages(bytes, block.blocksPerSm(), ampere, ampere - 1024);
                    assertThat(block.blocksPerSm() * (stages * bytes + 1024)).isLessThanOrEqualTo(ampere);
                }
            }
        }
        // not even two stages fit one block: 0, the kernels cannot run there
        assertThat(KernelLaunch.mmaStages(20480, 2, 65536, 40000)).isZero();
        // two fit a block but not two blocks an SM: 2 stages, one block at a time
        assertThat(KernelLaunch.mmaStages(20480, 2, 65536, 65536)).isEqualTo(2);
    }

    @Test
    void theTiledKernelsArePickedByTheShape() {
        KernelLaunch large = KernelLaunch.gemm(KernelLaunch.GemmFamily.MMA, Precision.AMP_FP16, GemmOp.NN, 4096, 4096, 4096, 1);
        assertThat(large).isEqualTo(new KernelLaunch("gemm_f16_mma128w4_nn", 32, 32, 1, 128));
        KernelLaunch small = KernelLaunch.gemm(KernelLaunch.GemmFamily.MMA, Precision.AMP_BF16, GemmOp.TN, 784, 256, 128, 1);
        assertThat(small).isEqualTo(new KernelLaunch("gemm_bf16_mma64_tn", 4, 13, 1, 128));
        // 16 x 8 tiles of 128 = 128 blocks: the large tile; one row fewer, the small one
        assertThat(KernelLaunch.gemmTile(2048, 1024, 1)).isEqualTo(128);
        assertThat(KernelLaunch.gemmTile(1920, 1024, 1)).isEqualTo(64);
        assertThat(KernelLaunch.gemmTile(1024, 1024, 2)).isEqualTo(128); // slices count as blocks
        assertThat(KernelLaunch.gemmTile(100, 100_000, 1)).as("C narrower than a large tile").isEqualTo(64);
        KernelLaunch split = KernelLaunch.gemm(KernelLaunch.GemmFamily.MMA, Precision.AMP_BF16, GemmOp.TN, 9, 32, 256 * 784, 196);
        assertThat(split).isEqualTo(new KernelLaunch("gemm_bf16_mma64_tn", 1, 1, 196, 128));
        // FP32 takes the same tiles in either family: its SIMT kernel of 128 x 128 (256 threads, 8 x 8 values each)
        assertThat(KernelLaunch.gemm(Precision.FP32, GemmOp.TN, 4096, 4096, 4096))
                .isEqualTo(new KernelLaunch("gemm_fp32_simt128_tn", 32, 32, 1, 256));
        assertThat(KernelLaunch.gemm(KernelLaunch.GemmFamily.MMA, Precision.FP32, GemmOp.NT, 100, 200, 300, 1))
                .isEqualTo(KernelLaunch.gemm(Precision.FP32, GemmOp.NT, 100, 200, 300));
        assertThat(KernelLaunch.gemm(Precision.TF32, GemmOp.TN, 4096, 4096, 4096).kernel()).isEqualTo("gemm_tf32_tn");
        assertThat(KernelLaunch.gemm(KernelLaunch.GemmFamily.MMA, Precision.TF32, GemmOp.TN, 4096, 4096, 4096, 1))
                .isEqualTo(new KernelLaunch("gemm_tf32_mma128w4_tn", 32, 32, 1, 128));
        assertThat(KernelLaunch.gemm(KernelLaunch.GemmFamily.MMA, Precision.TF32, GemmOp.NT, 100, 200, 300, 1))
                .isEqualTo(new KernelLaunch("gemm_tf32_mma64_nt", 4, 2, 1, 128));
        assertThatThrownBy(() -> KernelLaunch.MmaBlock.MMA64.kernel(Precision.FP32, GemmOp.NN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SIMT");
        assertThatThrownBy(() -> KernelLaunch.gemm(KernelLaunch.GemmFamily.MMA, Precision.AMP_FP16, GemmOp.NN, 0, 10, 10, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theGemmSettingTakesMmaOrWmma() throws Exception {
        assertThat(GemmSelfCheck.setting(null, null)).isEqualTo("mma");
        assertThat(GemmSelfCheck.setting("WMMA", null)).isEqualTo("wmma");
        assertThat(GemmSelfCheck.setting(null, "wmma")).isEqualTo("wmma");
        assertThat(GemmSelfCheck.setting("mma", "wmma")).as("the property wins").isEqualTo("mma");
        assertThatThrownBy(() -> GemmSelfCheck.setting("cublas", null)).isInstanceOf(GpuUnavailableException.class)
                .hasMessage("ampwatch.gpu.gemm (or AMPWATCH_GPU_GEMM) is 'cublas'; it takes mma (the default: mma.sync GEMMs on"
                        + " sm_80 and newer) or wmma (the WMMA GEMMs)");
    }
}
