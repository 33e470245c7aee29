package dev.ampwatch.trainer.data;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which rule splits a table and what it gives ({@link TabularData}): by each row's content ({@link RowSplit}), by a key
 * column's value, or by time ({@link TimeSplit}). Training refuses a table whose rule leaves the test or training split
 * empty; inference refuses a file with no test row. Stateless.
 */
final class SplitRules {
    private static final Logger LOG = LoggerFactory.getLogger(TabularData.class);

    /**
     * @param rows the split
     * @param cutOffs a split by time's {@code test_from} and {@code validation_from} (found in training, else the model's);
     *     null for the other rules
     * @param rule for a file other than the model's training file, what decided its test rows ("content", the key's name,
     *     "time"), else null
     */
    record Chosen(RowSplit.Rows rows, double[] cutOffs, String rule) {}

    private SplitRules() {}

    /** The split of {@code rows} for training ({@code schema} null) or for a model that split its table by a rule. */
    static Chosen choose(TabularFile table, int[] rows, List<TabularFile.Column> features, TabularFile.Column y,
            TabularFile.Column key, TabularFile.Column time, TableSchema schema, String digest) throws IOException {
        RowSplit.Rows split;
        double[] cutOffs = null;
        String by = key != null ? "'" + key.name() + "'" : time != null ? "time ('" + time.name() + "')" : "their content";
        if (time != null) {
            double[] times = TimeSplit.times(table, time);
            if (schema == null) {
                TimeSplit.Result t = TimeSplit.train(rows, times);
                split = t.rows();
                cutOffs = new double[] {t.testFrom(), t.validationFrom()};
            } else {
                split = TimeSplit.split(rows, times, schema.testFrom(), schema.validationFrom());
                cutOffs = new double[] {schema.testFrom(), schema.validationFrom()};
            }
        } else {
            split = RowSplit.of(rows, features, y, key);
        }
        if (schema == null && (split.test().length == 0 || split.train().length == 0)) {
            throw new IOException(table.file() + ": its " + rows.length + " complete rows" + (key != null ? " (" + distinct(key, rows)
                    + " values of '" + key.name() + "')" : "") + " give no " + (split.test().length == 0 ? "test" : "training")
                    + " row when split by " + by + (time != null ? " (the latest fifth of the rows is the test split:"
                    + " are all rows at one time?)" : " (about one " + (key != null ? "value" : "row") + " in "
                    + TabularData.TEST_SHARE + " is a test " + (key != null ? "value" : "row") + ")")
                    + ": a table this small cannot be split; give more rows");
        }
        String rule = null;
        if (schema != null && !digest.equals(schema.source())) {
            rule = key != null ? key.name() : time != null ? "time" : "content";
            LOG.info("{} is not the file the model was trained on: its test rows by {} are scored (a row the model trained"
                    + " on, unchanged, is a training row in any file; a value written with fewer digits makes another row)",
                    table.file(), rule);
        }
        if (split.test().length == 0) {
            throw new IOException(table.file() + ": none of its " + rows.length + " complete rows is a test row by " + by
                    + (time != null ? " (none at or after the model's test cut-off " + schema.testFrom() + ")" : " (one row in "
                    + TabularData.TEST_SHARE + " is)") + "; a model is scored on rows it never trained on");
        }
        return new Chosen(split, cutOffs, rule);
    }

    private static long distinct(TabularFile.Column key, int[] rows) {
        return Arrays.stream(rows).mapToObj(r -> key.numeric() ? (Object) key.numbers()[r] : key.texts()[r]).distinct().count();
    }
}
