package dev.ampwatch.trainer.backend;

import dev.ampwatch.trainer.model.ModelParameters;

/**
 * A model living on a {@link Backend}, trained and evaluated a batch at a time. Batches are
 * row-major {@code n x inputs} float arrays of features and {@code n} class labels.
 *
 * <p>Not thread-safe: one training thread drives a model.
 */
public interface TrainableModel extends InferenceModel {
    /**
     * One optimizer step on a mini-batch: forward, loss, backward and (unless the loss scaler
     * skips it) parameter update.
     *
     * @param features {@code n x inputs} values, row-major; only the first {@code n} rows are read
     * @param labels class of each row, {@code 0 <= label < classes}
     * @param n rows in the batch, >= 1
     */
    StepResult trainStep(float[] features, int[] labels, int n);

    /**
     * One optimizer step of a regression ({@code Task.REGRESSION}): as {@link #trainStep(float[], int[], int)} with
     * the mean squared error of the model's one output against {@code targets} as the loss.
     *
     * @param targets the value each row should give, standardized as the caller trains on them
     * @throws IllegalStateException if the model has more than one output
     */
    StepResult trainStep(float[] features, float[] targets, int n);

    /** Writes the most likely class of each of the first {@code n} rows into {@code out}. */
    void predict(float[] features, int n, int[] out);

    /** Writes the logits of the first {@code n} rows, {@code n x classes} row-major, into {@code out}. */
    void logits(float[] features, int n, float[] out);

    /**
     * Sets the optimizer's step size for the steps that follow (a schedule moves it between steps); the
     * model starts with its hyperparameters' rate. Optimizer state (momentum, Adam's moments) is kept.
     */
    void setLearningRate(double learningRate);

    /** A copy of the FP32 master weights and biases (waits for queued device work). */
    ModelParameters parameters();

    /**
     * Replaces the weights and biases with {@code parameters} (a saved model's), which must fit the model's
     * shape; optimizer state is left as it is.
     */
    void setParameters(ModelParameters parameters);

    /** Current loss scale (1 when the precision does not scale). */
    float lossScale();

    /** Waits for queued device work; a no-op on the CPU, where every call is synchronous. */
    default void synchronize() {}

    @Override
    default void close() {}
}
