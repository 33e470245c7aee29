package dev.ampwatch.trainer.quant;

import dev.ampwatch.trainer.cpu.Im2col;
import dev.ampwatch.trainer.model.LayerShape;

/**
 * The rows a quantized layer multiplies for one sample: a dense layer's input itself, or a convolution's im2col
 * patches of its input image (one row per output pixel, zero where the patch overhangs the border; {@link Im2col},
 * the same as the trained model's). The zero padding quantizes to 0, so quantizing the patches is quantizing the
 * image. Stateless.
 */
final class Patches {
    private Patches() {}

    /** {@code a} itself for a dense layer ({@code conv} null), else its {@code positions x in} patches. */
    static float[] rows(float[] a, int in, LayerShape.Conv conv) {
        if (conv == null) {
            return a;
        }
        float[] col = new float[positions(conv) * in];
        Im2col.forward(a, conv, 0, 1, col);
        return col;
    }

    /** GEMM rows per sample: 1 for a dense layer, a convolution's output pixels. */
    static int positions(LayerShape.Conv conv) {
        return conv == null ? 1 : conv.outHeight() * conv.outWidth();
    }

    /** Input values per sample: {@code in} for a dense layer, a convolution's input image. */
    static int inputsPerSample(int in, LayerShape.Conv conv) {
        return conv == null ? in : conv.height() * conv.width() * conv.channels();
    }
}
