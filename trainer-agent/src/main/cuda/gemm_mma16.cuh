// Tensor-core GEMMs through mma.sync for sm_80 and newer: m16n8k16 for FP16 or BF16 inputs, m16n8k8 for TF32 inputs
// (FP32 storage), FP32 accumulation, with the operands staged through shared memory by a cp.async pipeline of 2 to 4 stages
// and the fragments read by ldmatrix: the shape of the fast Ampere GEMMs (CUTLASS's sm80 mma.sync kernels), without
// their swizzles and deeper pipelines. Row-major C (M x N, FP32) = op(A) (M x K) * op(B) (K x N), op(X) = X or X^T as
// TRANS_A / TRANS_B say, the same contract, split K included, as gemm_wmma.cuh's kernels, which stay for sm_75 (FP16).
//
// Tiles (Mma16Tile): a block computes BM x BN of C with 4 warps (64 x 64, each warp 32 x 32; or 128 x 128, each warp
// 64 x 64) or 8 warps (128 x 128, each warp 64 x 32), a warp's part as MI x NJ mma tiles of 16 x 8. Each k-step of BK
// (32 16-bit values, 16 TF32 ones: 64 bytes of a row either way) stages op(A)'s BM x BK and op(B)'s BK x BN in shared
// memory as they lie in global memory (rows along the stored matrix's contiguous dimension, so every 16-byte chunk is
// one cp.async), each row padded so that the reads below meet no bank conflict.
//
// Fragments, with g = lane / 4 and t = lane % 4 (the PTX ISA's "Matrix Fragments for mma.m16n8k16" and "... m16n8k8"):
// - 16-bit: a = {A[g][2t..], A[g+8][2t..], A[g][8+2t..], A[g+8][8+2t..]}, b = {B[2t..][g], B[8+2t..][g]}, two values a
//   register; read by ldmatrix from either stored layout (.trans where it is the transpose of the fragment's).
// - TF32: a = {A[g][t], A[g+8][t], A[g][t+4], A[g+8][t+4]}, b = {B[t][g], B[t+4][g]}, one value a register. Where the
//   stored rows run along k (A as M x K, B as N x K), a 16-byte row of 4 values is what ldmatrix (b16, not .trans) hands
//   a lane as one register, so ldmatrix reads these too; the other layouts are read as single words, from rows padded
//   to 8 banks apart so that a warp's 32 reads meet 32 banks. The inputs must be TF32 values already (round_f32_tf32
//   rounds every operand before a TF32 GEMM, to nearest even as the CPU does): the tensor cores ignore the 13 low
//   mantissa bits, and converting each fragment here (cvt.rna, 2-3 instructions a value, once per warp that reads it)
//   would cost about as many issue slots as the mma themselves on Hopper.
// - c = {C[g][2t], C[g][2t+1], C[g+8][2t], C[g+8][2t+1]} for both.
//
// Pipeline (CUTLASS's "multistage" order): STAGES buffers in dynamic shared memory, the stage count the launch's size
// of it (%dynamic_smem_size / the bytes of one stage, 2 to 4: the host picks it per GPU and kernel, MmaStages). The prologue
// issues the copies of the first STAGES - 1 k-steps; at step s, cp.async.wait_group STAGES - 2 then __syncthreads make
// step s's stage visible to every warp and tell that every warp is done with step s - 1's buffer, which the copies of
// step s + STAGES - 1 then refill while the tensor cores work on step s. Each thread commits exactly one group per
// step (empty past the end), so "all but the newest STAGES - 2" is always step s's. The stage count changes when
// copies are issued, never what is summed or in which order: every count gives the same bits.
//
// Edges: a chunk past M, N or the slice's end of k is zero-filled (cp.async's source size: the bytes past it read as
// zero), so shapes that are not multiples of the tiles add nothing but zeros. The 16-byte copies need an input
// 16-byte aligned, its leading dimension a multiple of a chunk's values (8 or 4) and a slice that starts on one;
// otherwise (a layer of 10 outputs, a convolution's 9-wide patches, ragged test shapes) the block stages that operand
// with plain loads, element by element, into the same layout: slower, the same result. The choice is per operand,
// uniform over the grid.
//
// Sums: each C value adds its k-steps in k order, each k16 (k8) step inside the tensor core, as the WMMA kernels do.
#pragma once
#include <cuda_fp16.h>
#include <cuda_bf16.h>

// The input type's shape of the loop: values of one 16-byte chunk, of a k-step (BK) and of one mma (KSTEP); the padding
// of a stored row that runs along k (PAD_K) and of one that runs along m or n (PAD_MN), in values
// the most stages a launch's shared memory may hold (the pipeline waits with an immediate of at most 2)
#define M16_MAX_STAGES 4

template <typename T> struct MmaInput {
    static const int CHUNK = 8, BK = 32, KSTEP = 16, PAD_K = 8, PAD_MN = 8;
};
// TF32: 20-word rows along k put ldmatrix's 8 rows of 16 bytes in 32 distinct banks; BM + 8 words (a multiple of 32
// plus 8) put the single-word reads' rows t = 0..3 at banks 8t + g
template <> struct MmaInput<float> {
    static const int CHUNK = 4, BK = 16, KSTEP = 8, PAD_K = 4, PAD_MN = 8;
};

// A block of BM x BN as WARPS_M x WARPS_N warps: 64 x 64 as 2 x 2 warps of 32 x 32; 128 x 128 as 2 x 4 warps of
// 64 x 32 (mma128) or as 2 x 2 warps of 64 x 64 (mma128w4: CUTLASS's usual Ampere shape, 1.5x fewer shared-memory
// bytes per mma, 128 accumulators a thread).
template <int BM, int BN, int WARPS_M_, int WARPS_N_> struct Mma16Tile {
    static const int WARPS_M = WARPS_M_;
    static const int WARPS_N = WARPS_N_;
    static const int THREADS = 32 * WARPS_M * WARPS_N;
    static const int WM = BM / WARPS_M; // a warp's rows and columns of the block's tile
    static const int WN = BN / WARPS_N;
    static const int MI = WM / 16;       // its mma tiles along m and n
    static const int NJ = WN / 8;
    // blocks an SM must hold at once: two of 8 warps (at most 128 registers a thread) keep 16 warps to hide latency;
    // two of 4 warps with 64 x 64 each (at most 255 registers)
    static const int MIN_BLOCKS = BN == 128 ? 2 : 1;
};

// ---- the instructions, or the fake libcuda's emulation of them (trainer-agent/src/test/c/fakecuda) ----------------
__device__ __forceinline__ void m16_cp_async16(void *smem, const void *gmem, int bytes) {
#if defined(AMPWATCH_HOST_KERNELS)
    fake_cuda_cp_async16(smem, gmem, bytes);
#else
    const unsigned s = (unsigned) __cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(s), "l"(gmem), "r"(bytes) : "memory");
#endif
}

__device__ __forceinline__ void m16_cp_async_commit() {
#if defined(AMPWATCH_HOST_KERNELS)
    fake_cuda_cp_async_commit();
#else
    asm volatile("cp.async.commit_group;" ::: "memory");
#endif
}

// every committed group of this thread but the newest PENDING has landed in shared memory
template <int PENDING> __device__ __forceinline__ void m16_cp_async_wait() {
#if defined(AMPWATCH_HOST_KERNELS)
    fake_cuda_cp_async_wait(PENDING);
#else
    asm volatile("cp.async.wait_group %0;" ::"n"(PENDING) : "memory");
#endif
}

// the same for a count known only at run time (0 to 2: the instruction takes an immediate)
__device__ __forceinline__ void m16_cp_async_wait_n(int pending) {
    if (pending <= 0) m16_cp_async_wait<0>();
    else if (pending == 1) m16_cp_async_wait<1>();
    else m16_cp_async_wait<2>();
}

// the block's dynamic shared memory and its size in bytes (the launch's sharedMemBytes)
__device__ __forceinline__ unsigned char *m16_dynamic_smem() {
#if defined(AMPWATCH_HOST_KERNELS)
    return fake_cuda_dynamic_smem();
#else
    extern __shared__ __align__(16) unsigned char m16_smem[];
    return m16_smem;
#endif
}
__device__ __forceinline__ unsigned m16_dynamic_smem_size() {
#if defined(AMPWATCH_HOST_KERNELS)
    return fake_cuda_dynamic_smem_size();
#else
    unsigned bytes;
    asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(bytes));
    return bytes;
#endif
}

// four 8 x 8 matrices of 16-bit values; lane L gives the address of row L % 8 of matrix L / 8
template <bool TRANS> __device__ __forceinline__ void m16_ldmatrix_x4(unsigned r[4], const void *row) {
#if defined(AMPWATCH_HOST_KERNELS)
    fake_cuda_ldmatrix_x4(r, row, TRANS);
#else
    const unsigned s = (unsigned) __cvta_generic_to_shared(row);
    if (TRANS) {
        asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];"
                     : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(s));
    } else {
        asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
                     : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(s));
    }
#endif
}

// D = A B + C on the tensor cores, TY the inputs' PTX type ("f16" or "bf16")
#if defined(AMPWATCH_HOST_KERNELS)
#define M16_MMA(TY, BF16, c, a, b) fake_cuda_mma_m16n8k16(c, a, b, BF16)
#else
#define M16_MMA(TY, BF16, c, a, b)                                                                                     \
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32." TY "." TY ".f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "   \
                 "{%0,%1,%2,%3};"                                                                                    \
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])                                                    \
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]))
#endif
template <typename T> struct Mma16;
template <> struct Mma16<__half> {
    __device__ __forceinline__ static void mma(float c[4], const unsigned a[4], const unsigned b[2]) { M16_MMA("f16", false, c, a, b); }
};
template <> struct Mma16<__nv_bfloat16> {
    __device__ __forceinline__ static void mma(float c[4], const unsigned a[4], const unsigned b[2]) { M16_MMA("bf16", true, c, a, b); }
};
template <> struct Mma16<float> { // mma.sync.m16n8k8 with TF32 inputs
    __device__ __forceinline__ static void mma(float c[4], const unsigned a[4], const unsigned b[2]) {
#if defined(AMPWATCH_HOST_KERNELS)
        fake_cuda_mma_m16n8k8_tf32(c, a, b);
#else
        asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                     "{%0,%1,%2,%3};"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
    }
};


// The unaligned path's chunk: element by element, zero past the edges (out of line: it is the rare path, and inlined
// it would cost the fast one registers)
template <typename T>
__device__ __noinline__ void m16_chunk_slow(T *dst, const T *__restrict__ X, int ld, int gr, int rowEnd, int gc, int colEnd) {
#pragma unroll
    for (int e = 0; e < MmaInput<T>::CHUNK; e++)
        dst[e] = (gr < rowEnd && gc + e < colEnd) ? X[(long long) gr * ld + gc + e] : static_cast<T>(0.0f);
}

// One operand's stage: ROWS x COLS values as stored (row r, column c = element (r0 + r, c0 + c) of the stored matrix,
// ld values a row; LD values a row in shared memory), zero past rowEnd and colEnd. Chunks of 16 bytes:
// i = threadIdx.x, threadIdx.x + THREADS, ...
template <typename T, int ROWS, int COLS, int LD, int THREADS>
__device__ __forceinline__ void m16_stage(T *slab, const T *__restrict__ X, int ld, int r0, int rowEnd, int c0,
                                          int colEnd, bool fast) {
    const int CHUNK = MmaInput<T>::CHUNK;
    const int PER_ROW = COLS / CHUNK;
    static_assert(ROWS * PER_ROW % THREADS == 0, "a stage is whole chunks for every thread");
#pragma unroll
    for (int s = 0; s < ROWS * PER_ROW / THREADS; s++) {
        const int i = threadIdx.x + s * THREADS;
        const int r = i / PER_ROW, c = (i % PER_ROW) * CHUNK;
        T *dst = slab + r * LD + c;
        const int gr = r0 + r, gc = c0 + c;
        if (fast) {
            const int valid = gr < rowEnd ? max(0, min(CHUNK, colEnd - gc)) : 0;
            // an address inside the matrix even where nothing is read (cp.async reads no byte past the source size)
            const T *src = valid > 0 ? X + (long long) gr * ld + gc : X;
            m16_cp_async16(dst, src, (int) sizeof(T) * valid);
        } else {
            m16_chunk_slow(dst, X, ld, gr, rowEnd, gc, colEnd);
        }
    }
}

// A's fragments of mma tile i (rows mb..mb+15) at k-offset kk of a stage (as: op(A)'s stage, LD values a row)
template <typename T, bool TRANS_A, int LD>
__device__ __forceinline__ void m16_fragment_a(unsigned a[4], const T *as, int mb, int kk, int lane) {
    if (sizeof(T) == 2) {
        if (TRANS_A) // stored [k][m]: the transposed 8 x 8 matrices
            m16_ldmatrix_x4<true>(a, as + (kk + lane % 8 + 8 * (lane / 16)) * LD + mb + 8 * (lane / 8 % 2));
        else
            m16_ldmatrix_x4<false>(a, as + (mb + lane % 16) * LD + kk + 8 * (lane / 16));
    } else {
        const int g = lane / 4, t = lane % 4;
        if (TRANS_A) { // stored [k][m]: single words
            const unsigned *w = reinterpret_cast<const unsigned *>(as);
            a[0] = w[(kk + t) * LD + mb + g];
            a[1] = w[(kk + t) * LD + mb + g + 8];
            a[2] = w[(kk + t + 4) * LD + mb + g];
            a[3] = w[(kk + t + 4) * LD + mb + g + 8];
        } else { // stored [m][k]: matrices {rows mb.., k kk..kk+3}, {mb+8.., kk..}, {mb.., kk+4..}, {mb+8.., kk+4..}
            m16_ldmatrix_x4<false>(a, as + (mb + lane % 16) * LD + kk + 4 * (lane / 16));
        }
    }
}

// B's fragments of mma tiles j and j + 1 (columns nb..nb+15) at k-offset kk of a stage
template <typename T, bool TRANS_B, int LD>
__device__ __forceinline__ void m16_fragment_b2(unsigned b0[2], unsigned b1[2], const T *bs, int nb, int kk, int lane) {
    unsigned r[4];
    if (sizeof(T) == 2) {
        if (TRANS_B) // stored [n][k]
            m16_ldmatrix_x4<false>(r, bs + (nb + lane % 8 + 8 * (lane / 16)) * LD + kk + 8 * (lane / 8 % 2));
        else // stored [k][n]
            m16_ldmatrix_x4<true>(r, bs + (kk + lane % 8 + 8 * (lane / 8 % 2)) * LD + nb + 8 * (lane / 16));
    } else {
        const int g = lane / 4, t = lane % 4;
        if (TRANS_B) { // stored [n][k]: matrices {n nb.., k kk..kk+3}, {nb.., kk+4..}, {nb+8.., kk..}, {nb+8.., kk+4..}
            m16_ldmatrix_x4<false>(r, bs + (nb + lane % 8 + 8 * (lane / 16)) * LD + kk + 4 * (lane / 8 % 2));
        } else { // stored [k][n]: single words
            const unsigned *w = reinterpret_cast<const unsigned *>(bs);
            r[0] = w[(kk + t) * LD + nb + g];
            r[1] = w[(kk + t + 4) * LD + nb + g];
            r[2] = w[(kk + t) * LD + nb + 8 + g];
            r[3] = w[(kk + t + 4) * LD + nb + 8 + g];
        }
    }
    b0[0] = r[0];
    b0[1] = r[1];
    b1[0] = r[2];
    b1[1] = r[3];
}

template <typename T, bool TRANS_A, bool TRANS_B, int BM, int BN, int WARPS_M, int WARPS_N>
__device__ __forceinline__ void gemm_mma16(const T *__restrict__ A, const T *__restrict__ B, float *__restrict__ C,
                                           int M, int N, int K, int kSlice) {
    typedef Mma16Tile<BM, BN, WARPS_M, WARPS_N> Tile;
    typedef MmaInput<T> In;
    const int BK = In::BK;
    // op(A)'s tile as stored: BM rows of BK k-values, or (TRANS_A) BK rows of BM m-values; op(B)'s likewise
    const int A_ROWS = TRANS_A ? BK : BM, A_COLS = TRANS_A ? BM : BK;
    const int B_ROWS = TRANS_B ? BN : BK, B_COLS = TRANS_B ? BK : BN;
    const int A_LD = A_COLS + (TRANS_A ? In::PAD_MN : In::PAD_K);
    const int B_LD = B_COLS + (TRANS_B ? In::PAD_K : In::PAD_MN);
    // one stage: op(A)'s tile then op(B)'s (KernelLaunch.MmaBlock#stageBytes says the same), a multiple of 16 bytes
    const int STAGE_ELEMENTS = A_ROWS * A_LD + B_ROWS * B_LD;
    T *const smem = reinterpret_cast<T *>(m16_dynamic_smem());
    const int stages = min(M16_MAX_STAGES, (int) (m16_dynamic_smem_size() / (sizeof(T) * STAGE_ELEMENTS)));

    const int m0 = blockIdx.y * BM;
    const int n0 = blockIdx.x * BN;
    const int kBegin = blockIdx.z * kSlice;
    const int kEnd = min(K, kBegin + kSlice);
    C += (size_t) blockIdx.z * M * N;
    if (stages < 2) { // launched without room for two stages: NaN, loud in every check, rather than a wrong product
        for (int i = threadIdx.x; i < BM * BN; i += Tile::THREADS) {
            const int r = m0 + i / BN, c = n0 + i % BN;
            if (r < M && c < N) C[(size_t) r * N + c] = __uint_as_float(0x7fc00000u);
        }
        return;
    }
    const int ldA = TRANS_A ? M : K, ldB = TRANS_B ? K : N;
    // each operand on its own: a convolution's weight gradient (TN, A = the 9-wide patches) copies B by cp.async still
    const bool fastA = (reinterpret_cast<unsigned long long>(A) & 15) == 0 && ldA % In::CHUNK == 0 && kBegin % In::CHUNK == 0;
    const bool fastB = (reinterpret_cast<unsigned long long>(B) & 15) == 0 && ldB % In::CHUNK == 0 && kBegin % In::CHUNK == 0;
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const int wm = (warp / Tile::WARPS_N) * Tile::WM;
    const int wn = (warp % Tile::WARPS_N) * Tile::WN;
    const int g = lane / 4, t = lane % 4;

    float acc[Tile::MI][Tile::NJ][4];
#pragma unroll
    for (int i = 0; i < Tile::MI; i++)
#pragma unroll
        for (int j = 0; j < Tile::NJ; j++)
#pragma unroll
            for (int v = 0; v < 4; v++)
                acc[i][j][v] = 0.0f;

    // buffer s <- the k-step from k0 (op(A) rows m0.., op(B) columns n0..), committed as one group; past the last
    // k-step an empty group, so that each step commits one
    const int steps = (kEnd - kBegin + BK - 1) / BK;
    auto stage = [&](int s, int step) {
        if (step < steps) {
            T *as = smem + s * STAGE_ELEMENTS, *bs = as + A_ROWS * A_LD;
            const int k0 = kBegin + step * BK;
            if (TRANS_A) m16_stage<T, A_ROWS, A_COLS, A_LD, Tile::THREADS>(as, A, ldA, k0, kEnd, m0, M, fastA);
            else m16_stage<T, A_ROWS, A_COLS, A_LD, Tile::THREADS>(as, A, ldA, m0, M, k0, kEnd, fastA);
            if (TRANS_B) m16_stage<T, B_ROWS, B_COLS, B_LD, Tile::THREADS>(bs, B, ldB, n0, N, k0, kEnd, fastB);
            else m16_stage<T, B_ROWS, B_COLS, B_LD, Tile::THREADS>(bs, B, ldB, k0, kEnd, n0, N, fastB);
        }
        m16_cp_async_commit();
    };

    for (int s = 0; s < stages - 1; s++) stage(s, s);
    int read = 0, write = stages - 1; // the buffers of step `step` and of step + stages - 1
    for (int step = 0; step < steps; step++) {
        m16_cp_async_wait_n(stages - 2); // this thread's copies of step `step` have landed
        __syncthreads();                  // everyone's have; and every warp is done with step - 1's buffer (`write`)
        stage(write, step + stages - 1);
        const T *as = smem + read * STAGE_ELEMENTS, *bs = as + A_ROWS * A_LD;
#pragma unroll
        for (int kk = 0; kk < BK; kk += In::KSTEP) {
            unsigned a[Tile::MI][4], b[Tile::NJ][2];
#pragma unroll
            for (int i = 0; i < Tile::MI; i++)
                m16_fragment_a<T, TRANS_A, A_LD>(a[i], as, wm + 16 * i, kk, lane);
#pragma unroll
            for (int j = 0; j < Tile::NJ; j += 2) // one ldmatrix.x4 (or 4 words): b of tiles j and j + 1
                m16_fragment_b2<T, TRANS_B, B_LD>(b[j], b[j + 1], bs, wn + 8 * j, kk, lane);
#pragma unroll
            for (int i = 0; i < Tile::MI; i++)
#pragma unroll
                for (int j = 0; j < Tile::NJ; j++)
                    Mma16<T>::mma(acc[i][j], a[i], b[j]);
        }
        read = read + 1 == stages ? 0 : read + 1;
        write = write + 1 == stages ? 0 : write + 1;
    }
    m16_cp_async_wait<0>(); // the trailing empty groups: nothing is in flight when the block ends
    // a lane's two values of a row as one 8-byte store where every such pair is 8-byte aligned: C aligned, N and col even
    const bool pairs = N % 2 == 0 && (reinterpret_cast<unsigned long long>(C) & 7) == 0;
#pragma unroll
    for (int i = 0; i < Tile::MI; i++) {
        const int ra = m0 + wm + 16 * i + g;
        const int rb = ra + 8;
#pragma unroll
        for (int j = 0; j < Tile::NJ; j++) {
            const int col = n0 + wn + 8 * j + 2 * t;
            if (pairs && col + 1 < N) {
                float2 v;
                if (ra < M) {
                    v.x = acc[i][j][0], v.y = acc[i][j][1];
                    *reinterpret_cast<float2 *>(C + (size_t) ra * N + col) = v;
                }
                if (rb < M) {
                    v.x = acc[i][j][2], v.y = acc[i][j][3];
                    *reinterpret_cast<float2 *>(C + (size_t) rb * N + col) = v;
                }
                continue;
            }
            if (ra < M && col < N) C[(size_t) ra * N + col] = acc[i][j][0];
            if (ra < M && col + 1 < N) C[(size_t) ra * N + col + 1] = acc[i][j][1];
            if (rb < M && col < N) C[(size_t) rb * N + col] = acc[i][j][2];
            if (rb < M && col + 1 < N) C[(size_t) rb * N + col + 1] = acc[i][j][3];
        }
    }
}

// The entry points: gemm_<type>_mma<tile>[w4]_<nn|tn|nt>, e.g. gemm_f16_mma128_tn or gemm_tf32_mma64_nn (tile 64:
// 4 warps; 128: 8 warps; 128w4: 4 warps)
#define MMA16_GEMM_ENTRY(NAME, T, TA, TB, TILE, WM_, WN_)                                                          \
    extern "C" __global__ void __launch_bounds__(Mma16Tile<TILE, TILE, WM_, WN_>::THREADS,                         \
                                                 Mma16Tile<TILE, TILE, WM_, WN_>::MIN_BLOCKS)                      \
        NAME(const T *A, const T *B, float *C, int M, int N, int K, int kSlice) {                                  \
        gemm_mma16<T, TA, TB, TILE, TILE, WM_, WN_>(A, B, C, M, N, K, kSlice);                                     \
    }
#define MMA16_GEMM_ENTRIES(PREFIX, T)                                                                              \
    MMA16_GEMM_ENTRY(PREFIX##_mma64_nn, T, false, false, 64, 2, 2)                                                 \
    MMA16_GEMM_ENTRY(PREFIX##_mma64_tn, T, true, false, 64, 2, 2)                                                  \
    MMA16_GEMM_ENTRY(PREFIX##_mma64_nt, T, false, true, 64, 2, 2)                                                  \
    MMA16_GEMM_ENTRY(PREFIX##_mma128_nn, T, false, false, 128, 2, 4)                                               \
    MMA16_GEMM_ENTRY(PREFIX##_mma128_tn, T, true, false, 128, 2, 4)                                                \
    MMA16_GEMM_ENTRY(PREFIX##_mma128_nt, T, false, true, 128, 2, 4)                                                \
    MMA16_GEMM_ENTRY(PREFIX##_mma128w4_nn, T, false, false, 128, 2, 2)                                             \
    MMA16_GEMM_ENTRY(PREFIX##_mma128w4_tn, T, true, false, 128, 2, 2)                                              \
    MMA16_GEMM_ENTRY(PREFIX##_mma128w4_nt, T, false, true, 128, 2, 2)
