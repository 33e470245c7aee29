// Tensor-core GEMM through the WMMA API (nvcuda::wmma), shared by gemm_sm75.cu (FP16 inputs) and
// gemm_sm80.cu (BF16 and TF32 inputs). Row-major C (M x N, FP32) = op(A) (M x K) * op(B) (K x N),
// with op(X) = X or X^T as the template flags say, FP32 accumulation.
//
// A block of WM_THREADS (4 warps) computes a WM_BM x WM_BN tile of C; each warp a 32 x 32 quarter
// of it as 2 x 2 accumulator fragments of 16 x 16. Each K step stages a WM_BM x WM_BK tile of op(A)
// and a WM_BK x WM_BN tile of op(B) in shared memory, zero-filled past M, N and K, so shapes that are
// not multiples of 16 need no special path: the zeros add nothing to the sums. The accumulators go
// through shared memory to global with bounds checks for the same reason.
//
// Split K: block z of a grid gridDim.z deep sums k in [z kSlice, min(K, (z + 1) kSlice)) and writes its partial C at
// C + z M N; sum_slices (elementwise.cu) then adds the partials in z order. With gridDim.z = 1 and kSlice = K it is
// the whole product. It keeps the GPU busy where C has few tiles and K is long: a convolution's weight gradient
// (M x N = patch x channels, K = batch x output pixels) would otherwise be one block walking 200,000 rows.
//
// The inputs arrive already rounded to the element type (FP16/BF16 by the conversion kernels, TF32 as
// FP32 values whose low 13 mantissa bits are zero, rounded to nearest even by round_f32_tf32), so the
// tensor cores see exactly what the CPU backend's Precision.round produces.
#pragma once
#include <mma.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>

using namespace nvcuda;

#define WM_BM 64
#define WM_BN 64
#define WM_BK 32
#define WM_PAD 8
#define WM_THREADS 128

// Fragment element type, K depth of one mma and the fix-up a loaded input fragment needs, for each
// input type. The TF32 specialisation (sm_80+ only) is in gemm_sm80.cu.
template <typename T> struct WmmaInput;
template <> struct WmmaInput<__half> {
    typedef __half frag_t;
    static const int K = 16;
    template <typename Frag> __device__ static void fix(Frag &) {}
};
template <> struct WmmaInput<__nv_bfloat16> {
    typedef __nv_bfloat16 frag_t;
    static const int K = 16;
    template <typename Frag> __device__ static void fix(Frag &) {}
};

template <typename T, bool TRANS_A, bool TRANS_B>
__device__ __forceinline__ void gemm_wmma(const T *__restrict__ A, const T *__restrict__ B, float *__restrict__ C,
                                          int M, int N, int K, int kSlice) {
    typedef typename WmmaInput<T>::frag_t frag_t;
    const int FK = WmmaInput<T>::K;
    // 32-byte alignment and row strides that are multiples of 16 bytes, as load_matrix_sync requires
    __shared__ __align__(32) T As[WM_BM][WM_BK + WM_PAD];
    __shared__ __align__(32) T Bs[WM_BK][WM_BN + WM_PAD];
    __shared__ __align__(32) float Cs[WM_BM][WM_BN + 4];

    const int m0 = blockIdx.y * WM_BM;
    const int n0 = blockIdx.x * WM_BN;
    const int kBegin = blockIdx.z * kSlice;
    const int kEnd = min(K, kBegin + kSlice);
    C += (size_t)blockIdx.z * M * N;
    const int warp = threadIdx.x / 32;
    const int wm = (warp / 2) * 32;
    const int wn = (warp % 2) * 32;
    const T zero = static_cast<T>(0.0f);

    wmma::fragment<wmma::accumulator, 16, 16, FK, float> acc[2][2];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            wmma::fill_fragment(acc[i][j], 0.0f);

    for (int k0 = kBegin; k0 < kEnd; k0 += WM_BK) {
        // consecutive threads read consecutive addresses of the stored (possibly transposed) matrix
        for (int i = threadIdx.x; i < WM_BM * WM_BK; i += WM_THREADS) {
            int r, c; // r: row of op(A) (m), c: column (k)
            if (TRANS_A) { c = i / WM_BM; r = i % WM_BM; } else { r = i / WM_BK; c = i % WM_BK; }
            int gm = m0 + r, gk = k0 + c;
            As[r][c] = (gm < M && gk < kEnd) ? A[TRANS_A ? (size_t)gk * M + gm : (size_t)gm * K + gk] : zero;
        }
        for (int i = threadIdx.x; i < WM_BK * WM_BN; i += WM_THREADS) {
            int r, c; // r: row of op(B) (k), c: column (n)
            if (TRANS_B) { c = i / WM_BK; r = i % WM_BK; } else { r = i / WM_BN; c = i % WM_BN; }
            int gk = k0 + r, gn = n0 + c;
            Bs[r][c] = (gk < kEnd && gn < N) ? B[TRANS_B ? (size_t)gn * K + gk : (size_t)gk * N + gn] : zero;
        }
        __syncthreads();
        for (int kk = 0; kk < WM_BK; kk += FK) {
            wmma::fragment<wmma::matrix_a, 16, 16, FK, frag_t, wmma::row_major> a[2];
            wmma::fragment<wmma::matrix_b, 16, 16, FK, frag_t, wmma::row_major> b[2];
            for (int i = 0; i < 2; i++) {
                wmma::load_matrix_sync(a[i], &As[wm + 16 * i][kk], WM_BK + WM_PAD);
                wmma::load_matrix_sync(b[i], &Bs[kk][wn + 16 * i], WM_BN + WM_PAD);
                WmmaInput<T>::fix(a[i]);
                WmmaInput<T>::fix(b[i]);
            }
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            wmma::store_matrix_sync(&Cs[wm + 16 * i][wn + 16 * j], acc[i][j], WM_BN + 4, wmma::mem_row_major);
    __syncthreads();
    for (int i = threadIdx.x; i < WM_BM * WM_BN; i += WM_THREADS) {
        int r = i / WM_BN, c = i % WM_BN;
        int gm = m0 + r, gn = n0 + c;
        if (gm < M && gn < N) C[(size_t)gm * N + gn] = Cs[r][c];
    }
}

// One extern "C" entry point per transpose case: nn (forward, x W), tn (weight gradient, x^T dy),
// nt (input gradient, dy W^T).
#define WMMA_GEMM_ENTRIES(PREFIX, T)                                                                    \
    extern "C" __global__ void __launch_bounds__(WM_THREADS)                                           \
        PREFIX##_nn(const T *A, const T *B, float *C, int M, int N, int K, int kSlice) { gemm_wmma<T, false, false>(A, B, C, M, N, K, kSlice); } \
    extern "C" __global__ void __launch_bounds__(WM_THREADS)                                           \
        PREFIX##_tn(const T *A, const T *B, float *C, int M, int N, int K, int kSlice) { gemm_wmma<T, true, false>(A, B, C, M, N, K, kSlice); } \
    extern "C" __global__ void __launch_bounds__(WM_THREADS)                                           \
        PREFIX##_nt(const T *A, const T *B, float *C, int M, int N, int K, int kSlice) { gemm_wmma<T, false, true>(A, B, C, M, N, K, kSlice); }
