package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.model.LayerShape;
import dev.ampwatch.trainer.precision.Precision;
import jcuda.driver.CUdeviceptr;

/**
 * The launches that make up a layer's forward and backward pass on the GPU, for one precision: the GEMM, the weight
 * gradient (split along k where its tiles are too few to fill the GPU), the bias gradient (chunked for a
 * convolution's many rows) and a convolution's {@code im2col} / {@code col2im}. Each reduces in the order the CPU
 * backend does, so the two agree (GpuTrainingParityTest, GpuConvParityTest). Stateless apart from the device and
 * precision: the caller passes its buffers, including the workspaces ({@link GpuBatch}).
 *
 * <p>Not thread-safe: used by the thread that drives the model, with the device's context current.
 */
final class GpuLayerKernels {
    private final CudaDevice dev;
    private final Precision precision;

    GpuLayerKernels(CudaDevice dev, Precision precision) {
        this.dev = dev;
        this.precision = precision;
    }

    /** {@code C (m x n) = op(A) op(B)} over the whole of k, in the precision's GEMM ({@link KernelLaunch#gemm}). */
    void gemm(GemmOp op, CUdeviceptr a, CUdeviceptr b, CUdeviceptr c, int m, int n, int k) {
        dev.launch(KernelLaunch.gemm(dev.gemmFamily(), precision, op, m, n, k, 1), a, b, c, m, n, k, k);
    }

    /**
     * {@code dW = x^T dy} (in x out, k = rows): split along the rows when its tiles are too few to fill the GPU
     * ({@link KernelLaunch#gemmSlices}), the slices' partial products written to {@code splitK} and added in slice
     * order by {@code sum_slices}.
     *
     * @param splitK workspace of {@link GpuLayout#splitKBytes()}; unused when the GEMM does not split
     */
    void weightGradient(CUdeviceptr x, CUdeviceptr dy, CUdeviceptr dw, int in, int out, int rows, CUdeviceptr splitK) {
        int slices = KernelLaunch.gemmSlices(in, out, rows);
        if (slices == 1) {
            gemm(GemmOp.TN, x, dy, dw, in, out, rows);
            return;
        }
        dev.launch(KernelLaunch.gemm(dev.gemmFamily(), precision, GemmOp.TN, in, out, rows, slices), x, dy, splitK, in, out, rows,
                KernelLaunch.gemmSliceLength(rows, slices));
        dev.launch(KernelLaunch.elementwise("sum_slices", (long) in * out), splitK, dw, slices, in * out);
    }

    /**
     * {@code db} = the column sums of {@code dy}: one pass up to {@link GpuLayout#BIAS_GRAD_CHUNK} rows, else partial
     * sums per chunk (more threads than columns for a convolution's many rows) added in chunk order, as the CPU does.
     *
     * @param partial workspace for the chunks' sums (chunks x out floats); unused up to one chunk
     */
    void biasGradient(CUdeviceptr dy, int rows, int out, CUdeviceptr db, CUdeviceptr partial) {
        if (rows <= GpuLayout.BIAS_GRAD_CHUNK) {
            dev.launch(KernelLaunch.elementwise("bias_grad", out), dy, rows, out, db);
            return;
        }
        int chunks = (rows + GpuLayout.BIAS_GRAD_CHUNK - 1) / GpuLayout.BIAS_GRAD_CHUNK;
        dev.launch(KernelLaunch.elementwise("bias_grad_partial", (long) chunks * out), dy, rows, out,
                GpuLayout.BIAS_GRAD_CHUNK, partial);
        dev.launch(KernelLaunch.elementwise("bias_grad", out), partial, chunks, out, db);
    }

    /**
     * {@code im2col} (images to patches, {@code count} patch values) or {@code col2im} (patch gradients to image
     * gradients, {@code count} image values) of {@code n} samples of a convolution's geometry.
     */
    static void conv(CudaDevice dev, String kernel, LayerShape.Conv g, int n, long count, CUdeviceptr from, CUdeviceptr to) {
        dev.launch(KernelLaunch.elementwise(kernel, count), from, to, n, g.height(), g.width(), g.channels(), g.kernel(),
                g.stride(), g.padding(), g.outHeight(), g.outWidth());
    }
}
