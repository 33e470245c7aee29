// The tiles of the 8-bit mma GEMMs (int8.cu's gemm_s8_mma, fp8.cu's gemm_e4m3_mma): C (M x N) = A (M x ld bytes,
// row-major) times Bt (N x ld bytes) transposed. Each warp computes one 16 x 8 tile of C, walking k 32 values at a
// time with one mma.sync.m16n8k32; the fragments are read straight from global memory in the PTX ISA's m16n8k32
// 8-bit layout ("Matrix Fragments for mma.m16n8k32"): with g = lane / 4 and t = lane % 4, A registers hold
// A[g][k+4t..], A[g+8][k+4t..], A[g][k+16+4t..], A[g+8][k+16+4t..]; B registers B[k+4t..][g], B[k+16+4t..][g];
// C holds C[g][2t], C[g][2t+1], C[g+8][2t], C[g+8][2t+1]. Rows are padded to whole 32-byte k-steps (ld), the padding
// zero. MMA is a functor: void operator()(T c[4], unsigned a[4], unsigned b[2]) issuing the mma.
#pragma once

#define MMA8_WARPS 4

template <typename T, typename MMA>
__device__ __forceinline__ void gemm_mma8(const unsigned char *__restrict__ A, const unsigned char *__restrict__ Bt,
                                          T *__restrict__ C, int M, int N, int ld, MMA mma) {
    const int lane = threadIdx.x % 32;
    const int g = lane / 4;
    const int t = lane % 4;
    const int tilesN = (N + 7) / 8;
    const int tiles = ((M + 15) / 16) * tilesN;
    for (int tile = blockIdx.x * MMA8_WARPS + threadIdx.x / 32; tile < tiles; tile += gridDim.x * MMA8_WARPS) {
        const int m0 = (tile / tilesN) * 16;
        const int n0 = (tile % tilesN) * 8;
        const int ra = m0 + g;
        const int rb = m0 + g + 8;
        const int cn = n0 + g;
        T c[4] = {0, 0, 0, 0};
        for (int k = 0; k < ld; k += 32) {
            const int k0 = k + 4 * t;
            unsigned a[4];
            unsigned b[2];
            a[0] = ra < M ? *(const unsigned *) (A + (long long) ra * ld + k0) : 0u;
            a[1] = rb < M ? *(const unsigned *) (A + (long long) rb * ld + k0) : 0u;
            a[2] = ra < M ? *(const unsigned *) (A + (long long) ra * ld + k0 + 16) : 0u;
            a[3] = rb < M ? *(const unsigned *) (A + (long long) rb * ld + k0 + 16) : 0u;
            b[0] = cn < N ? *(const unsigned *) (Bt + (long long) cn * ld + k0) : 0u;
            b[1] = cn < N ? *(const unsigned *) (Bt + (long long) cn * ld + k0 + 16) : 0u;
            mma(c, a, b);
        }
        const int col = n0 + 2 * t;
        if (ra < M && col < N) C[(long long) ra * N + col] = c[0];
        if (ra < M && col + 1 < N) C[(long long) ra * N + col + 1] = c[1];
        if (rb < M && col < N) C[(long long) rb * N + col] = c[2];
        if (rb < M && col + 1 < N) C[(long long) rb * N + col + 1] = c[3];
    }
}
