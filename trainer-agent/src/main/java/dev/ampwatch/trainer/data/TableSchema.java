package dev.ampwatch.trainer.data;

import java.util.List;

/**
 * How a model trained on a table reads one ({@link TabularData}): its feature columns in order, each scaled with the
 * training rows' mean and deviation, the target column, and for a classifier the target's values in class order. A
 * saved model keeps it (ModelFile format version 2), so inference reads a table exactly as training did, whatever
 * rows the file holds now.
 *
 * @param target the column the model learned
 * @param features the feature columns, in the model's input order
 * @param classes a classifier's class values as text, class 0 first (an integral number without its ".0"); empty for
 *     a regression
 * @param source the SHA-256 (hex) of the file the model was trained on; null when unknown
 * @param split how the rows were split: {@code "row-hash"} ({@link RowSplit}: by each row's content, so any file is scored
 *     on its test rows), {@code "key-hash"} (by the value of the column {@code splitBy}), or null for a model saved before
 *     2026-12-01 (ModelFile format version 2), whose split was a shuffle of the file's rows: inference of its training
 *     file (the same SHA-256) scores that file's test split, of any other file every row
 * @param splitBy the key column of a {@code "key-hash"} split, the time column of a {@code "time"} split ({@link TimeSplit}),
 *     else null
 * @param testFrom a {@code "time"} split's first test time (rows at or after it are test rows), else null
 * @param validationFrom a {@code "time"} split's first validation time, else null
 */
public record TableSchema(String target, List<Column> features, List<String> classes, String source, String split,
        String splitBy, Double testFrom, Double validationFrom) {
    /** A feature column and the scaling training gave it: {@code (value - mean) / std}. */
    public record Column(String name, double mean, double std) {
        public Column {
            if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
                throw new IllegalArgumentException("column " + name + " needs a finite mean and a positive deviation: "
                        + mean + ", " + std);
            }
        }
    }

    public TableSchema(String target, List<Column> features, List<String> classes) {
        this(target, features, classes, null, RowSplit.NAME, null, null, null);
    }

    /** A split by content or a key, or none named. */
    public TableSchema(String target, List<Column> features, List<String> classes, String source, String split, String splitBy) {
        this(target, features, classes, source, split, splitBy, null, null);
    }

    /** Whether the rows were split by their content or a key's ({@link RowSplit}), as every model since format version 3. */
    public boolean splitByRowContent() {
        return split != null;
    }

    public TableSchema {
        features = List.copyOf(features);
        classes = List.copyOf(classes);
        if (features.isEmpty()) {
            throw new IllegalArgumentException("a table's model needs at least one feature column");
        }
        if (split != null && !List.of(RowSplit.NAME, RowSplit.KEY_NAME, TimeSplit.NAME).contains(split)) {
            throw new IllegalArgumentException("split '" + split + "' (this ampwatch knows " + RowSplit.NAME + ", "
                    + RowSplit.KEY_NAME + " and " + TimeSplit.NAME + ")");
        }
        boolean keyed = RowSplit.KEY_NAME.equals(split) || TimeSplit.NAME.equals(split);
        if (keyed != (splitBy != null)) {
            throw new IllegalArgumentException("a " + RowSplit.KEY_NAME + " or " + TimeSplit.NAME + " split names its column, and"
                    + " only they: split " + split + ", split_by " + splitBy);
        }
        boolean timed = TimeSplit.NAME.equals(split);
        if (timed != (testFrom != null && validationFrom != null) || (timed && !(validationFrom <= testFrom))) {
            throw new IllegalArgumentException("a " + TimeSplit.NAME + " split has its cut-offs, validation_from <= test_from,"
                    + " and only it: " + validationFrom + ", " + testFrom);
        }
    }
}
