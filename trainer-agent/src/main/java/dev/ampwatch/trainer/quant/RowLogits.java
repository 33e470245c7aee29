package dev.ampwatch.trainer.quant;

/** A quantized model on the CPU: logits of any range of rows of raw features, ranges in parallel allowed. */
public interface RowLogits {
    /** The logits of rows {@code [from, to)} of {@code features} (raw) into the same rows of {@code logits}. */
    void logits(float[] features, int from, int to, float[] logits);
}
