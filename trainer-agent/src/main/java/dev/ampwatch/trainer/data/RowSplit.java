package dev.ampwatch.trainer.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
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
 * <p>With a key column ({@code --split-by}) the hash is of the key's value alone, so every row of one key is in one split
 * (no patient, machine or day in both training and test). A row's split is its hash's, never moved: in a tiny table (or
 * one of few keys) chance may leave the test or training split empty, and training refuses it rather than move rows
 * that inference would then split otherwise; with 15 rows (keys) the chance is about 4 %, with 30 under 0.2 %. {@link #shuffled} is the rule of models saved before it (format version 2). Stateless.
 */
final class RowSplit {
    /** What a model file's {@code table.split} says of this rule. */
    static final String NAME = "row-hash";
    /** What {@code table.split} says of a split by a key column's value ({@code table.split_by} names it). */
    static final String KEY_NAME = "key-hash";
    /** Seed of the shuffle that split tables before the split by content (models of format version 2). */
    static final long SHUFFLE_SEED = 0x5EED_2409_07853L;
    private static final long SEED = SHUFFLE_SEED; // the hash's start: part of the contract, as the mixing

    /** The three splits, rows of the file. */
    record Rows(int[] train, int[] validation, int[] test) {}

    private RowSplit() {}

    /**
     * Splits {@code rows} (indices of complete rows) by the hash of {@code features}' and {@code target}'s values, or with
     * a {@code key} column by the hash of its value alone, so rows of one key share a split. Never moves a row from the
     * split its hash gives: inference splits any file by the same rule, so training's split must be the rule's, exactly
     * (a review found a tiny table whose moved row was later scored). {@link TabularData} refuses to train when a split
     * the rule gives is empty.
     */
    static Rows of(int[] rows, List<TabularFile.Column> features, TabularFile.Column target, TabularFile.Column key) {
        long[] hash = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            hash[i] = key != null ? keyHash(rows[i], key) : hash(rows[i], features, target);
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
        return new Rows(train.build().toArray(), validation.build().toArray(), test.build().toArray());
    }

    /** A key's identity: its exact value (numbers unrounded: ids beyond a float's 24 bits stay apart), one zero for ±0. */
    static long keyHash(int row, TabularFile.Column key) {
        long v = key.numeric() ? (key.numbers()[row] == 0 ? 0 : Double.doubleToLongBits(key.numbers()[row]))
                : textBits(key.texts()[row]);
        return mix(KEY_SEED ^ (v + GOLDEN));
    }

    private static final long KEY_SEED = 0x5EED_0000_6B65_79L;

    /** The row's identity: its values as the model reads them, in order. */
    static long hash(int row, List<TabularFile.Column> features, TabularFile.Column target) {
        long h = SEED;
        int i = 0;
        for (TabularFile.Column c : features) {
            h = mix(h ^ (bits(c.numbers()[row]) + GOLDEN * ++i));
        }
        long y = target.numeric() ? bits(target.numbers()[row]) : textBits(target.texts()[row]);
        return mix(h ^ (y + GOLDEN * ++i));
    }

    private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;

    /** A text value: String's hash (fixed by the Java specification) and its length. */
    private static long textBits(String s) {
        return ((long) s.hashCode() << 32) ^ s.length();
    }

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
    static Rows shuffled(int[] complete, Path file) throws IOException {
        int[] rows = complete.clone();
        Random random = new Random(SHUFFLE_SEED);
        for (int i = rows.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = rows[i];
            rows[i] = rows[j];
            rows[j] = t;
        }
        if (rows.length < 3) {
            throw new IOException(file + " has " + rows.length + " complete rows; a training, validation and test"
                    + " split need more");
        }
        int testRows = Math.max(1, rows.length / TabularData.TEST_SHARE);
        int validationRows = (rows.length - testRows) / Dataset.VALIDATION_SHARE;
        return new Rows(Arrays.copyOfRange(rows, testRows + validationRows, rows.length),
                Arrays.copyOfRange(rows, testRows, testRows + validationRows), Arrays.copyOfRange(rows, 0, testRows));
    }
}
