package dev.ampwatch.trainer.cpu;

import dev.ampwatch.trainer.precision.Precision;
import java.util.Random;

/**
 * Fully connected layer {@code y = x W + b} on the CPU, with {@code W} stored {@code in x out}
 * row-major so the forward GEMM runs in its cache-friendly i-p-j order.
 *
 * <p>In reduced precision the GEMM inputs (x, W, and the incoming gradient dy) are rounded with
 * {@link Precision#round(float[], float[], int)} and accumulated in FP32; W itself stays an FP32
 * master copy and the bias is added in FP32. Backward reuses the rounded x and W from forward,
 * which is what autocast saves for backward.
 *
 * <p>Not thread-safe (owns scratch buffers); its GEMMs are parallel internally.
 */
final class DenseLayer {
    final int in;
    final int out;
    final float[] weights;
    final float[] bias;
    final float[] weightGrad;
    final float[] biasGrad;
    private final Precision precision;
    private final CpuGemm gemm;
    private final float[] roundedWeights;
    private final float[] transposedWeights;
    private boolean weightsStale = true;
    private float[] roundedInput = new float[0];
    private float[] transposedInput = new float[0];
    private float[] roundedGrad = new float[0];
    private float[] savedInput;
    private float[] biasChunk = new float[0];
    /** Rows per partial sum of the bias gradient (the GPU's {@code KernelLaunch.BIAS_GRAD_CHUNK}). */
    static final int BIAS_GRAD_CHUNK = 256;

    DenseLayer(int in, int out, Precision precision, CpuGemm gemm, Random heInit) {
        this.in = in;
        this.out = out;
        this.precision = precision;
        this.gemm = gemm;
        weights = new float[in * out];
        bias = new float[out];
        weightGrad = new float[in * out];
        biasGrad = new float[out];
        roundedWeights = precision.roundsGemmInputs() ? new float[in * out] : weights;
        transposedWeights = new float[in * out];
        // He initialization: N(0, 2 / fan_in) keeps ReLU activations' variance constant across layers
        double std = Math.sqrt(2.0 / in);
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) (heInit.nextGaussian() * std);
        }
    }

    /** Call after changing {@link #weights} so the rounded copy is rebuilt. */
    void weightsChanged() {
        weightsStale = true;
    }

    /** {@code y[0..n*out) = x W + b} for the first {@code n} rows of {@code x}. */
    void forward(float[] x, int n, float[] y) {
        if (weightsStale) {
            precision.round(weights, roundedWeights, weights.length);
            CpuGemm.transpose(roundedWeights, in, out, transposedWeights);
            weightsStale = false;
        }
        float[] xr = x;
        if (precision.roundsGemmInputs()) {
            roundedInput = ensure(roundedInput, n * in);
            precision.round(x, roundedInput, n * in);
            xr = roundedInput;
        }
        savedInput = xr;
        gemm.multiply(xr, roundedWeights, y, n, in, out, false);
        for (int i = 0; i < n; i++) {
            int row = i * out;
            for (int j = 0; j < out; j++) {
                y[row + j] += bias[j];
            }
        }
    }

    /**
     * Gradients of the last {@link #forward} batch: fills {@link #weightGrad} and
     * {@link #biasGrad} and, when {@code dx} is not null, {@code dx = dy W^T}.
     *
     * @return false when rounding {@code dy} overflowed (inf or NaN), which the loss scaler acts on
     */
    boolean backward(float[] dy, int n, float[] dx) {
        float[] dyr = dy;
        boolean finite = true;
        if (precision.roundsGemmInputs()) {
            roundedGrad = ensure(roundedGrad, n * out);
            precision.round(dy, roundedGrad, n * out);
            dyr = roundedGrad;
            for (int i = 0; i < n * out && finite; i++) {
                finite = Float.isFinite(dyr[i]);
            }
        }
        transposedInput = ensure(transposedInput, n * in);
        CpuGemm.transpose(savedInput, n, in, transposedInput);
        gemm.multiply(transposedInput, dyr, weightGrad, in, n, out, false);
        biasGradient(dy, n);
        if (dx != null) {
            gemm.multiply(dyr, transposedWeights, dx, n, out, in, false);
        }
        return finite;
    }

    /**
     * {@code biasGrad = } the column sums of {@code dy}, in chunks of {@value #BIAS_GRAD_CHUNK} rows (each summed in
     * row order, then the chunks' sums in order): the GPU's two-pass {@code bias_grad}, which needs the chunks to use
     * more than {@code out} threads on a convolution's many rows, gives the same floats.
     */
    private void biasGradient(float[] dy, int n) {
        java.util.Arrays.fill(biasGrad, 0f);
        biasChunk = ensure(biasChunk, out);
        for (int from = 0; from < n; from += BIAS_GRAD_CHUNK) {
            java.util.Arrays.fill(biasChunk, 0, out, 0f);
            for (int i = from, to = Math.min(n, from + BIAS_GRAD_CHUNK); i < to; i++) {
                int row = i * out;
                for (int j = 0; j < out; j++) {
                    biasChunk[j] += dy[row + j];
                }
            }
            for (int j = 0; j < out; j++) {
                biasGrad[j] += biasChunk[j];
            }
        }
    }

    private static float[] ensure(float[] buffer, int size) {
        return buffer.length >= size ? buffer : new float[size];
    }
}
