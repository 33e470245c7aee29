package dev.ampwatch.trainer;

import dev.ampwatch.trainer.backend.StepResult;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.LabeledData;
import dev.ampwatch.trainer.data.Standardization;
import dev.ampwatch.trainer.model.LearningRateSchedule;
import java.util.Random;

/**
 * Feeds a dataset through a model: shuffled mini-batches for training, fixed-size chunks for
 * evaluation. Rows are gathered into reusable batch buffers, standardized with the training set's
 * statistics on the way ({@link Standardization}), so the backend sees contiguous {@code n x features}
 * arrays. Not thread-safe; used by the training thread.
 */
final class EpochRunner {
    /** Rows per prediction call when evaluating; bounds the activation buffers' size. */
    private static final int EVAL_CHUNK = 1000;

    /** Outcome of one pass over the training set. */
    record Pass(double meanLoss, long samples, int skippedSteps) {}

    /**
     * A regression's fit on some samples, in the target's units: root mean squared error, mean absolute error, and
     * R² (1 - squared error / the samples' own variance about their mean; NaN when that variance is 0).
     */
    record Fit(double rmse, double mae, double r2) {}

    private final TrainableModel model;
    private final LabeledData train;
    private final int batchSize;
    private final int features;
    private final Random shuffle;
    private final Runnable betweenBatches;
    private final int[] order;
    private final float[] batchX;
    private final int[] batchY;
    private final float[] batchT;
    private final Standardization input;
    /** A regression's targets scaled as the inputs are (the training targets' mean and deviation), else null. */
    private final Standardization target;
    private final LearningRateSchedule schedule;
    private final double learningRate;
    private final long plannedSteps;
    private long step;

    /** @param betweenBatches called before each batch, e.g. to abort on interruption */
    EpochRunner(TrainableModel model, Dataset data, int batchSize, long seed, Runnable betweenBatches) {
        this(model, data, batchSize, seed, betweenBatches, LearningRateSchedule.CONSTANT, Double.NaN, 1);
    }

    /**
     * @param schedule moves the model's learning rate before each step, from {@code learningRate} over the steps
     *     of {@code plannedEpochs}
     */
    EpochRunner(TrainableModel model, Dataset data, int batchSize, long seed, Runnable betweenBatches,
            LearningRateSchedule schedule, double learningRate, int plannedEpochs) {
        this.model = model;
        this.train = data.train();
        this.features = data.featureCount();
        this.batchSize = Math.min(batchSize, Math.max(1, train.size()));
        // shuffling gets its own stream so changing the model's init does not change the batch order
        this.shuffle = new Random(seed ^ 0x5DEECE66DL);
        this.betweenBatches = betweenBatches;
        this.order = new int[train.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        int rows = Math.max(this.batchSize, EVAL_CHUNK);
        this.batchX = new float[rows * features];
        boolean regression = train.targets() != null;
        this.batchY = regression ? null : new int[rows];
        this.batchT = regression ? new float[rows] : null;
        this.input = Standardization.fit(train);
        this.target = regression ? Standardization.ofTargets(train) : null;
        this.schedule = schedule;
        this.learningRate = learningRate;
        this.plannedSteps = (long) plannedEpochs * ((train.size() + this.batchSize - 1) / this.batchSize);
    }

    /** How inputs are scaled before the model sees them (the training set's statistics): part of a saved model. */
    Standardization input() {
        return input;
    }

    /** How a regression's targets are scaled for training (the training targets' statistics), or null. */
    Standardization target() {
        return target;
    }

    /** Told after each step: samples done so far in the epoch and their summed loss. */
    @FunctionalInterface
    interface StepObserver {
        void afterStep(long samplesDone, double lossSum);
    }

    /** One epoch of shuffled mini-batches (the last batch may be smaller). */
    Pass trainEpoch() {
        return trainEpoch((done, loss) -> { });
    }

    Pass trainEpoch(StepObserver observer) {
        if (order.length == 0) {
            throw new IllegalStateException("the training set is empty");
        }
        for (int i = order.length - 1; i > 0; i--) { // Fisher-Yates
            int j = shuffle.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double lossSum = 0;
        int skipped = 0;
        for (int from = 0; from < order.length; from += batchSize) {
            betweenBatches.run();
            int n = Math.min(batchSize, order.length - from);
            for (int r = 0; r < n; r++) {
                int row = order[from + r];
                input.apply(train.features(), row * features, batchX, r * features, features);
                if (target != null) {
                    target.apply(train.targets(), row, batchT, r, 1);
                } else {
                    batchY[r] = train.labels()[row];
                }
            }
            if (schedule != LearningRateSchedule.CONSTANT) {
                model.setLearningRate(learningRate * schedule.factor(step, plannedSteps));
            }
            step++;
            StepResult result = target != null ? model.trainStep(batchX, batchT, n) : model.trainStep(batchX, batchY, n);
            lossSum += result.loss() * n;
            if (!result.applied()) {
                skipped++;
            }
            observer.afterStep(from + n, lossSum);
        }
        return new Pass(lossSum / order.length, order.length, skipped);
    }

    /** How well a regression predicts {@code data}'s targets (NaNs for an empty set). */
    Fit fit(LabeledData data) {
        if (target == null) {
            throw new IllegalStateException("not a regression");
        }
        if (data.size() == 0) {
            return new Fit(Double.NaN, Double.NaN, Double.NaN);
        }
        float[] outputs = new float[EVAL_CHUNK];
        double[] sums = new double[3]; // squared and absolute errors, targets
        chunks(data, (from, n) -> {
            model.logits(batchX, n, outputs);
            for (int r = 0; r < n; r++) {
                double truth = data.targets()[from + r];
                double error = target.invert(outputs[r]) - truth;
                sums[0] += error * error;
                sums[1] += Math.abs(error);
                sums[2] += truth;
            }
        });
        double mean = sums[2] / data.size();
        double variance = 0;
        for (float t : data.targets()) {
            variance += (t - mean) * (t - mean);
        }
        return new Fit(Math.sqrt(sums[0] / data.size()), sums[1] / data.size(),
                variance > 0 ? 1 - sums[0] / variance : Double.NaN);
    }

    /** Fraction of {@code data} the model classifies correctly, 0..1 (NaN for an empty set). */
    double accuracy(LabeledData data) {
        if (data.size() == 0) {
            return Double.NaN;
        }
        int[] predicted = new int[EVAL_CHUNK];
        long[] correct = {0};
        chunks(data, (from, n) -> {
            model.predict(batchX, n, predicted);
            for (int r = 0; r < n; r++) {
                if (predicted[r] == data.labels()[from + r]) {
                    correct[0]++;
                }
            }
        });
        return (double) correct[0] / data.size();
    }

    /** Told each chunk of evaluated rows: {@code n} rows from {@code from}, standardized into the batch buffer. */
    @FunctionalInterface
    private interface Chunk {
        void rows(int from, int n);
    }

    /** {@code data} in chunks of {@link #EVAL_CHUNK} rows, each standardized into {@code batchX} first. */
    private void chunks(LabeledData data, Chunk chunk) {
        for (int from = 0; from < data.size(); from += EVAL_CHUNK) {
            betweenBatches.run();
            int n = Math.min(EVAL_CHUNK, data.size() - from);
            input.apply(data.features(), from * features, batchX, 0, n * features);
            chunk.rows(from, n);
        }
    }
}
