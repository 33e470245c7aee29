package dev.ampwatch.trainer.quant;

import dev.ampwatch.trainer.data.LabeledData;

/**
 * A quantized model on the CPU ({@link Int8Mlp}, {@link Int4Mlp}, {@link Fp8Mlp}): logits of any range of rows of raw
 * features, ranges in parallel allowed, and what follows from them.
 */
public interface RowLogits {
    /** The logits of rows {@code [from, to)} of {@code features} (raw) into the same rows of {@code logits}. */
    void logits(float[] features, int from, int to, float[] logits);

    /** Outputs per row: classes (1 for a regression). */
    int classes();

    /** The logits of the first {@code n} rows of {@code features} (raw, as the dataset holds them), {@code n x classes}. */
    default float[] logits(float[] features, int n) {
        float[] logits = new float[n * classes()];
        logits(features, 0, n, logits);
        return logits;
    }

    /** Writes the most likely class of each of the first {@code n} rows into {@code out}. */
    default void predict(float[] features, int n, int[] out) {
        Logits.argmax(logits(features, n), n, classes(), out);
    }

    /** Fraction of {@code data} classified correctly. */
    default double accuracy(LabeledData data) {
        return Logits.accuracy(logits(data.features(), data.size()), classes(), data);
    }
}
