package dev.ampwatch.trainer.data;

import java.util.Random;

/**
 * Generated classification data for runs without a dataset: each class has a prototype in
 * [0,1]^features around 0.5 (spread {@code contrast}), and a sample is its class prototype plus
 * Gaussian noise (standard deviation {@code noise}), clamped to [0, 1] like pixel values. Larger
 * noise relative to contrast makes the classes overlap and the problem harder.
 *
 * <p>Deterministic for a given seed. Stateless and thread-safe.
 */
public final class SyntheticData {
    private SyntheticData() {}

    /** Fashion-MNIST-shaped stand-in (784 features, 10 classes) used when no dataset is found. */
    public static Dataset fashionMnistShaped(int trainSize, int testSize, long seed) {
        return generate(trainSize, testSize, 784, FashionMnist.CLASSES, 0.5f, 0.5f, seed);
    }

    public static Dataset generate(int trainSize, int testSize, int features, int classes,
            float contrast, float noise, long seed) {
        Random random = new Random(seed);
        float[][] prototypes = new float[classes][features];
        for (float[] p : prototypes) {
            for (int f = 0; f < features; f++) {
                p[f] = 0.5f + contrast * (random.nextFloat() - 0.5f);
            }
        }
        // no seed in the name: the name is a factor of the statistics, and a sweep's repeats differ in seed only
        String name = String.format(java.util.Locale.ROOT, "synthetic (%d classes, %d features, contrast %.2f, noise %.2f)",
                classes, features, contrast, noise);
        LabeledData train = sample(trainSize, prototypes, noise, random);
        LabeledData test = sample(testSize, prototypes, noise, random);
        // drawn after the others, so adding it left the training and test samples of a seed as they were
        LabeledData validation = sample(trainSize / Dataset.VALIDATION_SHARE, prototypes, noise, random);
        return new Dataset(name, true, classes, train, validation, test);
    }

    /** Features of {@link #friedman1} when no dataset is given: the five that matter and five of noise. */
    public static final int FRIEDMAN_FEATURES = 10;

    /**
     * Friedman's first regression problem (Friedman 1991, "Multivariate adaptive regression splines"; scikit-learn's
     * {@code make_friedman1}): features uniform on [0, 1], target {@code 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4
     * + 5 x5} plus Gaussian noise of deviation {@code noise}; features past the fifth do not matter. Its noise-free
     * target has variance ~23.8, so a model that learned it has R² ~ 1 - noise² / (23.8 + noise²).
     */
    public static Dataset friedman1(int trainSize, int testSize, int features, double noise, long seed) {
        if (features < 5) {
            throw new IllegalArgumentException("Friedman's problem needs at least 5 features, not " + features);
        }
        Random random = new Random(seed);
        String name = String.format(java.util.Locale.ROOT, "synthetic regression (Friedman #1, %d features, noise %.2f)",
                features, noise);
        LabeledData train = friedman1(trainSize, features, noise, random);
        LabeledData test = friedman1(testSize, features, noise, random);
        LabeledData validation = friedman1(trainSize / Dataset.VALIDATION_SHARE, features, noise, random);
        return new Dataset(name, true, 1, train, validation, test, dev.ampwatch.trainer.model.Task.REGRESSION);
    }

    private static LabeledData friedman1(int size, int features, double noise, Random random) {
        float[] x = new float[size * features];
        float[] y = new float[size];
        for (int i = 0; i < size; i++) {
            int row = i * features;
            for (int f = 0; f < features; f++) {
                x[row + f] = random.nextFloat();
            }
            double t = 10 * Math.sin(Math.PI * x[row] * x[row + 1]) + 20 * (x[row + 2] - 0.5) * (x[row + 2] - 0.5)
                    + 10 * x[row + 3] + 5 * x[row + 4];
            y[i] = (float) (t + noise * random.nextGaussian());
        }
        return LabeledData.withTargets(x, y, features);
    }

    private static LabeledData sample(int size, float[][] prototypes, float noise, Random random) {
        int features = prototypes[0].length;
        float[] x = new float[size * features];
        int[] y = new int[size];
        for (int i = 0; i < size; i++) {
            int label = random.nextInt(prototypes.length);
            y[i] = label;
            for (int f = 0; f < features; f++) {
                float v = prototypes[label][f] + noise * (float) random.nextGaussian();
                x[i * features + f] = Math.min(1f, Math.max(0f, v));
            }
        }
        return new LabeledData(x, y, features);
    }
}
