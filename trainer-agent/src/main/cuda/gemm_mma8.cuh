// The tiles of the 8-bit mma GEMMs (int8.cu's gemm_s8_mma, fp8.cu's gemm_e4m3_mma): C (M x N) = A (M x ld bytes,
// row-major) times Bt (N x ld bytes) transposed, rows padded to whole 32-byte k-steps (ld), the padding zero.
//
// A block of MMA8_THREADS (4 warps) computes a 64 x 64 tile of C; each warp a 32 x 32 quarter of it as 2 x 4
// mma.sync.m16n8k32 tiles of 16 x 8. Each stage copies a 64-row x 64-byte slab of A and of Bt into shared memory
// with 16-byte loads (two per thread per operand, zero past M, N and ld), so every byte read from global memory
// feeds 8 (A) or 4 (B) mma (4 or 2 in each of the two warps that read it) instead of 1; the next stage's loads are issued into registers before this stage's mma,
// so they are in flight while the tensor cores work. Shared rows are MMA8_STRIDE = 80 bytes: the 8 rows x 4 words a
// fragment load touches then fall in 32 distinct banks (the 16-byte stores that fill a slab meet 2-way conflicts,
// once per stage, against 8 conflict-free fragment loads per warp).
//
// Fragments follow the PTX ISA's m16n8k32 8-bit layout ("Matrix Fragments for mma.m16n8k32"): with g = lane / 4 and
// t = lane % 4, A registers hold A[g][k+4t..], A[g+8][k+4t..], A[g][k+16+4t..], A[g+8][k+16+4t..]; B registers
// B[k+4t..][g], B[k+16+4t..][g]; C holds C[g][2t], C[g][2t+1], C[g+8][2t], C[g+8][2t+1]. Each C value sums its k-steps
// in k order, as the first version (one warp per 16 x 8 tile, fragments read from global memory) did, so the results
// are the same floats. Blocks walk the rows grid-stride along y, so any M fits CUDA's gridDim.y limit. MMA is a
// functor: void operator()(T c[4], unsigned a[4], unsigned b[2]) issuing the mma.
#pragma once

#define MMA8_WARPS 4
#define MMA8_THREADS (32 * MMA8_WARPS)
#define MMA8_BM 64
#define MMA8_BN 64
#define MMA8_BK 64
#define MMA8_STRIDE 80

// One stage of one operand: the 16-byte chunks i = threadIdx.x and threadIdx.x + MMA8_THREADS of a 64 x 64-byte slab
// (row i / 4, bytes 16 (i % 4)..), zero where the row is past rows or the chunk past ld (ld is a multiple of 32, so
// a chunk is wholly inside or wholly outside).
__device__ __forceinline__ void mma8_load(const unsigned char *__restrict__ X, int rows, int ld, int r0, int k0,
                                          uint4 chunk[2]) {
#pragma unroll
    for (int s = 0; s < 2; s++) {
        const int i = threadIdx.x + s * MMA8_THREADS;
        const int r = r0 + i / 4;
        const int k = k0 + (i % 4) * 16;
        chunk[s] = (r < rows && k < ld) ? *(const uint4 *) (X + (long long) r * ld + k) : make_uint4(0u, 0u, 0u, 0u);
    }
}

__device__ __forceinline__ void mma8_store(unsigned char *slab, const uint4 chunk[2]) {
#pragma unroll
    for (int s = 0; s < 2; s++) {
        const int i = threadIdx.x + s * MMA8_THREADS;
        *(uint4 *) (slab + (i / 4) * MMA8_STRIDE + (i % 4) * 16) = chunk[s];
    }
}

__device__ __forceinline__ unsigned mma8_word(const unsigned char *slab, int row, int byte) {
    return *(const unsigned *) (slab + row * MMA8_STRIDE + byte);
}

template <typename T, typename MMA>
__device__ __forceinline__ void gemm_mma8(const unsigned char *__restrict__ A, const unsigned char *__restrict__ Bt,
                                          T *__restrict__ C, int M, int N, int ld, MMA mma) {
    __shared__ __align__(16) unsigned char As[MMA8_BM * MMA8_STRIDE];
    __shared__ __align__(16) unsigned char Bs[MMA8_BN * MMA8_STRIDE];
    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;
    const int g = lane / 4;
    const int t = lane % 4;
    const int wm = (warp / 2) * 32; // the warp's rows and columns within the block's tile
    const int wn = (warp % 2) * 32;
    const int n0 = blockIdx.x * MMA8_BN;

    for (int m0 = blockIdx.y * MMA8_BM; m0 < M; m0 += gridDim.y * MMA8_BM) {
        T c[2][4][4];
#pragma unroll
        for (int i = 0; i < 2; i++)
#pragma unroll
            for (int j = 0; j < 4; j++)
#pragma unroll
                for (int v = 0; v < 4; v++)
                    c[i][j][v] = 0;
        uint4 nextA[2], nextB[2];
        mma8_load(A, M, ld, m0, 0, nextA);
        mma8_load(Bt, N, ld, n0, 0, nextB);
        for (int k0 = 0; k0 < ld; k0 += MMA8_BK) {
            mma8_store(As, nextA);
            mma8_store(Bs, nextB);
            __syncthreads();
            if (k0 + MMA8_BK < ld) {
                mma8_load(A, M, ld, m0, k0 + MMA8_BK, nextA);
                mma8_load(Bt, N, ld, n0, k0 + MMA8_BK, nextB);
            }
#pragma unroll
            for (int kk = 0; kk < MMA8_BK; kk += 32) {
                if (k0 + kk >= ld) {
                    break; // block-uniform: ld is a multiple of 32, so a slab's second half may be past it
                }
                unsigned a[2][4];
                unsigned b[4][2];
#pragma unroll
                for (int i = 0; i < 2; i++) {
                    const int r = wm + 16 * i + g;
                    a[i][0] = mma8_word(As, r, kk + 4 * t);
                    a[i][1] = mma8_word(As, r + 8, kk + 4 * t);
                    a[i][2] = mma8_word(As, r, kk + 16 + 4 * t);
                    a[i][3] = mma8_word(As, r + 8, kk + 16 + 4 * t);
                }
#pragma unroll
                for (int j = 0; j < 4; j++) {
                    const int cn = wn + 8 * j + g;
                    b[j][0] = mma8_word(Bs, cn, kk + 4 * t);
                    b[j][1] = mma8_word(Bs, cn, kk + 16 + 4 * t);
                }
#pragma unroll
                for (int i = 0; i < 2; i++)
#pragma unroll
                    for (int j = 0; j < 4; j++)
                        mma(c[i][j], a[i], b[j]);
            }
            __syncthreads(); // every warp has read the slabs before the next stage overwrites them
        }
#pragma unroll
        for (int i = 0; i < 2; i++) {
            const int ra = m0 + wm + 16 * i + g;
            const int rb = ra + 8;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const int col = n0 + wn + 8 * j + 2 * t;
                if (ra < M && col < N) C[(long long) ra * N + col] = c[i][j][0];
                if (ra < M && col + 1 < N) C[(long long) ra * N + col + 1] = c[i][j][1];
                if (rb < M && col < N) C[(long long) rb * N + col] = c[i][j][2];
                if (rb < M && col + 1 < N) C[(long long) rb * N + col + 1] = c[i][j][3];
            }
        }
    }
}
