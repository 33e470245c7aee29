package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.quant.Fp8Mlp;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/**
 * FP8 (E4M3) inference of a quantized model ({@link Fp8Mlp}) on the FP8 tensor cores (sm_89 and newer): per
 * layer the activations are quantized on the device ({@code quantize_e4m3}, per-tensor scale, saturating), multiplied
 * by the E4M3 weights with {@code mma.sync.m16n8k32.e4m3} into FP32 ({@code gemm_e4m3_mma}), and dequantized with
 * the bias and ReLU ({@code dequant_f32_bias_act}; {@code src/main/cuda/fp8.cu}). Weights are uploaded once as E4M3
 * bytes, transposed (k contiguous) and padded to whole 32-value k-steps.
 *
 * <p>Not thread-safe: one thread drives it. {@link #close()} frees its device memory; close it before the backend.
 */
public final class GpuFp8Mlp extends GpuQuantizedMlp {
    private final List<Fp8Mlp.Layer> layers;
    private final CUdeviceptr[] weights;
    private final CUdeviceptr[] biases;

    GpuFp8Mlp(CudaDevice dev, Fp8Mlp model) {
        super(dev, model.layers(), GpuFp8Mlp::rowBytes);
        String missing = dev.missing(PtxModule.FP8);
        if (missing != null) {
            throw new IllegalArgumentException("fp8 on " + dev.name + ": " + missing);
        }
        this.layers = model.layers();
        weights = new CUdeviceptr[layers.size()];
        biases = new CUdeviceptr[layers.size()];
        dev.makeCurrent();
        try {
            for (int i = 0; i < layers.size(); i++) {
                weights[i] = upload(transposedPadded(layers.get(i)));
                biases[i] = upload(layers.get(i).bias());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Bytes of one row of {@code k} E4M3 values: k rounded up to a whole mma k-step. */
    static int rowBytes(int k) {
        return KernelLaunch.mmaRowBytes(k);
    }

    /** {@code W^T} as E4M3 bytes: out rows of {@link #rowBytes}(in), k contiguous, the padding zero. */
    static byte[] transposedPadded(Fp8Mlp.Layer l) {
        int ld = rowBytes(l.in());
        byte[] t = new byte[l.out() * ld];
        float[] w = l.weights();
        for (int i = 0; i < l.in(); i++) {
            for (int j = 0; j < l.out(); j++) {
                t[j * ld + i] = e4m3Bits(w[i * l.out() + j]);
            }
        }
        return t;
    }

    /** The E4M3 encoding of a value that is one (as {@link dev.ampwatch.trainer.precision.Fp8E4m3#round} gives). */
    static byte e4m3Bits(float v) {
        int sign = Float.floatToRawIntBits(v) < 0 ? 0x80 : 0;
        float a = Math.abs(v);
        if (a == 0) {
            return (byte) sign;
        }
        int exponent = Math.getExponent(a);
        float steps = exponent < -6 ? a * 512f : (a / Math.scalb(1f, exponent) - 1f) * 8f; // subnormal: m x 2^-9
        int m = (int) steps;
        int code = exponent < -6 ? m : ((exponent + 7) << 3) | m;
        if (steps != m || code > 0x7e || exponent > 8) {
            throw new IllegalArgumentException(v + " is not an E4M3 value");
        }
        return (byte) (sign | code);
    }

    @Override
    void forward(int n) {
        for (int i = 0; i < layers.size(); i++) {
            Fp8Mlp.Layer l = layers.get(i);
            int ld = rowBytes(l.in());
            int rows = n * l.positions(); // a convolution: one GEMM row per output pixel
            boolean last = i == layers.size() - 1;
            CUdeviceptr input = gemmInput(l.conv(), l.in(), n);
            dev.launch(KernelLaunch.elementwise("quantize_e4m3", (long) rows * ld), input, quantized, rows, l.in(), ld, l.inputScale());
            dev.launch(gemm(rows, l.out()), quantized, weights[i], accumulators, rows, l.out(), ld);
            dev.launch(KernelLaunch.elementwise("dequant_f32_bias_act", (long) rows * l.out()), accumulators, biases[i], activations,
                    rows, l.out(), l.inputScale(), l.weightScale(), last ? 0 : 1);
        }
    }

    /** One block of 4 warps per 64 x 64 tile of C ({@link KernelLaunch#mmaTiles}). */
    static KernelLaunch gemm(int m, int n) {
        return KernelLaunch.mmaTiles("gemm_e4m3_mma", m, n);
    }
}
