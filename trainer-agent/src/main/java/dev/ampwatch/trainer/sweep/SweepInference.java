package dev.ampwatch.trainer.sweep;

import dev.ampwatch.trainer.InferenceJob;
import java.util.HashSet;
import java.util.List;

/**
 * The inference runs a sweep adds after each completed training run: the model just trained, over the test
 * split, {@code repeats} passes of {@code batchSize}-sample batches, once per precision (in an order shuffled
 * per training run), under the sweep's experiment id. Immutable.
 *
 * @param precisions inference precisions (fp32, fp16, bf16, int8), each once
 * @param repeats passes over the test split per inference run (>= 1)
 * @param batchSize samples per request (>= 1)
 */
public record SweepInference(List<String> precisions, int repeats, int batchSize) {
    public static final int DEFAULT_REPEATS = 3;
    public static final int DEFAULT_BATCH_SIZE = 256;

    public SweepInference {
        precisions = List.copyOf(precisions);
        if (precisions.isEmpty()) {
            throw new IllegalArgumentException("inference.precisions must list at least one of " + InferenceJob.PRECISIONS);
        }
        for (String p : precisions) {
            if (!InferenceJob.PRECISIONS.contains(p)) {
                throw new IllegalArgumentException("inference.precisions: '" + p + "' is not one of " + InferenceJob.PRECISIONS);
            }
        }
        if (new HashSet<>(precisions).size() != precisions.size()) {
            throw new IllegalArgumentException("inference.precisions lists a value twice: " + precisions);
        }
        if (repeats < 1 || batchSize < 1) {
            throw new IllegalArgumentException("inference.repeats and inference.batch_size must be >= 1: " + repeats + ", " + batchSize);
        }
    }

    /** As printed in the plan. */
    @Override
    public String toString() {
        return String.join(", ", precisions) + " (" + repeats + " pass" + (repeats == 1 ? "" : "es") + " over the test split, batch "
                + batchSize + ")";
    }
}
