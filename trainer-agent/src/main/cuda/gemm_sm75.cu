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

extern "C" __global__ void __launch_bounds__(SG_THREADS)
    gemm_fp32_nn(const float *A, const float *B, float *C, int M, int N, int K, int kSlice) { gemm_simt<false, false>(A, B, C, M, N, K, kSlice); }
extern "C" __global__ void __launch_bounds__(SG_THREADS)
    gemm_fp32_tn(const float *A, const float *B, float *C, int M, int N, int K, int kSlice) { gemm_simt<true, false>(A, B, C, M, N, K, kSlice); }
extern "C" __global__ void __launch_bounds__(SG_THREADS)
    gemm_fp32_nt(const float *A, const float *B, float *C, int M, int N, int K, int kSlice) { gemm_simt<false, true>(A, B, C, M, N, K, kSlice); }

// ---- FP16 tensor-core GEMM (amp-fp16) --------------------------------------------------------------
WMMA_GEMM_ENTRIES(gemm_f16, __half)
