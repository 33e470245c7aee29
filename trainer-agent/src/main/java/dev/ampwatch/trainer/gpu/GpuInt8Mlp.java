package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.quant.Int8Mlp;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * INT8 inference of a quantized model ({@link Int8Mlp}) on the GPU: per layer the input activations are
 * quantized on the device ({@code quantize_s8}), multiplied by the INT8 weights into int32 accumulators, on the
 * integer tensor cores where the GPU has them ({@code gemm_s8_mma}, sm_80 and newer), else with dp4a
 * ({@code gemm_s8_dp4a}), and dequantized with the bias and ReLU ({@code dequant_bias_act};
 * {@code src/main/cuda/int8.cu}). The integer sums are exact and the float steps round as Java's, so the logits
 * equal {@link Int8Mlp#logits} bit for bit. Weights are uploaded once, transposed (k contiguous) and padded to
 * whole dp4a words.
 *
 * <p>Not thread-safe: one thread drives it. {@link #close()} frees its device memory; close it before the backend.
 */
public final class GpuInt8Mlp extends GpuQuantizedMlp {
    static final String MMA = "gemm_s8_mma";
    private final boolean tensorCores;
    private final List<Int8Mlp.Layer> layers;
    private final CUdeviceptr[] weights;
    private final CUdeviceptr[] weightScales;
    private final CUdeviceptr[] biases;

    /** On the integer tensor cores where the GPU has them (sm_80 and newer), else through dp4a. */
    GpuInt8Mlp(CudaDevice dev, Int8Mlp model) {
        this(dev, model, dev.hasKernel(MMA));
    }

    /** @param tensorCores whether the GEMM runs on the integer tensor cores ({@code gemm_s8_mma}) or dp4a */
    GpuInt8Mlp(CudaDevice dev, Int8Mlp model, boolean tensorCores) {
        super(dev, model.layers(), k -> rowBytes(k, tensorCores));
        requireKernels(PtxModule.INT8, "INT8");
        if (tensorCores && !dev.hasKernel(MMA)) {
            throw new IllegalArgumentException(dev.name + " (" + dev.capability + ") has no INT8 mma kernel: it needs sm_80 or newer");
        }
        this.tensorCores = tensorCores;
        this.layers = model.layers();
        int n = layers.size();
        weights = new CUdeviceptr[n];
        weightScales = new CUdeviceptr[n];
        biases = new CUdeviceptr[n];
        dev.makeCurrent();
        try {
            for (int i = 0; i < n; i++) {
                Int8Mlp.Layer l = layers.get(i);
                weights[i] = upload(transposedPadded(l, rowBytes(l.in(), tensorCores)));
                weightScales[i] = upload(l.weightScales());
                biases[i] = upload(l.bias());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Bytes of a row of {@code k} INT8 values: whole mma k-steps for the tensor cores, whole dp4a words otherwise. */
    static int rowBytes(int k, boolean tensorCores) {
        return tensorCores ? KernelLaunch.mmaRowBytes(k) : KernelLaunch.int8RowBytes(k);
    }

    /** {@code W^T}: out rows of {@code ld} bytes, k contiguous, the padding zero. */
    static byte[] transposedPadded(Int8Mlp.Layer l, int ld) {
        byte[] t = new byte[l.out() * ld];
        byte[] w = l.weights();
        for (int i = 0; i < l.in(); i++) {
            for (int j = 0; j < l.out(); j++) {
                t[j * ld + i] = w[i * l.out() + j];
            }
        }
        return t;
    }

    /** Whether this model's GEMM runs on the integer tensor cores. */
    public boolean tensorCores() {
        return tensorCores;
    }

    @Override
    void forward(int n) {
        for (int i = 0; i < layers.size(); i++) {
            Int8Mlp.Layer l = layers.get(i);
            int ld = rowBytes(l.in(), tensorCores);
            int rows = n * l.positions(); // a convolution: one GEMM row per output pixel
            boolean last = i == layers.size() - 1;
            CUdeviceptr input = gemmInput(l.conv(), l.in(), n);
            dev.launch(KernelLaunch.elementwise("quantize_s8", (long) rows * ld), input, quantized, rows, l.in(), ld, l.inputScale());
            if (tensorCores) {
                dev.launch(KernelLaunch.mmaTiles(MMA, rows, l.out()), quantized, weights[i], accumulators, rows, l.out(), ld);
            } else {
                dev.launch(KernelLaunch.gemmS8(rows, l.out()), quantized, weights[i], accumulators, rows, l.out(), ld / 4);
            }
            dev.launch(KernelLaunch.elementwise("dequant_bias_act", (long) rows * l.out()), accumulators, weightScales[i], biases[i],
                    activations, rows, l.out(), l.inputScale(), last ? 0 : 1);
        }
    }
}
