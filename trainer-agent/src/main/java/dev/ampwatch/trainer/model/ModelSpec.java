package dev.ampwatch.trainer.model;

import java.util.List;

/**
 * Shape of a multi-layer perceptron: {@code inputs} features, ReLU hidden layers of
 * {@code hiddenUnits} neurons (input side first), and a softmax output over {@code classes}.
 * Backend-independent, so the cost figures published in RunConfig are the same on every backend.
 *
 * <p>Immutable and thread-safe.
 */
public record ModelSpec(int inputs, List<Integer> hiddenUnits, int classes) {
    public ModelSpec {
        hiddenUnits = List.copyOf(hiddenUnits);
        if (inputs < 1 || classes < 2) {
            throw new IllegalArgumentException("need >= 1 input and >= 2 classes: " + inputs + ", " + classes);
        }
        for (int h : hiddenUnits) {
            if (h < 1) {
                throw new IllegalArgumentException("hidden layer sizes must be >= 1: " + hiddenUnits);
            }
        }
    }

    /** Layer widths from input to output, e.g. [784, 256, 128, 10]. */
    public int[] widths() {
        int[] w = new int[hiddenUnits.size() + 2];
        w[0] = inputs;
        for (int i = 0; i < hiddenUnits.size(); i++) {
            w[i + 1] = hiddenUnits.get(i);
        }
        w[w.length - 1] = classes;
        return w;
    }

    /** Trainable parameters: weights and biases of every dense layer. */
    public long parameterCount() {
        int[] w = widths();
        long n = 0;
        for (int i = 0; i + 1 < w.length; i++) {
            n += (long) w[i] * w[i + 1] + w[i + 1];
        }
        return n;
    }

    /** Multiply-accumulates of one forward pass of one sample (dense layers only). */
    public long macsPerSample() {
        int[] w = widths();
        long n = 0;
        for (int i = 0; i + 1 < w.length; i++) {
            n += (long) w[i] * w[i + 1];
        }
        return n;
    }

    /**
     * Floating-point operations to train on one sample, forward and backward: 2 FLOPs per MAC in
     * the forward pass and twice that in the backward pass (input and weight gradients), so
     * 3 x 2 x MACs. Bias, activation and loss work is negligible and left out.
     */
    public double flopsPerSample() {
        return 6.0 * macsPerSample();
    }
}
