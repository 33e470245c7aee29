package dev.ampwatch.trainer;

import dev.ampwatch.schema.EpochMetrics;
import java.util.List;

/**
 * What a completed run achieved.
 *
 * @param runId the run's id
 * @param epochs metrics of each epoch, first epoch first
 * @param parameterCount trainable parameters
 * @param flopsPerSample training FLOPs per sample (forward and backward)
 */
public record TrainingResult(String runId, List<EpochMetrics> epochs, long parameterCount, double flopsPerSample) {
    public TrainingResult {
        epochs = List.copyOf(epochs);
    }

    /** Metrics of the last epoch; fails if the run had no epochs. */
    public EpochMetrics last() {
        return epochs.get(epochs.size() - 1);
    }
}
