package dev.ampwatch.trainer.data;

import dev.ampwatch.trainer.model.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dataset from a table ({@link TabularFile}): one column is the target, every other numeric column a feature.
 *
 * <ul>
 *   <li>Rows missing the target or any feature are left out, and counted in a warning.</li>
 *   <li>The split is fixed by each row's content ({@link RowSplit}), not by the run's seed or the file's order, so every
 *       run of an experiment is scored on the same rows, and inference of any file that holds them (a copy saved
 *       again, reordered, grown) on test rows only: about a fifth of the rows is the test split, one in
 *       {@link Dataset#VALIDATION_SHARE} of the rest the validation split, the others the training split.</li>
 *   <li>Each feature is standardized with its own mean and deviation over the training split (tabular columns
 *       have units of their own; Fashion-MNIST's pixels share one scale, {@link Standardization}).</li>
 *   <li>Classification: the target's distinct values, in order (numbers by value, text alphabetically), are the
 *       classes 0, 1, ...; at most {@link #MAX_CLASSES}. Regression: a numeric target.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class TabularData {
    /** One row in this many is a test row. */
    public static final int TEST_SHARE = 5;
    /** More distinct targets than this is not a classification (a regression's target, most likely). */
    public static final int MAX_CLASSES = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(TabularData.class);

    private TabularData() {}

    /**
     * @param target the target column's name
     * @param trainLimit keep at most this many training rows; 0 keeps all
     * @param testLimit keep at most this many test rows; 0 keeps all
     */
    public static Dataset load(Path file, String target, Task task, int trainLimit, int testLimit) throws IOException {
        return load(file, TableColumns.of(target), task, trainLimit, testLimit);
    }

    /** As {@link #load(Path, String, Task, int, int)}, leaving {@code columns}' excluded columns and split key out of the features. */
    public static Dataset load(Path file, TableColumns columns, Task task, int trainLimit, int testLimit) throws IOException {
        return of(TabularFile.read(file), columns, task, trainLimit, testLimit, null);
    }

    /**
     * A table read as a saved model reads it ({@code schema}: its columns in its order, scaled as in training, its
     * classes); the same split as training's. A row whose class the model does not know is left out, with a warning.
     */
    public static Dataset load(Path file, TableSchema schema, Task task, int trainLimit, int testLimit) throws IOException {
        boolean byTime = TimeSplit.NAME.equals(schema.split());
        return of(TabularFile.read(file), new TableColumns(schema.target(), List.of(),
                java.util.Optional.ofNullable(byTime ? null : schema.splitBy()), java.util.Optional.ofNullable(byTime ? schema.splitBy() : null)),
                task, trainLimit, testLimit, schema);
    }

    static Dataset of(TabularFile table, String target, Task task, int trainLimit, int testLimit) throws IOException {
        return of(table, TableColumns.of(target), task, trainLimit, testLimit, null);
    }

    private static Dataset of(TabularFile table, TableColumns columns, Task task, int trainLimit, int testLimit, TableSchema schema)
            throws IOException {
        Path file = table.file();
        String target = columns.target();
        TabularFile.Column key = columns.splitBy().map(k -> column(table, k)).orElse(null);
        TabularFile.Column time = columns.splitByTime().map(k -> column(table, k)).orElse(null);
        List<String> absent = new ArrayList<>(columns.exclude().stream().filter(c -> column(table, c) == null).toList());
        if (columns.splitBy().isPresent() && key == null) {
            absent.add(columns.splitBy().get());
        }
        if (columns.splitByTime().isPresent() && time == null) {
            absent.add(columns.splitByTime().get());
        }
        if (!absent.isEmpty()) {
            throw new IOException(file + " has no column " + String.join(", ", absent.stream().map(c -> "'" + c + "'").toList())
                    + (schema == null ? " (--exclude, --split-by, --split-by-time)" : ", which the model's rows were split by: its test rows cannot"
                            + " be told apart from training rows") + "; its columns: " + String.join(", ",
                                    table.columns().stream().map(TabularFile.Column::name).toList()));
        }
        TabularFile.Column y = null;
        List<TabularFile.Column> features = new ArrayList<>();
        List<String> text = new ArrayList<>();
        for (TabularFile.Column c : table.columns()) {
            if (c.name().equals(target)) {
                y = c;
            } else if (columns.notAFeature(c.name())) {
                continue; // --exclude, --split-by
            } else if (c.numeric()) {
                features.add(c);
            } else {
                text.add(c.firstText() == null ? c.name() : c.name() + " (" + c.firstText() + ")");
            }
        }
        if (schema != null) { // the model's columns, in its order
            List<TabularFile.Column> byModel = new ArrayList<>();
            for (TableSchema.Column wanted : schema.features()) {
                TabularFile.Column found = features.stream().filter(c -> c.name().equals(wanted.name())).findFirst().orElse(null);
                if (found == null) {
                    throw new IOException(file + " has no numeric column '" + wanted.name() + "', a feature of the model");
                }
                byModel.add(found);
            }
            features = byModel;
            text = List.of();
        }
        if (table.rows() == 0) {
            throw new IOException(file + " has no rows, only its columns");
        }
        if (schema == null) { // a column with no value at all would take every row with it
            List<String> empty = features.stream().filter(c -> java.util.Arrays.stream(c.numbers()).allMatch(Double::isNaN))
                    .map(TabularFile.Column::name).toList();
            if (!empty.isEmpty()) {
                LOG.warn("{}: no value in column(s) {}: not features", file, String.join(", ", empty));
                features = features.stream().filter(c -> !empty.contains(c.name())).toList();
            }
        }
        if (y == null) {
            List<String> names = new ArrayList<>();
            table.columns().forEach(c -> names.add(c.name()));
            throw new IOException(file + " has no column '" + target + "' to learn" + (schema == null ? " (--target)"
                    : ", the model's target") + "; its columns: "
                    + String.join(", ", names) + (table.unreadable().isEmpty() ? ""
                            : "; not readable: " + String.join(", ", table.unreadable())));
        }
        if (features.isEmpty()) {
            throw new IOException(file + " has no numeric column besides the target '" + target + "' to learn from");
        }
        if (!text.isEmpty() || !table.unreadable().isEmpty()) {
            LOG.warn("{}: not features (not numbers): {}", file, String.join(", ",
                    concat(text, table.unreadable())));
        }
        if (task == Task.REGRESSION && !y.numeric()) {
            throw new IOException(file + ": the target '" + target + "' holds text, a regression needs numbers"
                    + " (--task classification learns its values as classes)");
        }
        int[] rows = UsableRows.of(table, y, features, key != null ? key : time);
        if (task == Task.REGRESSION && schema == null) {
            double[] targets = y.numbers();
            double first = targets[rows[0]];
            if (java.util.Arrays.stream(rows).allMatch(r -> targets[r] == first)) {
                throw new IOException(file + ": the target '" + target + "' is " + first + " in every row; a regression"
                        + " needs a target that varies");
            }
        }
        // a classification's classes before the split: a table of one class is refused for that, not for its size
        List<String> names = task == Task.CLASSIFICATION ? schema != null ? schema.classes() : classNames(y, rows, file, target) : null;
        String digest = sha256(file);
        String name = file.getFileName() + " (target " + target + columns.describe() + ")";
        RowSplit.Rows split;
        double[] cutOffs = null; // a split by time's test_from and validation_from
        if (schema == null || schema.splitByRowContent()) {
            SplitRules.Chosen chosen = SplitRules.choose(table, rows, features, y, key, time, schema, digest);
            split = chosen.rows();
            cutOffs = chosen.cutOffs();
            if (chosen.rule() != null) { // a copy, a grown file, another: its test rows by the rule
                name = file.getFileName() + " (target " + target + columns.describe() + ", test rows by " + chosen.rule()
                        + ": not the training file)";
            }
        } else { // a model saved before the split by row content: the file's rows shuffled
            if (schema.source() != null && !schema.source().equals(digest)) {
                // not the file the model was trained on: every row is new to it, none is a training row
                LOG.warn("{} is not the file the model was trained on: all its {} complete rows are scored, rows the model"
                        + " trained on too if the file holds them (a model saved before 2026-12-01; one trained again splits"
                        + " tables by row content)", file, rows.length);
                return scoredWhole(file, target, task, schema, features, y, rows, testLimit);
            }
            split = RowSplit.shuffled(rows, file);
        }
        int[] train = split.train();
        int[] validation = split.validation();
        int[] test = split.test();
        if (trainLimit > 0 && trainLimit < train.length) {
            train = java.util.Arrays.copyOf(train, trainLimit);
        }
        if (testLimit > 0 && testLimit < test.length) {
            test = java.util.Arrays.copyOf(test, testLimit);
        }
        double[][] scaling = schema != null ? schema.features().stream().map(c -> new double[] {c.mean(), c.std()})
                .toArray(double[][]::new) : scaling(features, train);
        List<TableSchema.Column> schemaColumns = new ArrayList<>();
        for (int f = 0; f < features.size(); f++) {
            schemaColumns.add(new TableSchema.Column(features.get(f).name(), scaling[f][0], scaling[f][1]));
        }
        if (task == Task.REGRESSION) {
            return new Dataset(name, false, 1, regression(features, scaling, y, train),
                    regression(features, scaling, y, validation), regression(features, scaling, y, test), task,
                    schema(target, schemaColumns, List.of(), digest, key, time, cutOffs));
        }
        int[] classOf = classOf(y, names);
        if (schema != null) {
            int before = rows.length;
            train = known(train, classOf);
            validation = known(validation, classOf);
            test = known(test, classOf);
            int after = train.length + validation.length + test.length;
            if (after < before) {
                LOG.warn("{}: {} rows have a '{}' the model was not trained on (its classes: {}) and are left out", file,
                        before - after, target, names);
            }
        }
        return new Dataset(name, false, names.size(), labelled(features, scaling, classOf, train),
                labelled(features, scaling, classOf, validation), labelled(features, scaling, classOf, test), task,
                schema(target, schemaColumns, names, digest, key, time, cutOffs));
    }

    /**
     * A file other than the model's training file, read as the model reads tables: every complete row (of a class the
     * model knows) is a test row, and also the rows that calibrate quantized inference (INT8, FP8): there is no split
     * to keep apart.
     */
    private static Dataset scoredWhole(Path file, String target, Task task, TableSchema schema,
            List<TabularFile.Column> features, TabularFile.Column y, int[] rows, int testLimit) throws IOException {
        double[][] scaling = schema.features().stream().map(c -> new double[] {c.mean(), c.std()}).toArray(double[][]::new);
        String name = file.getFileName() + " (target " + target + ", every row: not the training file)";
        if (testLimit > 0 && testLimit < rows.length) {
            rows = java.util.Arrays.copyOf(rows, testLimit);
        }
        if (task == Task.REGRESSION) {
            LabeledData all = regression(features, scaling, y, rows);
            return new Dataset(name, false, 1, all.rows(0, 0), all, all, task, schema);
        }
        int[] classOf = classOf(y, schema.classes());
        int[] known = known(rows, classOf);
        if (known.length < rows.length) {
            LOG.warn("{}: {} rows have a '{}' the model was not trained on (its classes: {}) and are left out", file,
                    rows.length - known.length, target, schema.classes());
        }
        if (known.length == 0) {
            throw new IOException(file + " has no complete row of a class the model knows (" + schema.classes() + ")");
        }
        LabeledData all = labelled(features, scaling, classOf, known);
        return new Dataset(name, false, schema.classes().size(), all.rows(0, 0), all, all, task, schema);
    }

    /** What a model trained on this table keeps of it: its columns, classes, file and the rule of its split. */
    private static TableSchema schema(String target, List<TableSchema.Column> columns, List<String> classes, String digest,
            TabularFile.Column key, TabularFile.Column time, double[] cutOffs) {
        if (time != null) {
            return new TableSchema(target, columns, classes, digest, TimeSplit.NAME, time.name(), cutOffs[0], cutOffs[1]);
        }
        return new TableSchema(target, columns, classes, digest, key != null ? RowSplit.KEY_NAME : RowSplit.NAME,
                key != null ? key.name() : null);
    }

    private static TabularFile.Column column(TabularFile table, String name) {
        return table.columns().stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    /** The file's SHA-256, hex: whether inference reads the very file the model was trained on. */
    static String sha256(Path file) throws IOException {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                d.update(buffer, 0, n);
            }
            return java.util.HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static int[] known(int[] rows, int[] classOf) {
        return java.util.Arrays.stream(rows).filter(r -> classOf[r] >= 0).toArray();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Per feature: the training rows' mean and deviation (1 where the column is constant). */
    private static double[][] scaling(List<TabularFile.Column> features, int[] train) {
        double[][] meanStd = new double[features.size()][2];
        for (int f = 0; f < features.size(); f++) {
            double[] v = features.get(f).numbers();
            double sum = 0;
            for (int r : train) {
                sum += v[r];
            }
            double mean = train.length == 0 ? 0 : sum / train.length;
            double squares = 0;
            for (int r : train) {
                squares += (v[r] - mean) * (v[r] - mean);
            }
            double std = train.length == 0 ? 0 : Math.sqrt(squares / train.length);
            meanStd[f][0] = mean;
            meanStd[f][1] = std > 0 && Double.isFinite(std) ? std : 1;
        }
        return meanStd;
    }

    private static float[] features(List<TabularFile.Column> features, double[][] scaling, int[] rows) {
        int k = features.size();
        float[] x = new float[rows.length * k];
        for (int i = 0; i < rows.length; i++) {
            for (int f = 0; f < k; f++) {
                x[i * k + f] = (float) ((features.get(f).numbers()[rows[i]] - scaling[f][0]) / scaling[f][1]);
            }
        }
        return x;
    }

    private static LabeledData regression(List<TabularFile.Column> features, double[][] scaling, TabularFile.Column y,
            int[] rows) {
        float[] t = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            t[i] = (float) y.numbers()[rows[i]];
        }
        return LabeledData.withTargets(features(features, scaling, rows), t, features.size());
    }

    private static LabeledData labelled(List<TabularFile.Column> features, double[][] scaling, int[] classOf,
            int[] rows) {
        int[] labels = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            labels[i] = classOf[rows[i]];
        }
        return new LabeledData(features(features, scaling, rows), labels, features.size());
    }

    /** The target's distinct values among {@code rows}, in order (numbers by value, text alphabetically), as text. */
    private static List<String> classNames(TabularFile.Column y, int[] rows, Path file, String target) throws IOException {
        List<String> names = new ArrayList<>();
        if (y.numeric()) {
            TreeSet<Double> distinct = new TreeSet<>();
            for (int r : rows) {
                distinct.add(y.numbers()[r]);
            }
            checkCount(distinct.size(), file, target);
            distinct.forEach(v -> names.add(text(v)));
        } else {
            TreeSet<String> distinct = new TreeSet<>();
            for (int r : rows) {
                distinct.add(y.texts()[r]);
            }
            checkCount(distinct.size(), file, target);
            names.addAll(distinct);
        }
        return names;
    }

    /** Each row's class: its target's index in {@code names}; -1 where it is missing or not among them. */
    private static int[] classOf(TabularFile.Column y, List<String> names) {
        java.util.Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
        }
        int n = y.numeric() ? y.numbers().length : y.texts().length;
        int[] classOf = new int[n];
        for (int r = 0; r < n; r++) {
            String v = y.numeric() ? Double.isNaN(y.numbers()[r]) ? null : text(y.numbers()[r]) : y.texts()[r];
            classOf[r] = v == null ? -1 : index.getOrDefault(v, -1);
        }
        return classOf;
    }

    /** A number as a class name: {@code 3} for 3.0, {@code 2.5} for 2.5. */
    private static String text(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static void checkCount(int classes, Path file, String target) throws IOException {
        if (classes > MAX_CLASSES) {
            throw new IOException(file + ": the target '" + target + "' has " + classes + " distinct values, more"
                    + " classes than " + MAX_CLASSES + "; a number to predict is --task regression");
        }
        if (classes < 2) {
            throw new IOException(file + ": the target '" + target + "' has " + classes + " distinct value; a"
                    + " classification needs 2 or more");
        }
    }
}
