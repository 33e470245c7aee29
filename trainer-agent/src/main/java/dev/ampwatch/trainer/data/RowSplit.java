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
 * <p>With a key column ({@code --split-by}) the hash is of the key's value alone, so every row of one key is in one split
 * (no patient, machine or day in both training and test). In a tiny training table (or one of few keys) chance may
 * leave a split empty: then the training rows of the smallest hash become test rows, and with no training row the
 * validation (else test) rows of the largest hash train; a table of 15 rows (keys) or more rarely needs either. {@link #shuffled} is the rule of models saved before it (format version 2). Stateless.
 */
final class RowSplit {
    /** What a model file's {@code table.split} says of this rule. */
    static final String NAME = "row-hash";
    /** What {@code table.split} says of a split by a key column's value ({@code table.split_by} names it). */
    static final String KEY_NAME = "key-hash";
    private static final long SEED = 0x5EED_2409_07853L; // the hash's start: part of the contract, as the mixing
    /** Seed of the shuffle that split tables before the split by content (models of format version 2). */
    static final long SHUFFLE_SEED = 0x5EED_2409_07853L;

    /** The three splits, rows of the file. */
    record Rows(int[] train, int[] validation, int[] test) {}

    private RowSplit() {}

    /**
     * Splits {@code rows} (indices of complete rows) by the hash of {@code features}' and {@code target}'s values, or with
     * a {@code key} column by the hash of its value alone, so rows of one key share a split. For training
     * ({@code training}) a tiny table's empty split takes rows of another (below); inference never moves a row, which
     * might be one the model trained on.
     */
    static Rows of(int[] rows, List<TabularFile.Column> features, TabularFile.Column target, TabularFile.Column key,
            boolean training) {
        long[] hash = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            hash[i] = key != null ? keyHash(rows[i], key) : hash(rows[i], features, target);
        }
        Integer[] order = IntStream.range(0, rows.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingLong(i -> hash[i]).thenComparingInt(i -> rows[i]));
        int[] sorted = new int[rows.length];
        long[] sortedHash = new long[rows.length];
        int[] split = new int[rows.length]; // 0 train, 1 validation, 2 test
        for (int n = 0; n < rows.length; n++) {
            sorted[n] = rows[order[n]];
            sortedHash[n] = hash[order[n]];
            long h = sortedHash[n];
            split[n] = Long.remainderUnsigned(h, TabularData.TEST_SHARE) == 0 ? 2
                    : Long.remainderUnsigned(Long.divideUnsigned(h, TabularData.TEST_SHARE), Dataset.VALIDATION_SHARE) == 0 ? 1 : 0;
        }
        if (training) {
            nonEmpty(sortedHash, split);
        }
        return new Rows(pick(sorted, split, 0), pick(sorted, split, 1), pick(sorted, split, 2));
    }

    private static int[] pick(int[] sorted, int[] split, int which) {
        return IntStream.range(0, sorted.length).filter(n -> split[n] == which).map(n -> sorted[n]).toArray();
    }

    /**
     * At least one test and one training row where the table allows (a tiny table, or few keys, by chance): the training
     * group of the smallest hash becomes test rows; with no training row, the validation (else test) group of the
     * largest hash trains. A group is every row of one hash (one key, or identical rows), so a group never straddles.
     */
    private static void nonEmpty(long[] hash, int[] split) {
        if (Arrays.stream(split).noneMatch(v -> v == 2)) {
            int first = IntStream.range(0, split.length).filter(n -> split[n] == 0).findFirst().orElse(-1);
            boolean otherTraining = first >= 0 && IntStream.range(0, split.length).anyMatch(n -> split[n] == 0 && hash[n] != hash[first]);
            if (otherTraining) {
                move(hash, split, first, 2);
            }
        }
        if (Arrays.stream(split).noneMatch(v -> v == 0)) {
            for (int from : new int[] {1, 2}) {
                int last = IntStream.range(0, split.length).map(n -> split.length - 1 - n).filter(n -> split[n] == from)
                        .findFirst().orElse(-1);
                boolean otherLeft = last >= 0 && IntStream.range(0, split.length).anyMatch(n -> split[n] == from && hash[n] != hash[last]);
                if (last >= 0 && (from == 1 || otherLeft)) {
                    move(hash, split, last, 0);
                    break;
                }
            }
        }
    }

    /** Every row of {@code at}'s hash (its group) into split {@code to}. */
    private static void move(long[] hash, int[] split, int at, int to) {
        long h = hash[at];
        int from = split[at];
        for (int n = 0; n < split.length; n++) {
            if (hash[n] == h && split[n] == from) {
                split[n] = to;
            }
        }
    }

    /** A key's identity: its exact value (numbers unrounded: ids beyond a float's 24 bits stay apart), one zero for ±0. */
    static long keyHash(int row, TabularFile.Column key) {
        long v = key.numeric() ? (key.numbers()[row] == 0 ? 0 : Double.doubleToLongBits(key.numbers()[row]))
                : ((long) key.texts()[row].hashCode() << 32) ^ key.texts()[row].length();
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
