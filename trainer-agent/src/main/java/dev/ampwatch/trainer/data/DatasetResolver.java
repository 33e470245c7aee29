package dev.ampwatch.trainer.data;

import dev.ampwatch.trainer.model.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the data of a run. An explicitly given directory must hold the dataset (a typo should fail
 * the run, not silently train on generated data). Without one, {@link FashionMnist#DEFAULT_DIR} is
 * used if present, and only otherwise is a synthetic dataset generated, flagged as such.
 *
 * <p>Stateless and thread-safe.
 */
public final class DatasetResolver {
    /** Synthetic training samples when no train limit is given. */
    public static final int SYNTHETIC_TRAIN = 10_000;
    /** Synthetic test samples when no test limit is given. */
    public static final int SYNTHETIC_TEST = 2_000;
    private static final Logger LOG = LoggerFactory.getLogger(DatasetResolver.class);

    private DatasetResolver() {}

    /**
     * @param dir dataset directory, or empty to use the default directory or generated data
     * @param trainLimit keep at most this many training samples; 0 keeps all
     * @param testLimit keep at most this many test samples; 0 keeps all
     * @param seed seed of generated data
     */
    public static Dataset resolve(Optional<Path> dir, int trainLimit, int testLimit, long seed) throws IOException {
        return resolve(dir, FashionMnist.DEFAULT_DIR, trainLimit, testLimit, seed);
    }

    /**
     * The data of a run of {@code task}: a table ({@code .parquet}, {@code .csv}: {@link TabularData}, learning
     * {@code target}), a Fashion-MNIST directory, or without {@code dataset} the default directory or generated data
     * (a regression without a dataset: Friedman's problem, {@link SyntheticData#friedman1}).
     */
    public static Dataset resolve(Optional<Path> dataset, Optional<String> target, Task task, int trainLimit,
            int testLimit, long seed) throws IOException {
        return resolveTable(dataset, target.map(TableColumns::of), task, trainLimit, testLimit, seed);
    }

    /** As {@link #resolve(Optional, Optional, Task, int, int, long)}, a table read with {@code columns}. */
    public static Dataset resolveTable(Optional<Path> dataset, Optional<TableColumns> columns, Task task, int trainLimit,
            int testLimit, long seed) throws IOException {
        Optional<String> target = columns.map(TableColumns::target);
        if (dataset.isPresent() && TabularFile.isTable(dataset.get())) {
            if (target.isEmpty()) {
                TabularFile table = TabularFile.read(dataset.get());
                throw new IllegalArgumentException("a table needs the column to learn: --target COLUMN; "
                        + dataset.get().getFileName() + " has " + String.join(", ",
                                table.columns().stream().map(TabularFile.Column::name).toList()));
            }
            return TabularData.load(dataset.get(), columns.get(), task, trainLimit, testLimit);
        }
        if (target.isPresent()) {
            throw new IllegalArgumentException("--target " + target.get() + " names a column of a table; "
                    + dataset.map(d -> d + " is not one (a .parquet or .csv file)").orElse("no --dataset file is given"));
        }
        if (task == Task.REGRESSION) {
            if (dataset.isPresent()) {
                throw new IllegalArgumentException("Fashion-MNIST (" + dataset.get() + ") is a classification; a"
                        + " regression learns a column of a table (--dataset FILE.parquet|.csv --target COLUMN)");
            }
            LOG.warn("no dataset given for a regression; training on generated data (Friedman #1, "
                    + "RunConfig.dataset_synthetic = true)");
            return SyntheticData.friedman1(trainLimit > 0 ? trainLimit : SYNTHETIC_TRAIN,
                    testLimit > 0 ? testLimit : SYNTHETIC_TEST, SyntheticData.FRIEDMAN_FEATURES, 1.0, seed);
        }
        return resolve(dataset, trainLimit, testLimit, seed);
    }

    /**
     * The data a saved model is measured on: a table read as the model reads one (its columns, scaling and classes;
     * {@code dataset} must name a table then), generated Friedman data for a regression trained on it, or as
     * {@link #resolve(Optional, int, int, long)} for an image classifier.
     */
    public static Dataset forModel(Optional<Path> dataset, dev.ampwatch.trainer.model.ModelFile.SavedModel model, int trainLimit,
            int testLimit, long seed) throws IOException {
        if (model.table() != null) {
            if (dataset.isEmpty() || !TabularFile.isTable(dataset.get())) {
                throw new IllegalArgumentException("the model was trained on a table (" + model.trained().getOrDefault("dataset",
                        "target " + model.table().target()) + "): give it one with --dataset FILE.parquet|.csv");
            }
            return TabularData.load(dataset.get(), model.table(), model.task(), trainLimit, testLimit);
        }
        if (dataset.isPresent() && TabularFile.isTable(dataset.get())) {
            throw new IllegalArgumentException("the model was not trained on a table (" + model.trained().getOrDefault("dataset",
                    "images or generated data") + "): " + dataset.get() + " is no data for it");
        }
        if (dataset.isEmpty()) {
            // generated data (or the default directory): the training run's seed and training limit, so generated test
            // rows are the run's test rows and none of its training rows (they are drawn from one stream, training first)
            seed = number(model.trained().get("seed"), seed);
            trainLimit = (int) number(model.trained().get("train_limit"), trainLimit);
        }
        if (model.task() == Task.REGRESSION) {
            return resolve(dataset, Optional.empty(), Task.REGRESSION, trainLimit, testLimit, seed);
        }
        return resolve(dataset, trainLimit, testLimit, seed);
    }

    private static long number(String text, long otherwise) {
        try {
            return text == null ? otherwise : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** As {@link #resolve(Optional, int, int, long)} with another default directory (for tests). */
    public static Dataset resolve(Optional<Path> dir, Path defaultDir, int trainLimit, int testLimit, long seed)
            throws IOException {
        if (trainLimit < 0 || testLimit < 0) {
            throw new IllegalArgumentException("sample limits must be >= 0 (0 = all): " + trainLimit + ", " + testLimit);
        }
        if (dir.isPresent()) {
            return FashionMnist.load(dir.get(), trainLimit, testLimit);
        }
        if (FashionMnist.isPresent(defaultDir)) {
            return FashionMnist.load(defaultDir, trainLimit, testLimit);
        }
        LOG.warn("no dataset directory given and none at {}; training on generated data "
                + "(RunConfig.dataset_synthetic = true)", defaultDir);
        return SyntheticData.fashionMnistShaped(trainLimit > 0 ? trainLimit : SYNTHETIC_TRAIN,
                testLimit > 0 ? testLimit : SYNTHETIC_TEST, seed);
    }
}
