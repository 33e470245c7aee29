package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.backend.InferenceModel;
import dev.ampwatch.trainer.model.LayerShape;
import dev.ampwatch.trainer.quant.QuantizedLayer;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * What the GPU's quantized models (INT8: {@link GpuInt8Mlp}, W4A8: {@link GpuInt4Mlp}, FP8: {@link GpuFp8Mlp}) share: their parameters
 * uploaded once, and the buffers of a forward pass, grown to the largest batch seen: the activations (FP32,
 * the standardized input first, then each layer's output, which is the next one's input), a convolution's im2col
 * patches ({@link #gemmInput}: quantized as they are, the zero padding quantizing to 0), the quantized GEMM
 * input, and the GEMM's accumulators. Sizes are per sample: a convolution's GEMM has a row per output pixel. A
 * subclass queues the layers' kernels in {@link #forward}.
 *
 * <p>Not thread-safe: one thread drives it. {@link #close()} frees its device memory; close it before the backend.
 */
abstract class GpuQuantizedMlp implements InferenceModel {
    final CudaDevice dev;
    private final int inputs;
    private final int classes;
    private final int maxWidth;
    private final int maxRowBytes;
    private final int maxColumns;
    private final List<CUdeviceptr> parameters = new ArrayList<>();
    /** n x maxWidth floats. */
    CUdeviceptr activations;
    /** n x maxColumns floats: a convolution's patches; null for an MLP. */
    CUdeviceptr columns;
    /** n x maxRowBytes bytes. */
    CUdeviceptr quantized;
    /** n x maxWidth 4-byte values (int32 or FP32). */
    CUdeviceptr accumulators;
    private int capacity;
    private boolean closed;

    /**
     * Buffers sized per sample for {@code layers}: the most FP32 activations at any layer (input or output), the most
     * bytes of quantized GEMM input (rows x a padded row of {@code rowBytes(in)}), the most im2col values of a
     * convolution.
     */
    GpuQuantizedMlp(CudaDevice dev, List<? extends QuantizedLayer> layers, java.util.function.IntUnaryOperator rowBytes) {
        this.dev = dev;
        this.inputs = layers.get(0).inputsPerSample();
        this.classes = layers.get(layers.size() - 1).out();
        this.maxWidth = max(layers.stream().mapToInt(l -> Math.max(l.inputsPerSample(), l.positions() * l.out())));
        this.maxRowBytes = max(layers.stream().mapToInt(l -> l.positions() * rowBytes.applyAsInt(l.in())));
        this.maxColumns = max(layers.stream().filter(l -> l.conv() != null).mapToInt(l -> l.positions() * l.in()));
    }

    /**
     * The FP32 rows a layer's GEMM reads for {@code n} samples: the activations, or for a convolution ({@code conv}
     * not null) their im2col patches, laid out first in {@link #columns} (the same kernel as training's).
     */
    final CUdeviceptr gemmInput(LayerShape.Conv conv, int in, int n) {
        if (conv == null) {
            return activations;
        }
        long count = (long) n * conv.outHeight() * conv.outWidth() * in;
        GpuLayerKernels.conv(dev, "im2col", conv, n, count, activations, columns);
        return columns;
    }

    /** The largest of {@code values} (per-sample sizes), 0 for none. */
    private static int max(java.util.stream.IntStream values) {
        return values.max().orElse(0);
    }

    /** Queues the layers' kernels: {@link #activations} holds n standardized rows, and must end holding the logits. */
    abstract void forward(int n);

    /** @throws IllegalArgumentException when a kernel of {@code module} is not loaded on this device */
    final void requireKernels(PtxModule module, String what) {
        for (String kernel : module.kernels()) {
            if (!dev.hasKernel(kernel)) {
                throw new IllegalArgumentException(dev.name + ": " + what + " kernel " + kernel + " is not loaded (" + dev.capability + ")");
            }
        }
    }

    /** A parameter in device memory, freed with the model. */
    final CUdeviceptr upload(byte[] values) {
        CUdeviceptr p = dev.alloc(values.length);
        parameters.add(p);
        dev.upload(p, values, values.length);
        return p;
    }

    /** A parameter in device memory, freed with the model. */
    final CUdeviceptr upload(int[] values) {
        CUdeviceptr p = dev.alloc(4L * values.length);
        parameters.add(p);
        dev.upload(p, values, values.length);
        return p;
    }

    /** A parameter in device memory, freed with the model. */
    final CUdeviceptr upload(float[] values) {
        CUdeviceptr p = dev.alloc(4L * values.length);
        parameters.add(p);
        dev.upload(p, values, values.length);
        return p;
    }

    @Override
    public final void logits(float[] standardized, int n, float[] out) {
        if (closed) {
            throw new IllegalStateException("this quantized model was closed");
        }
        if (n < 1 || (long) n * Math.max(Math.max(maxRowBytes, maxWidth), maxColumns) > Integer.MAX_VALUE) { // 32-bit indexing
            throw new IllegalArgumentException("rows must be >= 1 and fit the kernels' 32-bit indexing: " + n);
        }
        dev.makeCurrent();
        ensureCapacity(n);
        dev.upload(activations, standardized, n * inputs);
        forward(n);
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
        columns = maxColumns > 0 ? dev.alloc(4L * n * maxColumns) : null;
        capacity = n;
    }

    private void freeBuffers() {
        dev.free(activations);
        dev.free(quantized);
        dev.free(accumulators);
        dev.free(columns);
        columns = null;
        activations = null;
        quantized = null;
        accumulators = null;
        capacity = 0;
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        dev.makeCurrent();
        freeBuffers();
        parameters.forEach(dev::free);
        parameters.clear();
    }
}
