package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.precision.Precision;

/**
 * Grid and block of one kernel launch, and the rules that produce them: the host-side half of the
 * CUDA sources in {@code src/main/cuda}, kept here so it can be tested without a GPU.
 *
 * @param kernel entry point name in the PTX
 * @param gridX blocks along x
 * @param gridY blocks along y
 * @param gridZ blocks along z: a split-K GEMM's slices ({@link #gemmSlices}), else 1
 * @param block threads per block (1-D blocks throughout)
 */
public record KernelLaunch(String kernel, int gridX, int gridY, int gridZ, int block) {
    /** Output tile of one GEMM block (both kernel families): 64 x 64 values of C. */
    public static final int GEMM_TILE = 64;
    /** Threads of the FP32 SIMT GEMM block: 16 x 16, each computing 4 x 4 values. */
    public static final int SIMT_THREADS = 256;
    /** Threads of the WMMA GEMM block: 4 warps, each computing 32 x 32 values as 2 x 2 fragments. */
    public static final int WMMA_THREADS = 128;
    /** The larger tile of the mma.sync GEMMs and the FP32 SIMT GEMM. */
    public static final int MMA_LARGE_TILE = 128;

    /** The blocks of the mma.sync GEMMs (gemm_mma16.cuh): the kernel's name part, its tile and its threads. */
    public enum MmaBlock {
        /** 64 x 64 as 4 warps of 32 x 32. */
        MMA64("mma64", GEMM_TILE, 128),
        /** 128 x 128 as 8 warps of 64 x 32. */
        MMA128("mma128", MMA_LARGE_TILE, 256),
        /** 128 x 128 as 4 warps of 64 x 64 (the large tile's default: fewer shared-memory bytes per mma). */
        MMA128W4("mma128w4", MMA_LARGE_TILE, 128);

        private final String part;
        private final int tile;
        private final int threads;

        MmaBlock(String part, int tile, int threads) {
            this.part = part;
            this.tile = tile;
            this.threads = threads;
        }

        public int tile() {
            return tile;
        }

        /** e.g. gemm_bf16_mma128w4_tn, gemm_tf32_mma64_nn. */
        public String kernel(Precision precision, GemmOp op) {
            String type = switch (precision) {
                case AMP_FP16 -> "f16";
                case AMP_BF16 -> "bf16";
                case TF32 -> "tf32";
                case FP32 -> throw new IllegalArgumentException("fp32 has no mma.sync GEMM (it runs on the SIMT cores)");
            };
            return "gemm_" + type + "_" + part + "_" + op.suffix();
        }

        /**
         * Bytes of shared memory one pipeline stage of this block takes (gemm_mma16.cuh's STAGE_ELEMENTS): op(A)'s tile
         * and op(B)'s as stored, a k-step of 32 16-bit or 16 TF32 values, rows padded by 8 values where they run along
         * m or n and by 8 (16-bit) or 4 (TF32) where they run along k.
         */
        public int stageBytes(Precision precision, GemmOp op) {
            boolean tf32 = precision == Precision.TF32;
            int bk = tf32 ? 16 : 32;
            int padK = tf32 ? 4 : 8;
            int padMn = 8;
            int aRows = op.transposeA() ? bk : tile;
            int aLd = op.transposeA() ? tile + padMn : bk + padK;
            int bRows = op.transposeB() ? tile : bk;
            int bLd = op.transposeB() ? bk + padK : tile + padMn;
            return (tf32 ? 4 : 2) * (aRows * aLd + bRows * bLd);
        }

        /**
         * Blocks an SM should hold at once, what the stage count leaves room for: two of the 128 tiles (their registers
         * allow no more: 8 warps of up to 128, or 4 of up to 255), three of the 64 tile.
         */
        public int blocksPerSm() {
            return this == MMA64 ? 3 : 2;
        }

        /** Its launch for C of m x n in that many slices (precision FP16, BF16 or TF32). */
        public KernelLaunch launch(Precision precision, GemmOp op, int m, int n, int slices) {
            return new KernelLaunch(kernel(precision, op), ceilDiv(n, tile), ceilDiv(m, tile), slices, threads);
        }
    }

    /** The most pipeline stages of the mma.sync GEMMs (their wait takes an immediate of at most 2 groups in flight). */
    public static final int MMA_MAX_STAGES = 4;
    /** Shared memory the driver keeps per block on sm_80 and newer, besides what the kernel asks for. */
    private static final int RESERVED_SHARED_PER_BLOCK = 1024;

    /**
     * Pipeline stages for an mma.sync GEMM block on a GPU with that much shared memory per SM and per block (opt-in):
     * as many as let {@code blocksPerSm} blocks share an SM, at most {@link #MMA_MAX_STAGES}, at least 2 where one
     * block of 2 fits; 0 where not even that (the kernels cannot run there). The count changes when tiles are copied,
     * never the sums: any count gives the same bits. An H100 or H200 (228 KB an SM) and an A100 (164 KB) get 4
     * stages for every block; an sm_86, sm_89 or sm_120 GPU (100 KB) 2 for the 128 tiles, 3 for the 64 one.
     */
    public static int mmaStages(int stageBytes, int blocksPerSm, int sharedPerSm, int optinPerBlock) {
        int byBlock = optinPerBlock / stageBytes;
        if (byBlock < 2) {
            return 0;
        }
        int bySm = (sharedPerSm / blocksPerSm - RESERVED_SHARED_PER_BLOCK) / stageBytes;
        return Math.max(2, Math.min(MMA_MAX_STAGES, Math.min(bySm, byBlock)));
    }

    /** The block a 128-wide tile runs in: {@link MmaBlock#MMA128W4}. */
    public static final MmaBlock MMA_LARGE_BLOCK = MmaBlock.MMA128W4;
    /**
     * Fewest blocks a GEMM must make in tiles of 128 (slices included) to be run in them: about one wave of a
     * data-centre GPU's SMs (132 on an H100 or H200); fewer, and tiles of 64 keep more SMs busy. A function of the
     * shape only; the tile does not change the sums (each C value adds its k-steps in k order either way).
     */
    public static final int MMA_LARGE_TILE_MIN_BLOCKS = 128;
    /** Threads per block of the element-wise kernels. */
    public static final int ELEMENTWISE_THREADS = 256;
    /** Cap on element-wise blocks; the kernels use grid-stride loops, so any count is correct. */
    public static final int MAX_ELEMENTWISE_BLOCKS = 4096;
    /** CUDA's limit on gridDim.y. */
    private static final int MAX_GRID_Y = 65535;

    /**
     * Blocks a GEMM grid aims for when it splits K: about two waves of a data-centre GPU's SMs (132 on an H100 or H200).
     * A constant, not the device's SM count, so that a GEMM sums in the same order, to the same floats, on every GPU.
     */
    public static final int SPLIT_K_TARGET_BLOCKS = 256;
    /** Fewest k values per split-K slice, a multiple of both GEMM families' k-tile (16 and 32). */
    public static final int SPLIT_K_MIN_SLICE = 1024;
    /** CUDA's limit on gridDim.z. */
    private static final int MAX_GRID_Z = 65535;

    public KernelLaunch {
        if (gridX < 1 || gridY < 1 || gridZ < 1 || block < 1) {
            throw new IllegalArgumentException("empty launch of " + kernel + ": " + gridX + "x" + gridY + "x" + gridZ
                    + " blocks of " + block);
        }
    }

    /** A launch of a 2-D grid. */
    public KernelLaunch(String kernel, int gridX, int gridY, int block) {
        this(kernel, gridX, gridY, 1, block);
    }

    /** The kernels a device runs a GEMM of FP16, BF16 or TF32 inputs with (FP32 runs the SIMT ones either way). */
    public enum GemmFamily {
        /** WMMA in 64 x 64 tiles (gemm_sm75 / gemm_sm80): every GPU from sm_75 (TF32 and BF16 from sm_80). */
        WMMA,
        /**
         * mma.sync (m16n8k16 for FP16 and BF16, m16n8k8 for TF32) with cp.async and ldmatrix in tiles of 64 or 128
         * (gemm_mma.ptx): sm_80 and newer.
         */
        MMA
    }

    /** The precisions that have mma.sync GEMMs ({@link MmaBlock}): the tensor-core ones. */
    public static final java.util.List<Precision> MMA_PRECISIONS = java.util.List.of(Precision.AMP_FP16, Precision.AMP_BF16,
            Precision.TF32);

    /** Entry point of {@code precision}'s GEMM for {@code op}, e.g. {@code gemm_f16_tn}. */
    public static String gemmKernel(Precision precision, GemmOp op) {
        String type = switch (precision) {
            case FP32 -> "fp32";   // SIMT FMA, no tensor cores
            case TF32 -> "tf32";   // wmma m16n16k8 tf32
            case AMP_FP16 -> "f16"; // wmma m16n16k16 f16
            case AMP_BF16 -> "bf16"; // wmma m16n16k16 bf16
        };
        return "gemm_" + type + "_" + op.suffix();
    }

    /** Whether {@code precision}'s GEMMs run on tensor cores (every mode but fp32). */
    public static boolean usesTensorCores(Precision precision) {
        return precision != Precision.FP32;
    }

    /**
     * Launch of {@code C (m x n) = op(A) (m x k) op(B) (k x n)}: one block per 64 x 64 tile of C, the whole of k
     * (the kernel's last argument, kSlice, is then k).
     */
    public static KernelLaunch gemm(Precision precision, GemmOp op, int m, int n, int k) {
        return gemm(precision, op, m, n, k, 1);
    }

    /**
     * Launch of the same GEMM split into {@code slices} along k ({@link #gemmSlices}): slice z sums k in
     * [z s, (z + 1) s), s = {@link #gemmSliceLength}, into the partial product z (m x n) of a workspace, which
     * {@code sum_slices} then adds in slice order.
     */
    public static KernelLaunch gemm(Precision precision, GemmOp op, int m, int n, int k, int slices) {
        return gemm(GemmFamily.WMMA, precision, op, m, n, k, slices);
    }

    /**
     * The same launch in {@code family}'s kernels: for FP16, BF16 and TF32 with {@link GemmFamily#MMA}, {@code
     * gemm_f16_mma64_nn} and the like, in tiles of 128 or 64 ({@link #mmaTile}); the slices along k are the same in
     * both families ({@link #gemmSlices}).
     */
    public static KernelLaunch gemm(GemmFamily family, Precision precision, GemmOp op, int m, int n, int k, int slices) {
        boolean mma = family == GemmFamily.MMA && MMA_PRECISIONS.contains(precision);
        if (mma || precision == Precision.FP32) {
            KernelLaunch checked = gemm64(precision, op, m, n, k, slices); // the same argument checks
            int tile = gemmTile(m, n, slices);
            if (!mma && tile == GEMM_TILE) {
                return checked;
            }
            if (mma) {
                return (tile == GEMM_TILE ? MmaBlock.MMA64 : MMA_LARGE_BLOCK).launch(precision, op, m, n, checked.gridZ());
            }
            return new KernelLaunch("gemm_fp32_simt" + tile + "_" + op.suffix(), ceilDiv(n, tile), ceilDiv(m, tile),
                    checked.gridZ(), SIMT_THREADS);
        }
        return gemm64(precision, op, m, n, k, slices);
    }

    /** The launch in tiles of 64: the WMMA GEMMs and the FP32 SIMT one of 64 x 64. */
    private static KernelLaunch gemm64(Precision precision, GemmOp op, int m, int n, int k, int slices) {
        if (m < 1 || n < 1 || k < 1) {
            throw new IllegalArgumentException("GEMM dimensions must be >= 1: m=" + m + " n=" + n + " k=" + k);
        }
        int gridY = ceilDiv(m, GEMM_TILE);
        if (gridY > MAX_GRID_Y) {
            throw new IllegalArgumentException("GEMM with " + m + " rows exceeds the grid's y limit");
        }
        if (slices < 1 || slices > MAX_GRID_Z || (slices > 1 && (long) gemmSliceLength(k, slices) * (slices - 1) >= k)) {
            throw new IllegalArgumentException("GEMM with k=" + k + " cannot be split into " + slices + " slices");
        }
        return new KernelLaunch(gemmKernel(precision, op), ceilDiv(n, GEMM_TILE), gridY, slices,
                usesTensorCores(precision) ? WMMA_THREADS : SIMT_THREADS);
    }

    /**
     * The tile of the mma.sync GEMMs and the FP32 SIMT GEMM for C of m x n in that many slices: 128 where m and n are
     * both at least 128 and the tiles make {@link #MMA_LARGE_TILE_MIN_BLOCKS}, else {@link #GEMM_TILE} (a narrow C,
     * such as a convolution's 9 x 32 weight gradient in many slices, would leave most of a large tile's warps
     * multiplying zeros).
     */
    public static int gemmTile(int m, int n, int slices) {
        long large = (long) ceilDiv(m, MMA_LARGE_TILE) * ceilDiv(n, MMA_LARGE_TILE) * slices;
        return m >= MMA_LARGE_TILE && n >= MMA_LARGE_TILE && large >= MMA_LARGE_TILE_MIN_BLOCKS ? MMA_LARGE_TILE : GEMM_TILE;
    }

    /**
     * Slices along k for a GEMM of {@code m x n x k}: 1 when its 64 x 64 tiles already make
     * {@link #SPLIT_K_TARGET_BLOCKS} blocks or k is short, else enough slices of at least {@link #SPLIT_K_MIN_SLICE}
     * to get there. A convolution's weight gradient at batch 256 (9 x 32 x 200,704 for the cnn preset's first layer)
     * is otherwise a single block walking 200,704 rows while the rest of the GPU idles. A function of the shape
     * only, so the sums are the same on every GPU.
     */
    public static int gemmSlices(int m, int n, int k) {
        long tiles = (long) ceilDiv(m, GEMM_TILE) * ceilDiv(n, GEMM_TILE);
        if (tiles >= SPLIT_K_TARGET_BLOCKS || k < 2 * SPLIT_K_MIN_SLICE) {
            return 1;
        }
        long wanted = Math.min(k / SPLIT_K_MIN_SLICE,
                (SPLIT_K_TARGET_BLOCKS + tiles - 1) / tiles);
        int slices = (int) Math.min(wanted, MAX_GRID_Z);
        while (slices > 1 && (long) gemmSliceLength(k, slices) * (slices - 1) >= k) {
            slices--; // rounding the slices up to whole k-tiles left the last one empty
        }
        return slices;
    }

    /**
     * At least {@link #gemmSlices} for every k up to {@code maxK} at this m x n (a workspace bound that grows with the
     * batch): maxK / {@link #SPLIT_K_MIN_SLICE} capped by the blocks' target over the tiles; 1 when k cannot
     * split.
     */
    public static int maxGemmSlices(int m, int n, long maxK) {
        long tiles = (long) ceilDiv(m, GEMM_TILE) * ceilDiv(n, GEMM_TILE);
        if (tiles >= SPLIT_K_TARGET_BLOCKS || maxK < 2 * SPLIT_K_MIN_SLICE) {
            return 1;
        }
        return (int) Math.min(Math.min(maxK / SPLIT_K_MIN_SLICE,
                (SPLIT_K_TARGET_BLOCKS + tiles - 1) / tiles), MAX_GRID_Z);
    }

    /** The k values of each slice but the last: k / slices rounded up to a whole k-tile of 32. */
    public static int gemmSliceLength(int k, int slices) {
        if (slices <= 1) {
            return k;
        }
        long length = ((long) k + slices - 1) / slices;
        return (int) ((length + 31) / 32 * 32);
    }

    /**
     * Launch of the W4A8 GEMM ({@code gemm_s4_dp4a}): the INT8 GEMM's blocks and tiles, y (m x n, FP32) written with the
     * bias and ReLU.
     */
    public static KernelLaunch gemmS4(int m, int n) {
        KernelLaunch s8 = gemmS8(m, n);
        return new KernelLaunch("gemm_s4_dp4a", s8.gridX(), s8.gridY(), s8.block());
    }

    /** Entry point of the INT8 GEMM (dp4a, int32 accumulation). */
    public static final String GEMM_S8 = "gemm_s8_dp4a";

    /**
     * Launch of the INT8 GEMM {@code C (m x n, int32) = A (m x k, int8) B (k x n, int8)}: one block of 256 threads
     * per 64 x 64 tile of C, as the FP32 SIMT GEMM.
     */
    public static KernelLaunch gemmS8(int m, int n) {
        if (m < 1 || n < 1) {
            throw new IllegalArgumentException("INT8 GEMM dimensions must be >= 1: m=" + m + " n=" + n);
        }
        int gridY = ceilDiv(m, GEMM_TILE);
        if (gridY > MAX_GRID_Y) {
            throw new IllegalArgumentException("INT8 GEMM with " + m + " rows exceeds the grid's y limit");
        }
        return new KernelLaunch(GEMM_S8, ceilDiv(n, GEMM_TILE), gridY, SIMT_THREADS);
    }

    /** Bytes of one row of INT8 activations or transposed weights of {@code k} values: k rounded up to 4 (dp4a words). */
    public static int int8RowBytes(int k) {
        return (k + 3) / 4 * 4;
    }

    /** Values of k one 8-bit {@code mma.sync.m16n8k32} step takes: rows of its operands are padded to it. */
    public static final int MMA_K = 32;
    /** Warps per block of the 8-bit mma GEMMs: each computes 32 x 32 values of the block's 64 x 64 tile as 2 x 4 mma tiles. */
    public static final int MMA_WARPS = 4;

    /** Bytes of one row of {@code k} 8-bit values for the mma GEMMs: k rounded up to a whole k-step. */
    public static int mmaRowBytes(int k) {
        return (k + MMA_K - 1) / MMA_K * MMA_K;
    }

    /**
     * Launch of an 8-bit mma GEMM ({@code gemm_s8_mma}, {@code gemm_e4m3_mma}) of C (m x n): one block of
     * {@link #MMA_WARPS} warps per 64 x 64 tile of C, as the other GEMMs; past CUDA's gridDim.y limit the blocks walk
     * the rows grid-stride, so any m fits.
     */
    public static KernelLaunch mmaTiles(String kernel, int m, int n) {
        if (m < 1 || n < 1) {
            throw new IllegalArgumentException("GEMM dimensions must be >= 1: m=" + m + " n=" + n);
        }
        return new KernelLaunch(kernel, ceilDiv(n, GEMM_TILE), Math.min(ceilDiv(m, GEMM_TILE), MAX_GRID_Y), 32 * MMA_WARPS);
    }

    /** Launch of an element-wise kernel over {@code count} items (elements, rows or columns). */
    public static KernelLaunch elementwise(String kernel, long count) {
        if (count < 1) {
            throw new IllegalArgumentException("element-wise launch of " + kernel + " over " + count + " items");
        }
        long blocks = Math.min((count + ELEMENTWISE_THREADS - 1) / ELEMENTWISE_THREADS, MAX_ELEMENTWISE_BLOCKS);
        return new KernelLaunch(kernel, (int) blocks, 1, ELEMENTWISE_THREADS);
    }

    /** Conversion kernel writing {@code precision}'s GEMM input type; null for fp32 (no conversion). */
    public static String conversionKernel(Precision precision) {
        return switch (precision) {
            case FP32 -> null;
            case TF32 -> "round_f32_tf32";
            case AMP_FP16 -> "convert_f32_f16";
            case AMP_BF16 -> "convert_f32_bf16";
        };
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
