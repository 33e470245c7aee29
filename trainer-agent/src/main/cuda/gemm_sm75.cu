// GEMMs that run on compute capability 7.5 and newer (PTX compute_75, the oldest target CUDA 13 builds):
// the FP32 SIMT GEMM of fp32 mode (plain FMA, no tensor cores, so "fp32" means TF32 off) and the FP16
// tensor-core GEMM of amp-fp16 (FP16 inputs, FP32 accumulation).
#include "gemm_wmma.cuh"

// ---- FP32 SIMT GEMM ------------------------------------------------------------------------------
// 256 threads compute a 64 x 64 tile of C, 4 x 4 values each, strided by 16 so that a warp's reads of
// the B tile are consecutive and its reads of the A tile are broadcasts. K is walked in order, one FMA
// per product, as the CPU backend's i-p-j loop adds its products in order.
#define SG_BM 64
#define SG_BN 64
#define SG_BK 16
#define SG_THREADS 256

template <bool TRANS_A, bool TRANS_B>
__device__ __forceinline__ void gemm_simt(const float *__restrict__ A, const float *__restrict__ B, float *__restrict__ C,
                                          int M, int N, int K, int kSlice) {
    __shared__ float As[SG_BK][SG_BM + 4]; // k-major: As[k][m]
    __shared__ float Bs[SG_BK][SG_BN + 4];
    const int m0 = blockIdx.y * SG_BM;
    const int n0 = blockIdx.x * SG_BN;
    const int kBegin = blockIdx.z * kSlice; // split K: slice z of k, its partial C at C + z M N (gemm_wmma.cuh)
    const int kEnd = min(K, kBegin + kSlice);
    C += (size_t)blockIdx.z * M * N;
    const int tx = threadIdx.x % 16;
    const int ty = threadIdx.x / 16;
    float acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            acc[i][j] = 0.0f;

    for (int k0 = kBegin; k0 < kEnd; k0 += SG_BK) {
        for (int i = threadIdx.x; i < SG_BM * SG_BK; i += SG_THREADS) {
            int r, c;
            if (TRANS_A) { c = i / SG_BM; r = i % SG_BM; } else { r = i / SG_BK; c = i % SG_BK; }
            int gm = m0 + r, gk = k0 + c;
            As[c][r] = (gm < M && gk < kEnd) ? A[TRANS_A ? (size_t)gk * M + gm : (size_t)gm * K + gk] : 0.0f;
        }
        for (int i = threadIdx.x; i < SG_BK * SG_BN; i += SG_THREADS) {
            int r, c;
            if (TRANS_B) { c = i / SG_BK; r = i % SG_BK; } else { r = i / SG_BN; c = i % SG_BN; }
            int gk = k0 + r, gn = n0 + c;
            Bs[r][c] = (gk < kEnd && gn < N) ? B[TRANS_B ? (size_t)gn * K + gk : (size_t)gk * N + gn] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < SG_BK; kk++) {
            float a[4], b[4];
            for (int i = 0; i < 4; i++) a[i] = As[kk][ty + 16 * i];
            for (int j = 0; j < 4; j++) b[j] = Bs[kk][tx + 16 * j];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
        int gm = m0 + ty + 16 * i;
        if (gm >= M) continue;
        for (int j = 0; j < 4; j++) {
            int gn = n0 + tx + 16 * j;
            if (gn < N) C[(size_t)gm * N + gn] = acc[i][j];
        }
    }
}

// ---- FP32 SIMT GEMM in tiles of 128 (large products) ---------------------------------------------------------
// 256 threads compute a 128 x 128 tile of C, 8 x 8 values each: rows 4 ty..4 ty + 3 and 64 + 4 ty.., columns 4 tx..
// and 64 + 4 tx.. (tx = thread % 16, ty = thread / 16), read from shared memory as float4 (the columns of a warp's
// reads of B consecutive, its reads of A broadcasts). Each k-step of 8 is loaded into registers while the previous
// one is multiplied, then stored to the other of two shared buffers: one __syncthreads a step. Every C value is
// still one FMA per product in k order from zero, so the sums are gemm_simt's, bit for bit: KernelLaunch picks the
// tile by the shape alone.
#define SL_BM 128
#define SL_BN 128
#define SL_BK 8
#define SL_THREADS 256
#define SL_STRIDE (SL_BM + 4)

template <bool TRANS_A, bool TRANS_B>
__device__ __forceinline__ void simt128_load(const float *__restrict__ A, const float *__restrict__ B, int M, int N, int K,
                                             int m0, int n0, int k0, int kEnd, float a[4], float b[4]) {
    const int t = threadIdx.x;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        // op(A)'s element (m, k) of this thread: a k-run of 4 in a row (stored m x k) or an m-run of 4 (stored k x m)
        const int m = TRANS_A ? m0 + (t % 32) * 4 + i : m0 + t / 2;
        const int k = TRANS_A ? k0 + t / 32 : k0 + (t % 2) * 4 + i;
        a[i] = (m < M && k < kEnd) ? A[TRANS_A ? (size_t) k * M + m : (size_t) m * K + k] : 0.0f;
        const int n = TRANS_B ? n0 + t / 2 : n0 + (t % 32) * 4 + i;
        const int kb = TRANS_B ? k0 + (t % 2) * 4 + i : k0 + t / 32;
        b[i] = (n < N && kb < kEnd) ? B[TRANS_B ? (size_t) n * K + kb : (size_t) kb * N + n] : 0.0f;
    }
}

template <bool TRANS_A, bool TRANS_B>
__device__ __forceinline__ void simt128_store(float (*As)[SL_STRIDE], float (*Bs)[SL_STRIDE], const float a[4], const float b[4]) {
    const int t = threadIdx.x;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        if (TRANS_A) As[t / 32][(t % 32) * 4 + i] = a[i]; else As[(t % 2) * 4 + i][t / 2] = a[i];
        if (TRANS_B) Bs[(t % 2) * 4 + i][t / 2] = b[i]; else Bs[t / 32][(t % 32) * 4 + i] = b[i];
    }
}

template <bool TRANS_A, bool TRANS_B>
__device__ __forceinline__ void gemm_simt128(const float *__restrict__ A, const float *__restrict__ B, float *__restrict__ C,
                                             int M, int N, int K, int kSlice) {
    __shared__ __align__(16) float As[2][SL_BK][SL_STRIDE]; // k-major: As[k][m]
    __shared__ __align__(16) float Bs[2][SL_BK][SL_STRIDE];
    const int m0 = blockIdx.y * SL_BM;
    const int n0 = blockIdx.x * SL_BN;
    const int kBegin = blockIdx.z * kSlice;
    const int kEnd = min(K, kBegin + kSlice);
    C += (size_t) blockIdx.z * M * N;
    const int tx = threadIdx.x % 16;
    const int ty = threadIdx.x / 16;
    float acc[8][8];
#pragma unroll
    for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 8; j++)
            acc[i][j] = 0.0f;

    float a[4], b[4];
    if (kBegin < kEnd) {
        simt128_load<TRANS_A, TRANS_B>(A, B, M, N, K, m0, n0, kBegin, kEnd, a, b);
        simt128_store<TRANS_A, TRANS_B>(As[0], Bs[0], a, b);
    }
    __syncthreads();
    int s = 0;
    for (int k0 = kBegin; k0 < kEnd; k0 += SL_BK) {
        const bool next = k0 + SL_BK < kEnd;
        if (next) simt128_load<TRANS_A, TRANS_B>(A, B, M, N, K, m0, n0, k0 + SL_BK, kEnd, a, b);
#pragma unroll
        for (int kk = 0; kk < SL_BK; kk++) {
            const float4 a0 = *(const float4 *) &As[s][kk][4 * ty], a1 = *(const float4 *) &As[s][kk][64 + 4 * ty];
            const float4 b0 = *(const float4 *) &Bs[s][kk][4 * tx], b1 = *(const float4 *) &Bs[s][kk][64 + 4 * tx];
            const float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            const float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < 8; j++)
                    acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }
        if (next) simt128_store<TRANS_A, TRANS_B>(As[s ^ 1], Bs[s ^ 1], a, b); // read last in the step before this one
        __syncthreads();
        s ^= 1;
    }
#pragma unroll
    for (int i = 0; i < 8; i++) {
        const int gm = m0 + (i < 4 ? 4 * ty + i : 64 + 4 * ty + i - 4);
        if (gm >= M) continue;
#pragma unroll
        for (int j = 0; j < 8; j++) {
            const int gn = n0 + (j < 4 ? 4 * tx + j : 64 + 4 * tx + j - 4);
            if (gn < N) C[(size_t) gm * N + gn] = acc[i][j];
        }
    }
}

extern "C" __global__ void __launch_bounds__(SL_THREADS, 2)
    gemm_fp32_simt128_nn(const float *A, const float *B, float *C, int M, int N, int K, int kSlice) { gemm_simt128<false, false>(A, B, C, M, N, K, kSlice); }
extern "C" __global__ void __launch_bounds__(SL_THREADS, 2)
    gemm_fp32_simt128_tn(const float *A, const float *B, float *C, int M, int N, int K, int kSlice) { gemm_simt128<true, false>(A, B, C, M, N, K, kSlice); }
extern "C" __global__ void __launch_bounds__(SL_THREADS, 2)
    gemm_fp32_simt128_nt(const float *A, const float *B, float *C, int M, int N, int K, int kSlice) { gemm_simt128<false, true>(A, B, C, M, N, K, kSlice); }

extern "C" __global__ void __launch_bounds__(SG_THREADS)
    gemm_fp32_nn(const float *A, const float *B, float *C, int M, int N, int K, int kSlice) { gemm_simt<false, false>(A, B, C, M, N, K, kSlice); }
extern "C" __global__ void __launch_bounds__(SG_THREADS)
    gemm_fp32_tn(const float *A, const float *B, float *C, int M, int N, int K, int kSlice) { gemm_simt<true, false>(A, B, C, M, N, K, kSlice); }
extern "C" __global__ void __launch_bounds__(SG_THREADS)
    gemm_fp32_nt(const float *A, const float *B, float *C, int M, int N, int K, int kSlice) { gemm_simt<false, true>(A, B, C, M, N, K, kSlice); }

// ---- FP16 tensor-core GEMM (amp-fp16) --------------------------------------------------------------
WMMA_GEMM_ENTRIES(gemm_f16, __half)
