package dev.ampwatch.trainer.model;

import java.util.List;

/**
 * The trained values of an MLP: per dense layer its weights ({@code in x out}, row-major, as {@code y = x W + b})
 * and its bias ({@code out}). The arrays are owned by this record once given: callers do not change them.
 */
public record ModelParameters(List<float[]> weights, List<float[]> biases) {
    public ModelParameters {
        weights = List.copyOf(weights);
        biases = List.copyOf(biases);
        if (weights.size() != biases.size()) {
            throw new IllegalArgumentException(weights.size() + " weight matrices but " + biases.size() + " bias vectors");
        }
    }

    /** Checks every layer's sizes against {@code spec}; the message names the first that differs. */
    public ModelParameters requireShape(ModelSpec spec) {
        int[] w = spec.widths();
        if (weights.size() != w.length - 1) {
            throw new IllegalArgumentException(weights.size() + " layers of parameters for a model of " + (w.length - 1));
        }
        for (int l = 0; l + 1 < w.length; l++) {
            if (weights.get(l).length != w[l] * w[l + 1] || biases.get(l).length != w[l + 1]) {
                throw new IllegalArgumentException("layer " + l + " has " + weights.get(l).length + " weights and "
                        + biases.get(l).length + " biases; a " + w[l] + " x " + w[l + 1] + " layer has "
                        + w[l] * w[l + 1] + " and " + w[l + 1]);
            }
        }
        return this;
    }
}
