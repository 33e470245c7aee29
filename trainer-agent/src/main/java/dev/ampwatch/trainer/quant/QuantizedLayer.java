package dev.ampwatch.trainer.quant;

import dev.ampwatch.trainer.model.LayerShape;

/** What a quantized layer ({@link Int8Mlp.Layer}, {@link Fp8Mlp.Layer}) is as a GEMM: its sizes and a convolution's geometry. */
public interface QuantizedLayer {
    /** GEMM inner dimension: the dense layer's inputs, or a convolution's patch. */
    int in();

    /** Outputs: neurons, or channels. */
    int out();

    /** A convolution's geometry; null for a dense layer. */
    LayerShape.Conv conv();

    /** GEMM rows per sample: 1, or a convolution's output pixels. */
    default int positions() {
        return Patches.positions(conv());
    }

    /** Input values per sample: {@code in}, or a convolution's input image. */
    default int inputsPerSample() {
        return Patches.inputsPerSample(in(), conv());
    }
}
