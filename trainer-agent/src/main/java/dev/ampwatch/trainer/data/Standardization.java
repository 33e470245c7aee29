package dev.ampwatch.trainer.data;

/**
 * Inputs scaled to mean 0 and standard deviation 1 with the training samples' statistics (one mean and one
 * deviation over every pixel, as torchvision's {@code Normalize((0.2860,), (0.3530,))} for Fashion-MNIST): SGD
 * on raw [0, 1] pixels, all positive, moves a layer's weights together and learns slower. The same transform
 * is applied to validation, test and inference inputs, so it belongs to the model.
 *
 * @param mean mean of the training features
 * @param std their standard deviation, > 0
 */
public record Standardization(double mean, double std) {
    public Standardization {
        if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("standardization needs a finite mean and a positive deviation: "
                    + mean + ", " + std);
        }
    }

    /** The mean and deviation of every feature value of {@code train} (deviation 1 if they are all equal). */
    public static Standardization fit(LabeledData train) {
        return of(train.features());
    }

    /** The mean and deviation of a regression's training targets (deviation 1 if they are all equal). */
    public static Standardization ofTargets(LabeledData train) {
        return train.targets() == null ? new Standardization(0, 1) : of(train.targets());
    }

    private static Standardization of(float[] x) {
        if (x.length == 0) {
            return new Standardization(0, 1);
        }
        double sum = 0;
        for (float v : x) {
            sum += v;
        }
        double mean = sum / x.length;
        double squares = 0;
        for (float v : x) {
            double d = v - mean;
            squares += d * d;
        }
        double std = Math.sqrt(squares / x.length);
        return new Standardization(mean, std > 0 ? std : 1);
    }

    /** The value {@code standardized} stands for: {@code standardized x std + mean}. */
    public double invert(float standardized) {
        return standardized * std + mean;
    }

    /** Writes {@code count} standardized values of {@code src} from {@code from} into {@code dst} at {@code to}. */
    public void apply(float[] src, int from, float[] dst, int to, int count) {
        float m = (float) mean;
        float inverse = (float) (1 / std);
        for (int i = 0; i < count; i++) {
            dst[to + i] = (src[from + i] - m) * inverse;
        }
    }
}
