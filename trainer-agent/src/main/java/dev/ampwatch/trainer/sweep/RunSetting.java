package dev.ampwatch.trainer.sweep;

import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.precision.Precision;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One point of a sweep: the four factors the seed paper varied. Immutable and thread-safe.
 *
 * @param precision numeric precision
 * @param batchSize samples per optimizer step
 * @param hiddenUnits neurons per hidden layer, input side first
 * @param epochs passes over the training set
 */
public record RunSetting(Precision precision, int batchSize, List<Integer> hiddenUnits, int epochs) {
    public RunSetting {
        Objects.requireNonNull(precision, "precision");
        hiddenUnits = List.copyOf(hiddenUnits);
        if (batchSize < 1 || epochs < 1) {
            throw new IllegalArgumentException("batch size and epochs must be >= 1: " + batchSize + ", " + epochs);
        }
        for (int h : hiddenUnits) {
            if (h < 1) {
                throw new IllegalArgumentException("hidden layer sizes must be >= 1: " + hiddenUnits);
            }
        }
    }

    /** {@code train}'s defaults: fp32, batch 128, hidden [256, 128], 5 epochs (read from {@link TrainingOptions}). */
    public static RunSetting defaults() {
        TrainingOptions d = TrainingOptions.builder().runId("defaults").host("defaults").build();
        return new RunSetting(d.precision(), d.batchSize(), d.hiddenUnits(), d.epochs());
    }

    public RunSetting withPrecision(Precision v) {
        return new RunSetting(v, batchSize, hiddenUnits, epochs);
    }

    public RunSetting withBatchSize(int v) {
        return new RunSetting(precision, v, hiddenUnits, epochs);
    }

    public RunSetting withHiddenUnits(List<Integer> v) {
        return new RunSetting(precision, batchSize, v, epochs);
    }

    public RunSetting withEpochs(int v) {
        return new RunSetting(precision, batchSize, hiddenUnits, v);
    }

    /** Hidden layer sizes as on the command line, e.g. {@code 256,128} ({@code -} for none). */
    public String hiddenText() {
        return hiddenUnits.isEmpty() ? "-" : hiddenUnits.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    @Override
    public String toString() {
        return precision + ", batch " + batchSize + ", hidden " + hiddenText() + ", " + epochs + " epoch" + (epochs == 1 ? "" : "s");
    }
}
