package dev.ampwatch.trainer.quant;

import dev.ampwatch.trainer.data.Standardization;

/**
 * The forward pass the integer models share ({@link Int8Mlp}, {@link Int4Mlp}): per row the input standardized, then per
 * layer its input (a convolution's im2col patches) quantized to INT8 with the layer's activation scale, a GEMM row at a
 * time handed to the model's integer kernel, ReLU between layers, the last layer's outputs the logits. Stateless.
 */
final class Int8Activations {
    /** A layer whose input is quantized to INT8 with one scale. */
    interface Layer extends QuantizedLayer {
        float inputScale();
    }

    /** A model's arithmetic for one GEMM row: {@code layer}'s outputs before ReLU from {@code q[from ..]} into {@code y[to ..]}. */
    interface Kernel<L extends Layer> {
        void outputs(L layer, byte[] q, int from, float[] y, int to);
    }

    private Int8Activations() {}

    /** The logits of rows {@code [from, to)} of raw {@code features} into the same rows of {@code logits}. */
    static <L extends Layer> void logits(Standardization input, L[] layers, int classes, float[] features, int from, int to,
            float[] logits, Kernel<L> kernel) {
        int inputs = layers[0].inputsPerSample();
        float[] x = new float[inputs];
        int maxIn = 0;
        for (L layer : layers) {
            maxIn = Math.max(maxIn, layer.positions() * layer.in());
        }
        byte[] q = new byte[maxIn];
        for (int r = from; r < to; r++) {
            input.apply(features, r * inputs, x, 0, inputs);
            float[] a = x;
            for (int l = 0; l < layers.length; l++) {
                L layer = layers[l];
                float[] rows = Patches.rows(a, layer.in(), layer.conv()); // a convolution's patches: values and padding
                for (int i = 0; i < layer.positions() * layer.in(); i++) {
                    q[i] = Int8Mlp.quantize(rows[i], layer.inputScale());
                }
                if (l + 1 == layers.length) { // a dense layer: one GEMM row, the logits
                    kernel.outputs(layer, q, 0, logits, r * classes);
                    break;
                }
                float[] y = new float[layer.positions() * layer.out()];
                for (int pos = 0; pos < layer.positions(); pos++) {
                    kernel.outputs(layer, q, pos * layer.in(), y, pos * layer.out());
                }
                for (int i = 0; i < y.length; i++) {
                    y[i] = Math.max(0f, y[i]);
                }
                a = y;
            }
        }
    }
}
