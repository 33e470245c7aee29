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
#include "gemm_mma8.cuh"

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

// C (M x N, f32) = A (M x ld e4m3) times Bt (N x ld e4m3) transposed: gemm_mma8.cuh's tiles with
// mma.sync.m16n8k32 e4m3 x e4m3 and FP32 accumulation.
struct MmaE4m3 {
    __device__ __forceinline__ void operator()(float c[4], const unsigned a[4], const unsigned b[2]) const {
#if defined(AMPWATCH_HOST_KERNELS) // the fake libcuda's emulation of the instruction (trainer-agent/src/test/c/fakecuda)
        fake_cuda_mma_m16n8k32_e4m3(c, a, b);
#else
        asm volatile("mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
    }
};

extern "C" __global__ void __launch_bounds__(MMA8_THREADS) gemm_e4m3_mma(const unsigned char *__restrict__ A, const unsigned char *__restrict__ Bt,
                                         float *__restrict__ C, int M, int N, int ld) {
    gemm_mma8<float>(A, Bt, C, M, N, ld, MmaE4m3());
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
