package dev.ampwatch.trainer.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rows of a table a model can learn from or be scored on ({@link TabularData}): a value beyond a float's range is
 * refused with its row and column; a row missing the target or a feature is left out, and so is one missing the split's
 * key (it belongs to no group), each counted in a warning that names the columns. Stateless.
 */
final class UsableRows {
    private static final Logger LOG = LoggerFactory.getLogger(TabularData.class);

    private UsableRows() {}

    /** The usable rows' indices, in file order; {@code key} may be null (rows split by their content). */
    static int[] of(TabularFile table, TabularFile.Column y, List<TabularFile.Column> features, TabularFile.Column key)
            throws IOException {
        List<TabularFile.Column> numeric = new ArrayList<>(features);
        if (y.numeric()) {
            numeric.add(y);
        }
        for (TabularFile.Column c : numeric) { // the model computes in float: beyond its range a value is infinite
            for (int r = 0; r < table.rows(); r++) {
                double v = c.numbers()[r];
                if (Double.isInfinite(v) || Math.abs(v) > Float.MAX_VALUE) {
                    throw new IOException(table.file() + " " + table.where(r) + ", column '" + c.name() + "': " + v
                            + " is not a usable value (beyond a float's range, " + Float.MAX_VALUE + ")");
                }
            }
        }
        int[] rows = complete(table, y, features);
        if (rows.length < table.rows()) {
            LOG.warn("{}: {} of {} rows miss the target or a feature and are left out ({})", table.file(),
                    table.rows() - rows.length, table.rows(), missingPerColumn(table, y, features));
        }
        if (key != null) { // a row without a key belongs to no group
            int before = rows.length;
            rows = Arrays.stream(rows).filter(r -> key.numeric() ? !Double.isNaN(key.numbers()[r]) : key.texts()[r] != null).toArray();
            if (rows.length < before) {
                LOG.warn("{}: {} rows have no '{}' (the split's key) and are left out", table.file(), before - rows.length, key.name());
            }
        }
        if (rows.length == 0) {
            throw new IOException(table.file() + " has 0 complete rows: every row misses the target or a feature"
                    + (key != null ? " or the split's key '" + key.name() + "'" : ""));
        }
        return rows;
    }

    private static int[] complete(TabularFile table, TabularFile.Column y, List<TabularFile.Column> features) {
        int[] keep = new int[table.rows()];
        int n = 0;
        rows:
        for (int r = 0; r < table.rows(); r++) {
            if (y.numeric() ? Double.isNaN(y.numbers()[r]) : y.texts()[r] == null) {
                continue;
            }
            for (TabularFile.Column c : features) {
                if (Double.isNaN(c.numbers()[r])) {
                    continue rows;
                }
            }
            keep[n++] = r;
        }
        return Arrays.copyOf(keep, n);
    }

    /** Which columns the incomplete rows miss, most first: "target 'y': 3, 'b': 2". */
    private static String missingPerColumn(TabularFile table, TabularFile.Column y, List<TabularFile.Column> features) {
        Map<String, Integer> missing = new LinkedHashMap<>();
        for (int r = 0; r < table.rows(); r++) {
            if (y.numeric() ? Double.isNaN(y.numbers()[r]) : y.texts()[r] == null) {
                missing.merge("target '" + y.name() + "'", 1, Integer::sum);
            }
            for (TabularFile.Column c : features) {
                if (Double.isNaN(c.numbers()[r])) {
                    missing.merge("'" + c.name() + "'", 1, Integer::sum);
                }
            }
        }
        return missing.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(5)
                .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", "));
    }
}
