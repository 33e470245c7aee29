package dev.ampwatch.trainer.data;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A table's split decided by each row's content: a 64-bit hash of the row's values (the model's feature columns in its
 * order, then the target) puts it in the test split when it is 0 modulo {@link TabularData#TEST_SHARE}, else in the
 * validation split when its quotient is 0 modulo {@link Dataset#VALIDATION_SHARE}, else in the training split. So the
 * same row is a test row in every file that holds it, whatever the file's order, its other rows or its other columns:
 * a table saved again by another program, reordered, or grown by new rows is scored on test rows only, never on a
 * row the model was trained on. Numbers are hashed as the model sees them, rounded to float (a Parquet float column and
 * a CSV of the same values are the same rows); identical rows share a split, so a duplicate cannot leak from training
 * into the test. Within a split rows are in hash order (a file's order never matters; {@code --train-limit} and
 * {@code --test-limit} keep a content-chosen subset).
 *
 * <p>In a tiny training table chance may leave a split empty: then the training row of the smallest hash becomes the test row,
 * and with no training row the validation (else test) row of the largest hash trains; a table of 15 rows or more
 * rarely needs either. {@link #shuffled} is the rule of models saved before it (format version 2). Stateless.
 */
final class RowSplit {
    /** What a model file's {@code table.split} says of this rule. */
    static final String NAME = "row-hash";
    private static final long SEED = 0x5EED_2409_07853L; // the hash's start: part of the contract, as the mixing
    /** Seed of the shuffle that split tables before the split by content (models of format version 2). */
    static final long SHUFFLE_SEED = 0x5EED_2409_07853L;

    /** The three splits, rows of the file. */
    record Rows(int[] train, int[] validation, int[] test) {}

    private RowSplit() {}

    /**
     * Splits {@code rows} (indices of complete rows) by the hash of {@code features}' and {@code target}'s values. For
     * training ({@code training}) a tiny table's empty split takes a row of another (below); inference never moves a row,
     * which might be one the model trained on.
     */
    static Rows of(int[] rows, List<TabularFile.Column> features, TabularFile.Column target, boolean training) {
        long[] hash = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            hash[i] = hash(rows[i], features, target);
        }
        Integer[] order = IntStream.range(0, rows.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingLong(i -> hash[i]).thenComparingInt(i -> rows[i]));
        IntStream.Builder train = IntStream.builder();
        IntStream.Builder validation = IntStream.builder();
        IntStream.Builder test = IntStream.builder();
        for (int i : order) {
            long h = hash[i];
            if (Long.remainderUnsigned(h, TabularData.TEST_SHARE) == 0) {
                test.add(rows[i]);
            } else if (Long.remainderUnsigned(Long.divideUnsigned(h, TabularData.TEST_SHARE), Dataset.VALIDATION_SHARE) == 0) {
                validation.add(rows[i]);
            } else {
                train.add(rows[i]);
            }
        }
        Rows split = new Rows(train.build().toArray(), validation.build().toArray(), test.build().toArray());
        return training ? nonEmpty(split) : split;
    }

    /** At least one test and one training row where there are 2 rows or more (a tiny table, by chance). */
    private static Rows nonEmpty(Rows r) {
        int[] train = r.train();
        int[] validation = r.validation();
        int[] test = r.test();
        if (test.length == 0 && train.length > 1) {
            test = new int[] {train[0]};
            train = Arrays.copyOfRange(train, 1, train.length);
        }
        if (train.length == 0 && validation.length > 0) {
            train = new int[] {validation[validation.length - 1]};
            validation = Arrays.copyOf(validation, validation.length - 1);
        } else if (train.length == 0 && test.length > 1) {
            train = new int[] {test[test.length - 1]};
            test = Arrays.copyOf(test, test.length - 1);
        }
        return new Rows(train, validation, test);
    }

    /** The row's identity: its values as the model reads them, in order. */
    static long hash(int row, List<TabularFile.Column> features, TabularFile.Column target) {
        long h = SEED;
        int i = 0;
        for (TabularFile.Column c : features) {
            h = mix(h ^ (bits(c.numbers()[row]) + GOLDEN * ++i));
        }
        long y = target.numeric() ? bits(target.numbers()[row])
                : ((long) target.texts()[row].hashCode() << 32) ^ target.texts()[row].length();
        return mix(h ^ (y + GOLDEN * ++i));
    }

    private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;

    /** A value as the model sees it (a float), one zero for +0 and -0. */
    private static long bits(double v) {
        float f = (float) v;
        return f == 0f ? 0 : Float.floatToIntBits(f);
    }

    /** SplitMix64's finalizer: every input bit moves every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The split of models saved before 2026-12-01 (format version 2): the complete rows shuffled with {@link #SHUFFLE_SEED},
     * a fifth (at least one) the test split, one in {@link Dataset#VALIDATION_SHARE} of the rest validation. It depends on
     * the file's order and row count, so only the very training file is split again this way.
     */
    static Rows shuffled(int[] complete, java.nio.file.Path file) throws java.io.IOException {
        int[] rows = complete.clone();
        java.util.Random random = new java.util.Random(SHUFFLE_SEED);
        for (int i = rows.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = rows[i];
            rows[i] = rows[j];
            rows[j] = t;
        }
        if (rows.length < 3) {
            throw new java.io.IOException(file + " has " + rows.length + " complete rows; a training, validation and test"
                    + " split need more");
        }
        int testRows = Math.max(1, rows.length / TabularData.TEST_SHARE);
        int validationRows = (rows.length - testRows) / Dataset.VALIDATION_SHARE;
        return new Rows(java.util.Arrays.copyOfRange(rows, testRows + validationRows, rows.length),
                java.util.Arrays.copyOfRange(rows, testRows, testRows + validationRows), java.util.Arrays.copyOfRange(rows, 0, testRows));
    }
}
