package dev.ampwatch.trainer.model;

import java.util.List;

/**
 * The trained values of a model: per GEMM layer ({@link ModelSpec#layers()}) its weights ({@code in x out}, row-major, as {@code y = x W + b})
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
        List<LayerShape> shapes = spec.layers();
        if (weights.size() != shapes.size()) {
            throw new IllegalArgumentException(weights.size() + " layers of parameters for a model of " + shapes.size());
        }
        for (int l = 0; l < shapes.size(); l++) {
            LayerShape s = shapes.get(l);
            if (weights.get(l).length != s.weightCount() || biases.get(l).length != s.out()) {
                throw new IllegalArgumentException("layer " + l + " has " + weights.get(l).length + " weights and "
                        + biases.get(l).length + " biases; a " + s.in() + " x " + s.out() + " layer has "
                        + s.weightCount() + " and " + s.out());
            }
        }
        return this;
    }
}
