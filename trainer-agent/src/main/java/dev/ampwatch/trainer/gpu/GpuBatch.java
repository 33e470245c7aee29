package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.model.LayerShape;
import jcuda.driver.CUdeviceptr;

/**
 * The device buffers of a {@link GpuMlp} that scale with the batch, for up to {@link #capacity} rows (sizes from
 * {@link GpuLayout}): per layer its output and the output's gradient, the rounded input saved for backward (reduced
 * modes) and a convolution's im2col matrix; the shared rounded gradient, im2col gradient, bias partial sums and
 * split-K partial products; the
 * batch itself (features, labels), the per-row losses, the predictions and the overflow flag. A buffer a mode or a
 * layer does not need is the null pointer. Allocated at once and freed at once ({@link #close}); a model replaces
 * its batch when a larger one comes. Not thread-safe; the caller makes the device's context current.
 */
final class GpuBatch implements AutoCloseable {
    private static final CUdeviceptr NULL = new CUdeviceptr();

    final int capacity;
    final CUdeviceptr[] activations;
    final CUdeviceptr[] gradients;
    final CUdeviceptr[] roundedInputs;
    final CUdeviceptr[] columns; // a convolution's im2col matrix, NULL for dense layers
    CUdeviceptr columnGradient;
    CUdeviceptr biasPartial;
    CUdeviceptr splitK;
    CUdeviceptr features;
    /** Class labels (int) or a regression's targets (float): 4 bytes a row. */
    CUdeviceptr labels;
    CUdeviceptr rowLoss;
    CUdeviceptr predictions;
    CUdeviceptr flag;
    CUdeviceptr roundedGradient;
    final double[] rowLossHost;
    private final CudaDevice dev;

    /** Allocates every buffer for {@code layout}'s capacity; frees them again when an allocation fails. */
    GpuBatch(CudaDevice dev, GpuLayout layout, int inputs, boolean rounds) {
        this.dev = dev;
        this.capacity = layout.capacity();
        int layers = layout.layers();
        activations = new CUdeviceptr[layers];
        gradients = new CUdeviceptr[layers];
        roundedInputs = new CUdeviceptr[layers];
        columns = new CUdeviceptr[layers];
        rowLossHost = new double[capacity];
        try {
            features = dev.alloc(4L * capacity * inputs);
            labels = dev.alloc(4L * capacity);
            rowLoss = dev.alloc(8L * capacity);
            predictions = dev.alloc(4L * capacity);
            flag = dev.alloc(4);
            roundedGradient = rounds ? dev.alloc(layout.roundedGradientBytes()) : NULL;
            columnGradient = layout.columnGradientBytes() > 0 ? dev.alloc(layout.columnGradientBytes()) : NULL;
            biasPartial = layout.biasPartialBytes() > 0 ? dev.alloc(layout.biasPartialBytes()) : NULL;
            splitK = layout.splitKBytes() > 0 ? dev.alloc(layout.splitKBytes()) : NULL;
            for (int l = 0; l < layers; l++) {
                LayerShape shape = layout.shape(l);
                activations[l] = dev.alloc(layout.activationBytes(l));
                gradients[l] = dev.alloc(layout.activationBytes(l));
                roundedInputs[l] = rounds ? dev.alloc(layout.roundedInputBytes(l)) : NULL;
                columns[l] = shape.convolution() ? dev.alloc(layout.columnBytes(l)) : NULL;
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Frees every buffer allocated (idempotent). */
    @Override
    public void close() {
        for (CUdeviceptr[] group : new CUdeviceptr[][] {activations, gradients, roundedInputs, columns}) {
            for (int i = 0; i < group.length; i++) {
                group[i] = free(group[i]);
            }
        }
        features = free(features);
        labels = free(labels);
        rowLoss = free(rowLoss);
        predictions = free(predictions);
        flag = free(flag);
        roundedGradient = free(roundedGradient);
        columnGradient = free(columnGradient);
        biasPartial = free(biasPartial);
        splitK = free(splitK);
    }

    private CUdeviceptr free(CUdeviceptr p) {
        if (p != null && p != NULL) {
            dev.free(p);
        }
        return null;
    }
}
