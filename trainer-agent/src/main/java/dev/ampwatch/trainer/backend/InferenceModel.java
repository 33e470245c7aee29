package dev.ampwatch.trainer.backend;

/**
 * A model that gives logits of standardized inputs: a trainable model, or a quantized one on a device (INT8 or
 * FP8 inference on the GPU). One thread drives it; close it before its backend.
 */
public interface InferenceModel extends AutoCloseable {
    /** Writes the logits of the first {@code n} rows of {@code features} (standardized), {@code n x classes} row-major, into {@code out}. */
    void logits(float[] features, int n, float[] out);

    @Override
    void close();
}
