package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.quant.Int4Mlp;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * W4A8 inference of a model quantized to INT4 weights ({@link Int4Mlp}) on the GPU: per layer the input activations
 * are quantized to INT8 on the device ({@code quantize_s8}, as INT8 inference), and {@code gemm_s4_dp4a} multiplies
 * them by the weights, uploaded packed 8 to a 32-bit word (a quarter of the FP32 bytes, half of INT8's) and widened
 * to bytes in shared memory, with dp4a; each k-tile is one group of {@link Int4Mlp#GROUP} inputs, whose int32 sums
 * are scaled and added in FP32, and the kernel ends with the bias and ReLU ({@code src/main/cuda/int8.cu}). The
 * roundings are {@link Int4Mlp#logits}', so the logits equal the CPU's bit for bit. No GPU has INT4 tensor cores
 * that PTX reaches on every architecture (Hopper has none), so dp4a serves every GPU from sm_75.
 *
 * <p>Not thread-safe: one thread drives it. {@link #close()} frees its device memory; close it before the backend.
 */
public final class GpuInt4Mlp extends GpuQuantizedMlp {
    private final List<Int4Mlp.Layer> layers;
    private final CUdeviceptr[] weights;
    private final CUdeviceptr[] weightScales;
    private final CUdeviceptr[] biases;

    GpuInt4Mlp(CudaDevice dev, Int4Mlp model) {
        super(dev, model.layers(), GpuInt4Mlp::rowBytes);
        requireKernels(PtxModule.INT8, "INT4");
        this.layers = model.layers();
        for (Int4Mlp.Layer l : layers) {
            if (l.group() != Int4Mlp.GROUP) {
                throw new IllegalArgumentException("the GPU's INT4 GEMM takes groups of " + Int4Mlp.GROUP + " inputs, not " + l.group());
            }
        }
        int n = layers.size();
        weights = new CUdeviceptr[n];
        weightScales = new CUdeviceptr[n];
        biases = new CUdeviceptr[n];
        dev.makeCurrent();
        try {
            for (int i = 0; i < n; i++) {
                Int4Mlp.Layer l = layers.get(i);
                weights[i] = upload(l.packed(rowBytes(l.in())));
                weightScales[i] = upload(l.weightScales());
                biases[i] = upload(l.bias());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Bytes of a row of {@code k} INT8 activations: whole groups (k-tiles of the GEMM), the padding zero. */
    static int rowBytes(int k) {
        return (k + Int4Mlp.GROUP - 1) / Int4Mlp.GROUP * Int4Mlp.GROUP;
    }

    @Override
    void forward(int n) {
        for (int i = 0; i < layers.size(); i++) {
            Int4Mlp.Layer l = layers.get(i);
            int ld = rowBytes(l.in());
            int rows = n * l.positions(); // a convolution: one GEMM row per output pixel
            boolean last = i == layers.size() - 1;
            CUdeviceptr input = gemmInput(l.conv(), l.in(), n);
            dev.launch(KernelLaunch.elementwise("quantize_s8", (long) rows * ld), input, quantized, rows, l.in(), ld, l.inputScale());
            dev.launch(KernelLaunch.gemmS4(rows, l.out()), quantized, weights[i], weightScales[i], biases[i], activations, rows,
                    l.out(), ld / 4, l.inputScale(), last ? 0 : 1);
        }
    }
}
