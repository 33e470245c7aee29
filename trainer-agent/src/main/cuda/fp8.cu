// FP8 (E4M3) inference kernels (PTX compute_89, ISA 8.4: FP8 tensor cores exist from Ada, sm_89): the GPU half
// of Fp8Mlp (dev.ampwatch.trainer.quant). Activations are quantized on the device with per-tensor scales
// (cvt.rn.satfinite, as Fp8E4m3.round), multiplied on the FP8 tensor cores (mma.sync m16n8k32 e4m3 x e4m3 with
// FP32 accumulation), and dequantized with the bias and ReLU in Java's order (_rn intrinsics, no FMA). The
// tensor cores sum in their own order and precision, so the logits are close to the CPU's, not equal
// (GpuFp8Test's tolerance says how close).
//
// Layouts: activations q (rows x ld bytes) and weights wt (out x ld bytes: W transposed, k contiguous), with
// ld = in rounded up to 32 (one mma k-step) and the padding zero, so every fragment register is one aligned
// 32-bit load of 4 consecutive k.
#include <cuda_fp8.h>

#define GRID_STRIDE(i, n) for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

// q = e4m3(x / scale), saturated to +-448; columns from cols to ld are written 0.
extern "C" __global__ void quantize_e4m3(const float *__restrict__ x, unsigned char *__restrict__ q, int rows, int cols, int ld,
                                         float scale) {
    GRID_STRIDE(i, rows * ld) {
        int r = i / ld;
        int c = i - r * ld;
        q[i] = c < cols ? (unsigned char) __nv_cvt_float_to_fp8(__fdiv_rn(x[r * cols + c], scale), __NV_SATFINITE, __NV_E4M3) : 0;
    }
}

// C (M x N, f32) = A (M x ld e4m3, row-major) times Bt (N x ld e4m3) transposed. Each warp computes one 16 x 8
// tile of C, walking k 32 values at a time with mma.sync.m16n8k32; the fragments are read straight from global
// memory (PTX ISA, "Matrix Fragments for mma.m16n8k32" with 8-bit types): with g = lane / 4 and t = lane % 4,
// A registers hold A[g][k+4t..], A[g+8][k+4t..], A[g][k+16+4t..], A[g+8][k+16+4t..]; B registers hold
// B[k+4t..][g], B[k+16+4t..][g]; C holds C[g][2t], C[g][2t+1], C[g+8][2t], C[g+8][2t+1].
#define F8_WARPS 4

extern "C" __global__ void gemm_e4m3_mma(const unsigned char *__restrict__ A, const unsigned char *__restrict__ Bt,
                                         float *__restrict__ C, int M, int N, int ld) {
    const int lane = threadIdx.x % 32;
    const int g = lane / 4;
    const int t = lane % 4;
    const int tilesN = (N + 7) / 8;
    const int tiles = ((M + 15) / 16) * tilesN;
    for (int tile = blockIdx.x * F8_WARPS + threadIdx.x / 32; tile < tiles; tile += gridDim.x * F8_WARPS) {
        const int m0 = (tile / tilesN) * 16;
        const int n0 = (tile % tilesN) * 8;
        const int ra = m0 + g;
        const int rb = m0 + g + 8;
        const int cn = n0 + g;
        float c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f;
        for (int k = 0; k < ld; k += 32) {
            const int k0 = k + 4 * t;
            unsigned a0 = ra < M ? *(const unsigned *) (A + (long long) ra * ld + k0) : 0u;
            unsigned a1 = rb < M ? *(const unsigned *) (A + (long long) rb * ld + k0) : 0u;
            unsigned a2 = ra < M ? *(const unsigned *) (A + (long long) ra * ld + k0 + 16) : 0u;
            unsigned a3 = rb < M ? *(const unsigned *) (A + (long long) rb * ld + k0 + 16) : 0u;
            unsigned b0 = cn < N ? *(const unsigned *) (Bt + (long long) cn * ld + k0) : 0u;
            unsigned b1 = cn < N ? *(const unsigned *) (Bt + (long long) cn * ld + k0 + 16) : 0u;
            asm volatile("mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                         "{%0,%1,%2,%3};"
                         : "+f"(c0), "+f"(c1), "+f"(c2), "+f"(c3)
                         : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
        }
        const int col = n0 + 2 * t;
        if (ra < M && col < N) C[(long long) ra * N + col] = c0;
        if (ra < M && col + 1 < N) C[(long long) ra * N + col + 1] = c1;
        if (rb < M && col < N) C[(long long) rb * N + col] = c2;
        if (rb < M && col + 1 < N) C[(long long) rb * N + col + 1] = c3;
    }
}

// y = acc * (xscale * wscale) + bias[j], then ReLU when relu != 0: Fp8Mlp.logits' float steps in its order.
extern "C" __global__ void dequant_f32_bias_act(const float *__restrict__ acc, const float *__restrict__ bias,
                                                float *__restrict__ y, int rows, int cols, float xscale, float wscale,
                                                int relu) {
    GRID_STRIDE(i, rows * cols) {
        int j = i % cols;
        float v = __fadd_rn(__fmul_rn(acc[i], __fmul_rn(xscale, wscale)), bias[j]);
        y[i] = (relu != 0 && v <= 0.0f) ? 0.0f : v; // Math.max(0f, v): +0 for v <= 0 (-0 included), NaN stays NaN
    }
}
