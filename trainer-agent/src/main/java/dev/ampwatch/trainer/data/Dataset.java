package dev.ampwatch.trainer.data;

/**
 * A classification dataset split into training and test samples.
 *
 * @param name what was loaded, a directory path or a description of the generated data
 * @param synthetic true when the data was generated rather than read (RunConfig.dataset_synthetic)
 * @param classes number of classes; labels are {@code 0 .. classes-1}
 */
public record Dataset(String name, boolean synthetic, int classes, LabeledData train, LabeledData test) {
    public Dataset {
        if (train.featureCount() != test.featureCount()) {
            throw new IllegalArgumentException("train and test feature counts differ: "
                    + train.featureCount() + " vs " + test.featureCount());
        }
    }

    public int featureCount() {
        return train.featureCount();
    }
}
