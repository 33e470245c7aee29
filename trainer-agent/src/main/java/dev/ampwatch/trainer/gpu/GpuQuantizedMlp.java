package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.backend.InferenceModel;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * What the GPU's quantized models (INT8: {@link GpuInt8Mlp}, FP8: {@link GpuFp8Mlp}) share: their parameters
 * uploaded once, and the buffers of a forward pass, grown to the largest batch seen: the activations (FP32,
 * the standardized input first, then each layer's output, which is the next one's input), the quantized
 * activations, and the GEMM's accumulators. A subclass queues the layers' kernels in {@link #forward}.
 *
 * <p>Not thread-safe: one thread drives it. {@link #close()} frees its device memory; close it before the backend.
 */
abstract class GpuQuantizedMlp implements InferenceModel {
    final CudaDevice dev;
    private final int inputs;
    private final int classes;
    private final int maxWidth;
    private final int maxRowBytes;
    private final List<CUdeviceptr> parameters = new ArrayList<>();
    /** n x maxWidth floats. */
    CUdeviceptr activations;
    /** n x maxRowBytes bytes. */
    CUdeviceptr quantized;
    /** n x maxWidth 4-byte values (int32 or FP32). */
    CUdeviceptr accumulators;
    private int capacity;
    private boolean closed;

    GpuQuantizedMlp(CudaDevice dev, int inputs, int classes, int maxWidth, int maxRowBytes) {
        this.dev = dev;
        this.inputs = inputs;
        this.classes = classes;
        this.maxWidth = maxWidth;
        this.maxRowBytes = maxRowBytes;
    }

    /** Queues the layers' kernels: {@link #activations} holds n standardized rows, and must end holding the logits. */
    abstract void forward(int n);

    /** A parameter in device memory, freed with the model. */
    final CUdeviceptr upload(byte[] values) {
        CUdeviceptr p = dev.alloc(values.length);
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
        if (n < 1 || (long) n * Math.max(maxRowBytes, maxWidth) > Integer.MAX_VALUE) { // the kernels index with 32-bit ints
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
