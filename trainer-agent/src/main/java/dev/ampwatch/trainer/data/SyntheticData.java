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
