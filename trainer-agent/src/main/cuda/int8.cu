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

// The same product on the integer tensor cores (sm_80 and newer; compiled into int8_sm80.ptx): one warp per 16 x 8 tile
// of C, mma.sync.m16n8k32 s8 x s8 with int32 accumulation, fragments read from global memory in the PTX ISA's
// m16n8k32 8-bit layout (as fp8.cu's gemm_e4m3_mma: g = lane / 4, t = lane % 4; A registers A[g][k+4t..],
// A[g+8][k+4t..], A[g][k+16+4t..], A[g+8][k+16+4t..]; B registers B[k+4t..][g], B[k+16+4t..][g]; C holds C[g][2t],
// C[g][2t+1], C[g+8][2t], C[g+8][2t+1]). Rows are padded to whole 32-byte k-steps (ld). Integer sums are exact,
// so C equals gemm_s8_dp4a's bit for bit.
#if defined(INT8_MMA)
#define S8_WARPS 4

extern "C" __global__ void gemm_s8_mma(const signed char *__restrict__ A, const signed char *__restrict__ Bt,
                                       int *__restrict__ C, int M, int N, int ld) {
    const int lane = threadIdx.x % 32;
    const int g = lane / 4;
    const int t = lane % 4;
    const int tilesN = (N + 7) / 8;
    const int tiles = ((M + 15) / 16) * tilesN;
    for (int tile = blockIdx.x * S8_WARPS + threadIdx.x / 32; tile < tiles; tile += gridDim.x * S8_WARPS) {
        const int m0 = (tile / tilesN) * 16;
        const int n0 = (tile % tilesN) * 8;
        const int ra = m0 + g;
        const int rb = m0 + g + 8;
        const int cn = n0 + g;
        int c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (int k = 0; k < ld; k += 32) {
            const int k0 = k + 4 * t;
            unsigned a0 = ra < M ? *(const unsigned *) (A + (long long) ra * ld + k0) : 0u;
            unsigned a1 = rb < M ? *(const unsigned *) (A + (long long) rb * ld + k0) : 0u;
            unsigned a2 = ra < M ? *(const unsigned *) (A + (long long) ra * ld + k0 + 16) : 0u;
            unsigned a3 = rb < M ? *(const unsigned *) (A + (long long) rb * ld + k0 + 16) : 0u;
            unsigned b0 = cn < N ? *(const unsigned *) (Bt + (long long) cn * ld + k0) : 0u;
            unsigned b1 = cn < N ? *(const unsigned *) (Bt + (long long) cn * ld + k0 + 16) : 0u;
            asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                         "{%0,%1,%2,%3};"
                         : "+r"(c0), "+r"(c1), "+r"(c2), "+r"(c3)
                         : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
        }
        const int col = n0 + 2 * t;
        if (ra < M && col < N) C[(long long) ra * N + col] = c0;
        if (ra < M && col + 1 < N) C[(long long) ra * N + col + 1] = c1;
        if (rb < M && col < N) C[(long long) rb * N + col] = c2;
        if (rb < M && col + 1 < N) C[(long long) rb * N + col + 1] = c3;
    }
}
#endif
