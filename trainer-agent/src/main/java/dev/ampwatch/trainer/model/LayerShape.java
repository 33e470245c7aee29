package dev.ampwatch.trainer.model;

/**
 * One GEMM layer of a {@link ModelSpec} as the backends run it: {@code y = x W + b} with {@code W} {@code in x out}
 * row-major, over {@code positions} rows per sample. A dense layer has one position and reads the previous layer's
 * output of a sample as one row; a convolution reads the im2col matrix of its input image: one row per output pixel
 * ({@code positions = outHeight x outWidth}), each row the {@code kernel x kernel x inChannels} patch under the filter
 * (order kernel row, kernel column, channel; zeros where the patch overhangs the padded border), and writes its output
 * pixels' channels, NHWC.
 *
 * @param in GEMM inner dimension: the dense layer's inputs, or {@code kernel^2 x inChannels}
 * @param out the layer's outputs (neurons, or channels)
 * @param positions rows per sample: 1, or the output pixels
 * @param conv the convolution's geometry; null for a dense layer
 */
public record LayerShape(int in, int out, int positions, Conv conv) {
    /**
     * A convolution's geometry: the input image {@code height x width x channels} (NHWC), the filter, and the output
     * image {@code outHeight x outWidth x} the layer's {@code out} channels.
     */
    public record Conv(int height, int width, int channels, int kernel, int stride, int padding, int outHeight,
            int outWidth) {}

    /** Whether this layer is a convolution (its input is im2col'd). */
    public boolean convolution() {
        return conv != null;
    }

    /** Weights: {@code in x out}. */
    public long weightCount() {
        return (long) in * out;
    }

    /** Values of the layer's input per sample: {@code in} for a dense layer, the input image's for a convolution. */
    public int inputsPerSample() {
        return conv == null ? in : conv.height * conv.width * conv.channels;
    }

    /** Values of the layer's output per sample: {@code positions x out}. */
    public int outputsPerSample() {
        return positions * out;
    }

    /** Multiply-accumulates per sample: {@code positions x in x out}. */
    public long macsPerSample() {
        return (long) positions * in * out;
    }
}
