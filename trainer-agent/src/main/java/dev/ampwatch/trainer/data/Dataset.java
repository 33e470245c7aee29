package dev.ampwatch.trainer.data;

/**
 * A classification dataset split into training, validation and test samples. Model choices (learning-rate
 * schedule, input scaling, which epoch to keep) are made on the validation samples, which are held out of
 * training; the test samples only report.
 *
 * @param name what was loaded, a directory path or a description of the generated data
 * @param synthetic true when the data was generated rather than read (RunConfig.dataset_synthetic)
 * @param classes number of classes; labels are {@code 0 .. classes-1}
 * @param validation held out of training (may be empty)
 */
public record Dataset(String name, boolean synthetic, int classes, LabeledData train, LabeledData validation,
        LabeledData test) {
    /** Of every 12 training samples, one is held out for validation: 5,000 of Fashion-MNIST's 60,000. */
    public static final int VALIDATION_SHARE = 12;

    public Dataset {
        if (train.featureCount() != test.featureCount() || validation.featureCount() != train.featureCount()) {
            throw new IllegalArgumentException("train, validation and test feature counts differ: "
                    + train.featureCount() + ", " + validation.featureCount() + ", " + test.featureCount());
        }
    }

    public int featureCount() {
        return train.featureCount();
    }
}
