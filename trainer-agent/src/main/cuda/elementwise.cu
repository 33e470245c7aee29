// Element-wise kernels of the GPU backend (PTX compute_75). They mirror the CPU backend
// (dev.ampwatch.trainer.cpu) operation for operation: the optimizer updates use the _rn intrinsics,
// which the compiler never contracts into FMAs, so they round exactly as Java's float arithmetic does.
// Every kernel walks its range with a grid-stride loop, so any grid size is correct.
#include <cuda_fp16.h>
#include <cuda_bf16.h>

#define GRID_STRIDE(i, n) for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

// ---- GEMM input rounding (round to nearest, ties to even) ------------------------------------------
// flag, when not null, is set to 1 if a rounded value is inf or NaN: the loss scaler's overflow check
// of the rounded incoming gradient, as DenseLayer.backward does it.

extern "C" __global__ void convert_f32_f16(const float *src, __half *dst, int n, int *flag) {
    GRID_STRIDE(i, n) {
        __half h = __float2half_rn(src[i]); // IEEE RNE, overflow to inf, subnormals kept
        dst[i] = h;
        if (flag != 0 && !isfinite(__half2float(h))) *flag = 1;
    }
}

extern "C" __global__ void convert_f32_bf16(const float *src, __nv_bfloat16 *dst, int n, int *flag) {
    GRID_STRIDE(i, n) {
        __nv_bfloat16 h = __float2bfloat16_rn(src[i]);
        dst[i] = h;
        if (flag != 0 && !isfinite(__bfloat162float(h))) *flag = 1;
    }
}

// TF32 kept in FP32 storage: the low 13 mantissa bits cleared after rounding to nearest even, the
// same bit arithmetic as ReducedFloat.roundToTf32 (cvt.rna.tf32 would round ties away from zero).
extern "C" __global__ void round_f32_tf32(const float *src, float *dst, int n, int *flag) {
    GRID_STRIDE(i, n) {
        unsigned int bits = __float_as_uint(src[i]);
        unsigned int out;
        if ((bits & 0x7f800000u) == 0x7f800000u) {
            out = (bits & 0x007fffffu) != 0 ? (bits | 0x00400000u) & 0xffffe000u : bits;
        } else {
            unsigned int lsb = (bits >> 13) & 1u;
            out = (bits + 0x0fffu + lsb) & 0xffffe000u;
        }
        float r = __uint_as_float(out);
        dst[i] = r;
        if (flag != 0 && !isfinite(r)) *flag = 1;
    }
}

// ---- layers -------------------------------------------------------------------------------------------

// y[r][c] += b[c] for rows x cols
extern "C" __global__ void bias_add(float *y, const float *b, int rows, int cols) {
    int n = rows * cols;
    GRID_STRIDE(i, n) { y[i] = __fadd_rn(y[i], b[i % cols]); }
}

// v = max(v, 0); NaN becomes 0 as in Activations.relu
extern "C" __global__ void relu_forward(float *v, int n) {
    GRID_STRIDE(i, n) {
        if (!(v[i] > 0.0f)) v[i] = 0.0f;
    }
}

// grad = 0 where the ReLU output was not positive
extern "C" __global__ void relu_backward(const float *out, float *grad, int n) {
    GRID_STRIDE(i, n) {
        if (!(out[i] > 0.0f)) grad[i] = 0.0f;
    }
}

// db[c] = sum over rows of dy[r][c], summed in row order (as DenseLayer.backward)
extern "C" __global__ void bias_grad(const float *dy, int rows, int cols, float *db) {
    GRID_STRIDE(c, cols) {
        float s = 0.0f;
        for (int r = 0; r < rows; r++) s = __fadd_rn(s, dy[(size_t)r * cols + c]);
        db[c] = s;
    }
}

// First pass of a bias gradient over many rows (a convolution's output pixels): partial[k][c] = the sum of
// dy's rows [k chunk, (k + 1) chunk) in column c, in row order; bias_grad over the partial sums (chunks x cols)
// then adds them in chunk order. DenseLayer.biasGradient sums the same way, so the floats are the CPU's.
extern "C" __global__ void bias_grad_partial(const float *dy, int rows, int cols, int chunk, float *partial) {
    int chunks = (rows + chunk - 1) / chunk;
    int n = chunks * cols;
    GRID_STRIDE(i, n) {
        int k = i / cols, c = i % cols;
        int end = min(rows, (k + 1) * chunk);
        float s = 0.0f;
        for (int r = k * chunk; r < end; r++) s = __fadd_rn(s, dy[(size_t)r * cols + c]);
        partial[i] = s;
    }
}

// c[i] = the sum of a split-K GEMM's partial products partial[z][i] (slices x count), added in z order
// (gemm_wmma.cuh, "Split K")
extern "C" __global__ void sum_slices(const float *partial, float *c, int slices, int count) {
    GRID_STRIDE(i, count) {
        float s = partial[i];
        for (int z = 1; z < slices; z++) s = __fadd_rn(s, partial[(size_t)z * count + i]);
        c[i] = s;
    }
}

// ---- convolutions as GEMMs (Im2col.java is the CPU side, value for value) -------------------------------
// Images are NHWC (samples x height x width x channels). The column matrix has one row per output pixel
// (sample, oy, ox) of kernel x kernel x channels entries (kernel row, kernel column, channel): the input
// under the filter, 0 where it overhangs the image by the zero padding.

extern "C" __global__ void im2col(const float *x, float *col, int samples, int height, int width, int channels,
                                  int kernel, int stride, int pad, int outHeight, int outWidth) {
    int patch = kernel * kernel * channels;
    int n = samples * outHeight * outWidth * patch; // < 2^31: ModelSpec and GpuLayout check the sizes
    GRID_STRIDE(i, n) {
        int row = i / patch, q = i % patch;
        int ch = q % channels, kk = q / channels;
        int kh = kk / kernel, kw = kk % kernel;
        int ox = row % outWidth, t = row / outWidth;
        int oy = t % outHeight, s = t / outHeight;
        int iy = oy * stride - pad + kh, ix = ox * stride - pad + kw;
        col[i] = (iy < 0 || iy >= height || ix < 0 || ix >= width)
                     ? 0.0f
                     : x[((size_t)(s * height + iy) * width + ix) * channels + ch];
    }
}

// dx = col2im(dcol): each input value gathers the patch entries that read it, kernel row then kernel column
// (no atomics: one thread per input value, a fixed order, the CPU's).
extern "C" __global__ void col2im(const float *dcol, float *dx, int samples, int height, int width, int channels,
                                  int kernel, int stride, int pad, int outHeight, int outWidth) {
    int patch = kernel * kernel * channels;
    int n = samples * height * width * channels;
    GRID_STRIDE(i, n) {
        int ch = i % channels, t = i / channels;
        int ix = t % width; t /= width;
        int iy = t % height, s = t / height;
        float sum = 0.0f;
        for (int kh = 0; kh < kernel; kh++) {
            int ty = iy + pad - kh;
            if (ty < 0 || ty % stride != 0 || ty / stride >= outHeight) continue;
            for (int kw = 0; kw < kernel; kw++) {
                int tx = ix + pad - kw;
                if (tx < 0 || tx % stride != 0 || tx / stride >= outWidth) continue;
                size_t row = ((size_t)s * outHeight + ty / stride) * outWidth + tx / stride;
                sum = __fadd_rn(sum, dcol[row * patch + (kh * kernel + kw) * channels + ch]);
            }
        }
        dx[i] = sum;
    }
}

// One thread per row, in double as Activations.softmaxCrossEntropy: rowLoss[r] = log-sum-exp minus the
// label's logit (the host sums the rows in order and divides by rows); grad = (softmax - onehot) *
// gradScale / rows, gradScale being the loss scale.
extern "C" __global__ void softmax_xent(const float *logits, const int *labels, int rows, int classes,
                                        float gradScale, float *grad, double *rowLoss) {
    float perRow = __fdiv_rn(gradScale, (float)rows);
    GRID_STRIDE(r, rows) {
        const float *z = logits + (size_t)r * classes;
        float mx = -INFINITY;
        for (int c = 0; c < classes; c++) mx = fmaxf(mx, z[c]);
        double sum = 0.0;
        for (int c = 0; c < classes; c++) sum += exp((double)__fsub_rn(z[c], mx));
        double logSum = log(sum);
        int label = labels[r];
        rowLoss[r] = logSum - (double)__fsub_rn(z[label], mx);
        float *g = grad + (size_t)r * classes;
        for (int c = 0; c < classes; c++) {
            double p = exp((double)__fsub_rn(z[c], mx) - logSum);
            g[c] = (float)((p - (c == label ? 1.0 : 0.0)) * (double)perRow);
        }
    }
}

// One thread per row of a one-output model, as Activations.meanSquaredError: d = y - t, rowLoss[r] = d * d in double
// (the host sums the rows in order and divides by rows), grad = 2 d gradScale / rows.
extern "C" __global__ void mse(const float *outputs, const float *targets, int rows, float gradScale, float *grad,
                               double *rowLoss) {
    float perRow = __fdiv_rn(gradScale, (float)rows);
    GRID_STRIDE(r, rows) {
        float d = __fsub_rn(outputs[r], targets[r]);
        rowLoss[r] = (double)d * (double)d;
        grad[r] = (float)(2.0 * (double)d * (double)perRow);
    }
}

// flag = 1 if any of v[0..n) is inf or NaN
extern "C" __global__ void flag_nonfinite(const float *v, int n, int *flag) {
    GRID_STRIDE(i, n) {
        if (!isfinite(v[i])) *flag = 1;
    }
}

// most likely class of each row; the first of equal maxima, as Activations.argmax
extern "C" __global__ void argmax_rows(const float *logits, int rows, int classes, int *out) {
    GRID_STRIDE(r, rows) {
        const float *z = logits + (size_t)r * classes;
        int best = 0;
        for (int c = 1; c < classes; c++)
            if (z[c] > z[best]) best = c;
        out[r] = best;
    }
}

// ---- optimizers on the FP32 master weights ------------------------------------------------------------
// gradFactor is 1 / loss scale (1 when the precision does not scale): g = grad * gradFactor.

// PyTorch's SGD with momentum, no dampening: v = momentum v + g; p -= lr v
extern "C" __global__ void sgd_momentum(float *p, float *v, const float *grad, int n, float lr, float momentum,
                                        float gradFactor) {
    GRID_STRIDE(i, n) {
        float g = __fmul_rn(grad[i], gradFactor);
        float vi = __fadd_rn(__fmul_rn(momentum, v[i]), g);
        v[i] = vi;
        p[i] = __fsub_rn(p[i], __fmul_rn(lr, vi));
    }
}

// Adam with bias correction folded into stepSize = lr / (1 - beta1^t) and secondCorrection =
// 1 / sqrt(1 - beta2^t), computed on the host as Optimizers.Adam does.
extern "C" __global__ void adam(float *p, float *m, float *v, const float *grad, int n, float beta1, float oneMinusBeta1,
                                float beta2, float oneMinusBeta2, float stepSize, float secondCorrection, float epsilon,
                                float gradFactor) {
    GRID_STRIDE(i, n) {
        float g = __fmul_rn(grad[i], gradFactor);
        float mi = __fadd_rn(__fmul_rn(beta1, m[i]), __fmul_rn(oneMinusBeta1, g));
        float vi = __fadd_rn(__fmul_rn(beta2, v[i]), __fmul_rn(__fmul_rn(oneMinusBeta2, g), g));
        m[i] = mi;
        v[i] = vi;
        float denom = __fadd_rn(__fmul_rn(__fsqrt_rn(vi), secondCorrection), epsilon);
        p[i] = __fsub_rn(p[i], __fdiv_rn(__fmul_rn(stepSize, mi), denom));
    }
}
