package dev.ampwatch.trainer.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test parameters of a trained model's magnitude for any {@link ModelSpec}, convolutions included. */
public final class RandomParameters {
    private RandomParameters() {}

    /** He-scaled normal weights (fan-in: each layer's {@code in}), small normal biases. */
    public static ModelParameters of(ModelSpec spec, Random rnd) {
        List<float[]> weights = new ArrayList<>();
        List<float[]> biases = new ArrayList<>();
        for (LayerShape shape : spec.layers()) {
            float[] w = new float[shape.in() * shape.out()];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (rnd.nextGaussian() * Math.sqrt(2.0 / shape.in()));
            }
            float[] b = new float[shape.out()];
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (rnd.nextGaussian() * 0.05);
            }
            weights.add(w);
            biases.add(b);
        }
        return new ModelParameters(weights, biases);
    }
}
