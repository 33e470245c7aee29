package dev.ampwatch.trainer.data;

import dev.ampwatch.trainer.model.Task;

/**
 * A dataset split into training, validation and test samples. Model choices (learning-rate schedule, input
 * scaling, which epoch to keep) are made on the validation samples, which are held out of training; the test
 * samples only report.
 *
 * @param name what was loaded, a directory's or file's name or a description of the generated data
 * @param synthetic true when the data was generated rather than read (RunConfig.dataset_synthetic)
 * @param classes number of classes, labels {@code 0 .. classes-1}; 1 for regression (the model's one output)
 * @param validation held out of training (may be empty)
 * @param task what the samples carry: class labels or regression targets
 * @param table how the samples were read from a table (columns, scaling, classes), or null when they were not
 */
public record Dataset(String name, boolean synthetic, int classes, LabeledData train, LabeledData validation,
        LabeledData test, Task task, TableSchema table) {
    /** Of every 12 training samples, one is held out for validation: 5,000 of Fashion-MNIST's 60,000. */
    public static final int VALIDATION_SHARE = 12;

    public Dataset {
        if (train.featureCount() != test.featureCount() || validation.featureCount() != train.featureCount()) {
            throw new IllegalArgumentException("train, validation and test feature counts differ: "
                    + train.featureCount() + ", " + validation.featureCount() + ", " + test.featureCount());
        }
        boolean regression = task == Task.REGRESSION;
        for (LabeledData part : new LabeledData[] {train, validation, test}) {
            if ((part.targets() != null) != regression) {
                throw new IllegalArgumentException("a " + task + " dataset needs " + (regression ? "targets" : "labels"));
            }
        }
        if (regression && classes != 1) {
            throw new IllegalArgumentException("a regression dataset has one output, not " + classes);
        }
    }

    /** A classification dataset. */
    public Dataset(String name, boolean synthetic, int classes, LabeledData train, LabeledData validation,
            LabeledData test) {
        this(name, synthetic, classes, train, validation, test, Task.CLASSIFICATION, null);
    }

    /** A dataset not read from a table. */
    public Dataset(String name, boolean synthetic, int classes, LabeledData train, LabeledData validation,
            LabeledData test, Task task) {
        this(name, synthetic, classes, train, validation, test, task, null);
    }

    public int featureCount() {
        return train.featureCount();
    }
}
