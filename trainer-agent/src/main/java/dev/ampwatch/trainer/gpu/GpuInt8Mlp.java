package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.quant.Int8Mlp;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * INT8 inference of a quantized model ({@link Int8Mlp}) on the GPU: per layer the input activations are
 * quantized on the device ({@code quantize_s8}), multiplied by the INT8 weights with dp4a into int32
 * accumulators ({@code gemm_s8_dp4a}), and dequantized with the bias and ReLU ({@code dequant_bias_act};
 * {@code src/main/cuda/int8.cu}). The integer sums are exact and the float steps round as Java's, so the logits
 * equal {@link Int8Mlp#logits} bit for bit. Weights are uploaded once, transposed (k contiguous) and padded to
 * whole dp4a words.
 *
 * <p>Not thread-safe: one thread drives it. {@link #close()} frees its device memory; close it before the backend.
 */
public final class GpuInt8Mlp implements AutoCloseable {
    private final CudaDevice dev;
    private final List<Int8Mlp.Layer> layers;
    private final int classes;
    private final int maxWidth;
    private final int maxRowBytes;
    private final CUdeviceptr[] weights;
    private final CUdeviceptr[] weightScales;
    private final CUdeviceptr[] biases;
    private CUdeviceptr activations; // n x maxWidth floats: the standardized input, then each layer's output
    private CUdeviceptr quantized; // n x maxRowBytes int8
    private CUdeviceptr accumulators; // n x maxWidth int32
    private int capacity;

    GpuInt8Mlp(CudaDevice dev, Int8Mlp model) {
        for (String kernel : PtxModule.INT8.kernels()) {
            if (!dev.hasKernel(kernel)) {
                throw new IllegalArgumentException(dev.name + ": INT8 kernel " + kernel + " is not loaded (" + dev.capability + ")");
            }
        }
        this.dev = dev;
        this.layers = model.layers();
        this.classes = layers.get(layers.size() - 1).out();
        int width = 0;
        int rowBytes = 0;
        for (Int8Mlp.Layer l : layers) {
            width = Math.max(width, Math.max(l.in(), l.out()));
            rowBytes = Math.max(rowBytes, KernelLaunch.int8RowBytes(l.in()));
        }
        this.maxWidth = width;
        this.maxRowBytes = rowBytes;
        int n = layers.size();
        weights = new CUdeviceptr[n];
        weightScales = new CUdeviceptr[n];
        biases = new CUdeviceptr[n];
        dev.makeCurrent();
        try {
            for (int i = 0; i < n; i++) {
                Int8Mlp.Layer l = layers.get(i);
                byte[] transposed = transposedPadded(l);
                weights[i] = dev.alloc(transposed.length);
                dev.upload(weights[i], transposed, transposed.length);
                weightScales[i] = dev.alloc(4L * l.out());
                dev.upload(weightScales[i], l.weightScales(), l.out());
                biases[i] = dev.alloc(4L * l.out());
                dev.upload(biases[i], l.bias(), l.out());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** {@code W^T}: out rows of {@link KernelLaunch#int8RowBytes}(in) bytes, k contiguous, the padding zero. */
    static byte[] transposedPadded(Int8Mlp.Layer l) {
        int ld = KernelLaunch.int8RowBytes(l.in());
        byte[] t = new byte[l.out() * ld];
        byte[] w = l.weights();
        for (int i = 0; i < l.in(); i++) {
            for (int j = 0; j < l.out(); j++) {
                t[j * ld + i] = w[i * l.out() + j];
            }
        }
        return t;
    }

    /** The logits of the first {@code n} rows of {@code standardized} (inputs already standardized) into {@code out}. */
    public void logits(float[] standardized, int n, float[] out) {
        if (n < 1) {
            throw new IllegalArgumentException("rows must be >= 1: " + n);
        }
        dev.makeCurrent();
        ensureCapacity(n);
        dev.upload(activations, standardized, n * layers.get(0).in());
        for (int i = 0; i < layers.size(); i++) {
            Int8Mlp.Layer l = layers.get(i);
            int ld = KernelLaunch.int8RowBytes(l.in());
            boolean last = i == layers.size() - 1;
            dev.launch(KernelLaunch.elementwise("quantize_s8", (long) n * ld), activations, quantized, n, l.in(), ld, l.inputScale());
            dev.launch(KernelLaunch.gemmS8(n, l.out()), quantized, weights[i], accumulators, n, l.out(), ld / 4);
            dev.launch(KernelLaunch.elementwise("dequant_bias_act", (long) n * l.out()), accumulators, weightScales[i], biases[i],
                    activations, n, l.out(), l.inputScale(), last ? 0 : 1);
        }
        dev.download(out, activations, n * classes);
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) {
            return;
        }
        freeBuffers();
        activations = dev.alloc(4L * n * maxWidth);
        quantized = dev.alloc((long) n * maxRowBytes);
        accumulators = dev.alloc(4L * n * maxWidth);
        capacity = n;
    }

    private void freeBuffers() {
        dev.free(activations);
        dev.free(quantized);
        dev.free(accumulators);
        activations = null;
        quantized = null;
        accumulators = null;
        capacity = 0;
    }

    @Override
    public void close() {
        dev.makeCurrent();
        freeBuffers();
        for (int i = 0; i < weights.length; i++) {
            dev.free(weights[i]);
            dev.free(weightScales[i]);
            dev.free(biases[i]);
        }
    }
}
