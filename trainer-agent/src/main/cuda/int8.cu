// INT8 inference kernels (PTX compute_75; dp4a exists from sm_61): the GPU half of Int8Mlp
// (dev.ampwatch.trainer.quant). Integer products and sums are exact, so the int32 accumulators equal the
// CPU's whatever order they are added in; the float steps use the _rn intrinsics (never contracted into
// FMAs) in Java's order, so the logits equal the CPU's bit for bit (GpuInt8Test).
//
// Layouts: activations q (rows x ld bytes, ld = in rounded up to 4, the padding zero), weights wt
// (out x ld bytes: W transposed, k contiguous, padding zero), so one 32-bit load holds 4 consecutive k
// of either operand, the operand layout of dp4a.

#define GRID_STRIDE(i, n) for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

// Built twice: int8.ptx (compute_75) has everything but gemm_s8_mma; int8_sm80.ptx (compute_80, -DINT8_MMA) only that.
#if !defined(INT8_MMA)

// q = clamp(rint(x / scale), -127, 127), as Int8Mlp.quantize; columns from cols to ld are written 0.
extern "C" __global__ void quantize_s8(const float *__restrict__ x, signed char *__restrict__ q, int rows, int cols, int ld,
                                       float scale) {
    GRID_STRIDE(i, rows * ld) {
        int r = i / ld;
        int c = i - r * ld;
        signed char v = 0;
        if (c < cols) {
            float t = rintf(__fdiv_rn(x[r * cols + c], scale)); // float division, then rint: Java's (double) of it rounds alike
            t = t > 127.0f ? 127.0f : (t < -127.0f ? -127.0f : t);
            v = (signed char) (int) t;
        }
        q[i] = v;
    }
}

// C (M x N, int32) = A (M x K4 packed int8x4) times Bt (N x K4 packed int8x4) transposed: 256 threads compute a
// 64 x 64 tile of C, 4 x 4 values each (strided by 16), K walked 16 words (64 int8 values) at a time.
#define Q_BM 64
#define Q_BN 64
#define Q_BK 16
#define Q_THREADS 256

// One k-tile of a thread's 4 x 4 values (rows ty + 16 i, columns tx + 16 j): Q_BK dp4a words of A and B from shared memory.
__device__ __forceinline__ void dp4a_tile(const int (&As)[Q_BK][Q_BM + 1], const int (&Bs)[Q_BK][Q_BN + 1], int (&acc)[4][4], int tx,
                                          int ty) {
#pragma unroll
    for (int kk = 0; kk < Q_BK; kk++) {
        int a[4];
        int b[4];
        for (int i = 0; i < 4; i++) a[i] = As[kk][ty + 16 * i];
        for (int j = 0; j < 4; j++) b[j] = Bs[kk][tx + 16 * j];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                acc[i][j] = __dp4a(a[i], b[j], acc[i][j]);
    }
}

extern "C" __global__ void gemm_s8_dp4a(const int *__restrict__ A, const int *__restrict__ Bt, int *__restrict__ C, int M, int N,
                                        int K4) {
    __shared__ int As[Q_BK][Q_BM + 1];
    __shared__ int Bs[Q_BK][Q_BN + 1];
    const int m0 = blockIdx.y * Q_BM;
    const int n0 = blockIdx.x * Q_BN;
    const int tx = threadIdx.x % 16;
    const int ty = threadIdx.x / 16;
    int acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            acc[i][j] = 0;

    for (int k0 = 0; k0 < K4; k0 += Q_BK) {
        for (int i = threadIdx.x; i < Q_BM * Q_BK; i += Q_THREADS) {
            int r = i / Q_BK; // consecutive threads read consecutive words of one row
            int kk = i - r * Q_BK;
            int gk = k0 + kk;
            int gm = m0 + r;
            int gn = n0 + r;
            As[kk][r] = (gm < M && gk < K4) ? A[(long long) gm * K4 + gk] : 0;
            Bs[kk][r] = (gn < N && gk < K4) ? Bt[(long long) gn * K4 + gk] : 0;
        }
        __syncthreads();
        dp4a_tile(As, Bs, acc, tx, ty);
        __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
        int gm = m0 + ty + 16 * i;
        for (int j = 0; j < 4; j++) {
            int gn = n0 + tx + 16 * j;
            if (gm < M && gn < N) C[(long long) gm * N + gn] = acc[i][j];
        }
    }
}

// W4A8 (Int4Mlp): y = relu?((sum_g (float) acc_g * wscale[g][n]) * xscale + bias[n]) for A (M x K4 int8x4 words, K4 a
// multiple of 16) times the INT4 weights Bt4 (N x K4/2 words, 8 two's-complement nibbles each, input k in bits 4 (k % 8)
// of word k / 8), wscale groups x N (group-major, a group = 64 inputs = one k-tile of 16 dp4a words). The tiles of
// gemm_s8_dp4a; the nibbles are widened to bytes when staged in shared memory; after each k-tile (a group) its exact
// int32 sums are scaled and added in FP32 in group order, with Int4Mlp's roundings, so y equals the CPU's bit for bit.
extern "C" __global__ void gemm_s4_dp4a(const int *__restrict__ A, const unsigned *__restrict__ Bt4, const float *__restrict__ wscale,
                                        const float *__restrict__ bias, float *__restrict__ y, int M, int N, int K4, float xscale,
                                        int relu) {
    __shared__ int As[Q_BK][Q_BM + 1];
    __shared__ int Bs[Q_BK][Q_BN + 1];
    const int m0 = blockIdx.y * Q_BM;
    const int n0 = blockIdx.x * Q_BN;
    const int tx = threadIdx.x % 16;
    const int ty = threadIdx.x / 16;
    const int K8 = K4 / 2;
    float sum[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            sum[i][j] = 0.0f;

    for (int k0 = 0; k0 < K4; k0 += Q_BK) {
        for (int i = threadIdx.x; i < Q_BM * Q_BK; i += Q_THREADS) {
            int r = i / Q_BK;
            int kk = i - r * Q_BK;
            int gm = m0 + r;
            As[kk][r] = gm < M ? A[(long long) gm * K4 + k0 + kk] : 0;
        }
        for (int i = threadIdx.x; i < Q_BN * (Q_BK / 2); i += Q_THREADS) {
            int r = i / (Q_BK / 2);
            int kw = i - r * (Q_BK / 2);
            int gn = n0 + r;
            unsigned packed = gn < N ? Bt4[(long long) gn * K8 + k0 / 2 + kw] : 0u;
            for (int h = 0; h < 2; h++) { // nibbles 4h..4h+3 -> the four sign-extended bytes of one dp4a word
                unsigned word = 0u;
                for (int b = 0; b < 4; b++) {
                    int v = ((int) (packed << (28 - 4 * (4 * h + b)))) >> 28;
                    word |= ((unsigned) v & 0xFFu) << (8 * b);
                }
                Bs[2 * kw + h][r] = (int) word;
            }
        }
        __syncthreads();
        int acc[4][4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                acc[i][j] = 0;
        dp4a_tile(As, Bs, acc, tx, ty);
        const float *gs = wscale + (long long) (k0 / Q_BK) * N;
        for (int j = 0; j < 4; j++) {
            int gn = n0 + tx + 16 * j;
            float s = gn < N ? gs[gn] : 0.0f;
            for (int i = 0; i < 4; i++) sum[i][j] = __fadd_rn(sum[i][j], __fmul_rn(__int2float_rn(acc[i][j]), s));
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
        int gm = m0 + ty + 16 * i;
        for (int j = 0; j < 4; j++) {
            int gn = n0 + tx + 16 * j;
            if (gm < M && gn < N) {
                float v = __fadd_rn(__fmul_rn(sum[i][j], xscale), bias[gn]);
                y[(long long) gm * N + gn] = (relu != 0 && v <= 0.0f) ? 0.0f : v; // Math.max(0f, v), as dequant_bias_act
            }
        }
    }
}

// y = acc * (xscale * wscale[j]) + bias[j], then ReLU when relu != 0: Int8Mlp.logits' float steps in its order.
extern "C" __global__ void dequant_bias_act(const int *__restrict__ acc, const float *__restrict__ wscale,
                                            const float *__restrict__ bias, float *__restrict__ y, int rows, int cols,
                                            float xscale, int relu) {
    GRID_STRIDE(i, rows * cols) {
        int j = i % cols;
        float v = __fadd_rn(__fmul_rn(__int2float_rn(acc[i]), __fmul_rn(xscale, wscale[j])), bias[j]);
        y[i] = (relu != 0 && v <= 0.0f) ? 0.0f : v; // Math.max(0f, v): +0 for v <= 0 (-0 included), NaN stays NaN
    }
}

#endif

// The same product on the integer tensor cores (sm_80 and newer; compiled into int8_sm80.ptx): gemm_mma8.cuh's
// tiles (64 x 64 per block through shared memory) with mma.sync.m16n8k32 s8 x s8 and int32 accumulation. Integer sums are exact, so C equals gemm_s8_dp4a's
// bit for bit.
#if defined(INT8_MMA)
#include "gemm_mma8.cuh"

struct MmaS8 {
    __device__ __forceinline__ void operator()(int c[4], const unsigned a[4], const unsigned b[2]) const {
#if defined(AMPWATCH_HOST_KERNELS) // the fake libcuda's emulation of the instruction (trainer-agent/src/test/c/fakecuda)
        fake_cuda_mma_m16n8k32_s8(c, a, b);
#else
        asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                     : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
    }
};

extern "C" __global__ void __launch_bounds__(MMA8_THREADS) gemm_s8_mma(const unsigned char *__restrict__ A, const unsigned char *__restrict__ Bt,
                                       int *__restrict__ C, int M, int N, int ld) {
    gemm_mma8<int>(A, Bt, C, M, N, ld, MmaS8());
}
#endif
