package dev.ampwatch.trainer.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Shape of a classifier: {@code inputs} features; optionally {@code convolutions} in front (each a {@link ConvLayer}
 * with ReLU, over the input read as a square single-channel image, NHWC, as Fashion-MNIST's 28 x 28 pixels); ReLU
 * hidden layers of {@code hiddenUnits} neurons (input side first); and an output layer of {@code classes} values: a
 * softmax over the classes, or one value for a regression ({@link Task}; the loss is the caller's choice).
 * Without convolutions it is a multi-layer perceptron. Backend-independent, so the cost figures published in
 * RunConfig are the same on every backend. The backends run every layer as a GEMM ({@link #layers()}): a
 * convolution as one over its input's im2col matrix.
 *
 * <p>Immutable and thread-safe.
 */
public record ModelSpec(int inputs, List<Integer> hiddenUnits, int classes, List<ConvLayer> convolutions) {
    public ModelSpec {
        hiddenUnits = List.copyOf(hiddenUnits);
        convolutions = List.copyOf(convolutions);
        if (inputs < 1 || classes < 1) { // one output: a regression (Task.REGRESSION)
            throw new IllegalArgumentException("need >= 1 input and >= 1 output: " + inputs + ", " + classes);
        }
        for (int h : hiddenUnits) {
            if (h < 1) {
                throw new IllegalArgumentException("hidden layer sizes must be >= 1: " + hiddenUnits);
            }
        }
        if (!convolutions.isEmpty()) {
            int side = (int) Math.round(Math.sqrt(inputs));
            if (side * side != inputs) {
                throw new IllegalArgumentException("convolution layers read the input as a square single-channel image; "
                        + inputs + " features are not one (Fashion-MNIST's 784 are 28 x 28)");
            }
            for (ConvLayer c : convolutions) {
                if (c.outputSide(side) < 1) {
                    throw new IllegalArgumentException("convolution " + c + " has no output on a " + side + " x " + side
                            + " image: " + ConvLayer.text(convolutions) + " shrinks " + (int) Math.sqrt(inputs)
                            + " pixels to nothing");
                }
                side = c.outputSide(side);
            }
        }
        for (LayerShape l : layers(inputs, convolutions, hiddenUnits, classes)) {
            // the kernels index with int: one sample's activations and the weights must stay far below 2^31
            if (l.weightCount() > Integer.MAX_VALUE || (long) l.positions() * Math.max(l.in(), l.out()) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("layer " + l + " is too large for 32-bit indexing");
            }
        }
    }

    /** A multi-layer perceptron (no convolutions). */
    public ModelSpec(int inputs, List<Integer> hiddenUnits, int classes) {
        this(inputs, hiddenUnits, classes, List.of());
    }

    /** Whether the model has convolution layers. */
    public boolean convolutional() {
        return !convolutions.isEmpty();
    }

    /** Every GEMM layer from input to output: the convolutions, the hidden layers, the output layer. */
    public List<LayerShape> layers() {
        return layers(inputs, convolutions, hiddenUnits, classes);
    }

    private static List<LayerShape> layers(int inputs, List<ConvLayer> convolutions, List<Integer> hidden, int classes) {
        List<LayerShape> layers = new ArrayList<>();
        int features = inputs;
        if (!convolutions.isEmpty()) {
            int side = (int) Math.round(Math.sqrt(inputs));
            int channels = 1;
            for (ConvLayer c : convolutions) {
                int outSide = c.outputSide(side);
                LayerShape.Conv g = new LayerShape.Conv(side, side, channels, c.kernel(), c.stride(), c.padding(),
                        outSide, outSide);
                layers.add(new LayerShape(c.kernel() * c.kernel() * channels, c.channels(), outSide * outSide, g));
                side = outSide;
                channels = c.channels();
            }
            features = side * side * channels;
        }
        for (int h : hidden) {
            layers.add(new LayerShape(features, h, 1, null));
            features = h;
        }
        layers.add(new LayerShape(features, classes, 1, null));
        return List.copyOf(layers);
    }

    /**
     * Layer widths from input to output, e.g. [784, 256, 128, 10], of a multi-layer perceptron.
     *
     * @throws IllegalStateException for a model with convolutions, whose layers are not a chain of widths (use
     *     {@link #layers()})
     */
    public int[] widths() {
        if (convolutional()) {
            throw new IllegalStateException("a model with convolution layers (" + ConvLayer.text(convolutions)
                    + ") has no chain of widths; its layers() are GEMMs over im2col matrices");
        }
        int[] w = new int[hiddenUnits.size() + 2];
        w[0] = inputs;
        for (int i = 0; i < hiddenUnits.size(); i++) {
            w[i + 1] = hiddenUnits.get(i);
        }
        w[w.length - 1] = classes;
        return w;
    }

    /** Trainable parameters: weights and biases of every layer (a convolution's filters and one bias per channel). */
    public long parameterCount() {
        long n = 0;
        for (LayerShape l : layers()) {
            n += l.weightCount() + l.out();
        }
        return n;
    }

    /** Multiply-accumulates of one forward pass of one sample (GEMMs only: a convolution's per output pixel). */
    public long macsPerSample() {
        long n = 0;
        for (LayerShape l : layers()) {
            n += l.macsPerSample();
        }
        return n;
    }

    /**
     * Floating-point operations to train on one sample, forward and backward: 2 FLOPs per MAC in
     * the forward pass and twice that in the backward pass (input and weight gradients), so
     * 3 x 2 x MACs. Bias, activation, im2col and loss work is negligible and left out. (The first layer's input
     * gradient is not computed, so this is a slight overestimate, the convention of the field.)
     */
    public double flopsPerSample() {
        return 6.0 * macsPerSample();
    }
}
