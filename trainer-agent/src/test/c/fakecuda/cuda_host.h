// Just enough of CUDA C's device side for the kernels of src/main/cuda to compile and run on the host CPU with
// g++: the fake libcuda (fake_cuda.cpp) runs them for the GPU tests on machines without a GPU. A block's threads are
// fibers (kernels.cpp) so that __syncthreads and __shared__ memory mean what they mean on a GPU; WMMA fragments and
// the 8-bit mma.sync are emulated warp by warp from the documented semantics and fragment layouts.
//
// What this is not: a GPU. Tensor cores accumulate in their own order and precision, which this emulation does not
// reproduce (it sums products in k order in FP32); timing, occupancy and memory coherence are not modelled.
#pragma once

#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cuda_fp8.h>
#include <vector_types.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#undef __global__
#undef __device__
#undef __forceinline__
#undef __launch_bounds__
#undef __noinline__
#undef __shared__
#undef __align__
#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __noinline__
// one per kernel: a block's fibers share it, and the fake runs one launch at a time (kernels.cpp)
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

extern uint3 threadIdx;
extern uint3 blockIdx;
extern dim3 blockDim;
extern dim3 gridDim;

// the block barrier: the calling fiber waits until every thread of its block has reached it
void fake_cuda_syncthreads();
#define __syncthreads() fake_cuda_syncthreads()
// the warp barrier of a warp-collective operation (every lane of the calling warp)
void fake_cuda_syncwarp();

using std::isfinite;
static inline int min(int a, int b) { return a < b ? a : b; }
static inline int max(int a, int b) { return a > b ? a : b; }

// IEEE single-precision arithmetic on the host rounds to nearest even, as the _rn intrinsics do (compiled with
// -ffp-contract=off: no FMA contraction)
static inline float __fadd_rn(float a, float b) { return a + b; }
static inline float __fsub_rn(float a, float b) { return a - b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline float __fdiv_rn(float a, float b) { return a / b; }
static inline float __fsqrt_rn(float a) { return std::sqrt(a); }
static inline float __int2float_rn(int a) { return (float) a; }
static inline unsigned int __float_as_uint(float f) { unsigned int u; std::memcpy(&u, &f, 4); return u; }
static inline float __uint_as_float(unsigned int u) { float f; std::memcpy(&f, &u, 4); return f; }

// dp4a: the four signed bytes of a times those of b, plus c
static inline int __dp4a(int a, int b, int c) {
    for (int i = 0; i < 4; i++) c += (int) (signed char) (a >> (8 * i)) * (int) (signed char) (b >> (8 * i));
    return c;
}

// ---- WMMA (nvcuda::wmma), warp by warp -----------------------------------------------------------------------
// A warp's fragment is distributed over its 32 lanes on a GPU; here lane 0 of each warp holds all of it and does the
// warp's loads, products and stores (the other lanes' fragments stay unused), which is the same thing as long as the
// kernel calls them warp-uniformly, as the API requires, and orders its shared memory with __syncthreads, as it must.
namespace nvcuda {
namespace wmma {
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };
namespace precision {
struct tf32 {};
}

template <typename T> struct storage { typedef T type; };
template <> struct storage<precision::tf32> { typedef float type; };

template <typename Use, int M, int N, int K> struct shape;
template <int M, int N, int K> struct shape<matrix_a, M, N, K> { static const int rows = M, cols = K; };
template <int M, int N, int K> struct shape<matrix_b, M, N, K> { static const int rows = K, cols = N; };
template <int M, int N, int K> struct shape<accumulator, M, N, K> { static const int rows = M, cols = N; };

template <typename Use, int M, int N, int K, typename T, typename Layout = void> struct fragment {
    typedef typename storage<T>::type element_type;
    static const int rows = shape<Use, M, N, K>::rows;
    static const int cols = shape<Use, M, N, K>::cols;
    static const int num_elements = rows * cols;
    element_type x[rows * cols];
};

static inline bool lane0() { return threadIdx.x % 32 == 0; }

template <typename Use, int M, int N, int K, typename T, typename L>
inline void fill_fragment(fragment<Use, M, N, K, T, L> &f, float v) {
    for (int i = 0; i < f.num_elements; i++) f.x[i] = static_cast<typename fragment<Use, M, N, K, T, L>::element_type>(v);
}

// row-major operand fragments: element (r, c) at p[r * ldm + c]
template <typename Use, int M, int N, int K, typename T, typename S>
inline void load_matrix_sync(fragment<Use, M, N, K, T, row_major> &f, const S *p, unsigned ldm) {
    if (lane0()) {
        typedef fragment<Use, M, N, K, T, row_major> F;
        for (int r = 0; r < F::rows; r++)
            for (int c = 0; c < F::cols; c++) f.x[r * F::cols + c] = p[(size_t) r * ldm + c];
    }
}

// D = A B + C: the products of FP16, BF16 and TF32 values are exact in FP32; summed in k order
template <int M, int N, int K, typename T>
inline void mma_sync(fragment<accumulator, M, N, K, float> &d, const fragment<matrix_a, M, N, K, T, row_major> &a,
                     const fragment<matrix_b, M, N, K, T, row_major> &b, const fragment<accumulator, M, N, K, float> &c) {
    if (!lane0()) return;
    float fa[M * K], fbt[N * K], out[M * N];
    for (int i = 0; i < M * K; i++) fa[i] = (float) a.x[i];
    for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++) fbt[j * K + k] = (float) b.x[k * N + j];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float s = c.x[i * N + j];
            for (int k = 0; k < K; k++) s += fa[i * K + k] * fbt[j * K + k];
            out[i * N + j] = s;
        }
    std::memcpy(d.x, out, sizeof out);
}

template <int M, int N, int K>
inline void store_matrix_sync(float *p, const fragment<accumulator, M, N, K, float> &f, unsigned ldm, layout_t layout) {
    if (lane0()) {
        for (int r = 0; r < M; r++)
            for (int c = 0; c < N; c++) {
                if (layout == mem_row_major) p[(size_t) r * ldm + c] = f.x[r * N + c];
                else p[(size_t) c * ldm + r] = f.x[r * N + c];
            }
    }
}

// cvt.rna.tf32.f32: 10 mantissa bits, ties away from zero (identity on values already rounded to TF32)
static inline float __float_to_tf32(float v) {
    unsigned int b = __float_as_uint(v);
    if ((b & 0x7f800000u) == 0x7f800000u) return v;
    return __uint_as_float((b + 0x1000u) & 0xffffe000u);
}
} // namespace wmma
} // namespace nvcuda

// ---- mma.sync.m16n8k32 with 8-bit inputs, a warp-collective ---------------------------------------------------
// Each lane passes its registers in the PTX ISA's m16n8k32 8-bit layout ("Matrix Fragments for mma.m16n8k32"):
// g = lane / 4, t = lane % 4; a[0..3] = A[g][4t..4t+3], A[g+8][4t..], A[g][16+4t..], A[g+8][16+4t..];
// b[0..1] = B[4t..4t+3][g], B[16+4t..][g]; c[0..3] = C[g][2t], C[g][2t+1], C[g+8][2t], C[g+8][2t+1].
// The lanes' registers are gathered into the warp's whole A, B and C, multiplied, and scattered back.
void fake_cuda_mma_m16n8k32_s8(int c[4], const unsigned a[4], const unsigned b[2]);
void fake_cuda_mma_m16n8k32_e4m3(float c[4], const unsigned a[4], const unsigned b[2]);

// ---- mma.sync.m16n8k16 (FP16 / BF16 inputs), ldmatrix and cp.async, for gemm_mma16.cuh --------------------------
// mma: the PTX ISA's m16n8k16 16-bit layout ("Matrix Fragments for mma.m16n8k16"), g = lane / 4, t = lane % 4:
// a[0..3] = A[g][2t..2t+1], A[g+8][2t..], A[g][8+2t..], A[g+8][8+2t..] (low half first); b[0..1] = B[2t..2t+1][g],
// B[8+2t..][g]; c as for m16n8k32. Products summed in k order in FP32, as the WMMA emulation does.
void fake_cuda_mma_m16n8k16(float c[4], const unsigned a[4], const unsigned b[2], bool bf16);
// mma.sync.m16n8k8 with TF32 inputs ("Matrix Fragments for mma.m16n8k8", .tf32): a[0..3] = A[g][t], A[g+8][t],
// A[g][t+4], A[g+8][t+4]; b[0..1] = B[t][g], B[t+4][g]; c as above; each input's 13 low mantissa bits ignored.
void fake_cuda_mma_m16n8k8_tf32(float c[4], const unsigned a[4], const unsigned b[2]);
// ldmatrix.sync.aligned.m8n8.x4(.trans).shared.b16, a warp-collective: lane L gives the address of row L % 8 of
// matrix L / 8; r[j] of lane (g, t) is matrix j's row g, values 2t and 2t + 1 (trans: rows 2t and 2t + 1, value g).
void fake_cuda_ldmatrix_x4(unsigned r[4], const void *row, bool trans);
// cp.async.cg.shared.global of 16 bytes, the first `bytes` from gmem and zeros after: the source is read now, the
// destination written when a cp.async.wait_group of this thread covers it (until then it holds NaN bytes, so a
// kernel that reads a stage before waiting for it reads garbage here too)
void fake_cuda_cp_async16(void *smem, const void *gmem, int bytes);
// a block's dynamic shared memory (extern __shared__) and its size, the launch's sharedMemBytes (%dynamic_smem_size);
// NaN bytes at every block's start, as nothing a block did not write is known on a GPU
unsigned char *fake_cuda_dynamic_smem();
unsigned fake_cuda_dynamic_smem_size();
void fake_cuda_cp_async_commit();
void fake_cuda_cp_async_wait(int pending);
static inline unsigned long long __cvta_generic_to_shared(const void *p) { return (unsigned long long) p; }
