package dev.ampwatch.trainer.data;

/**
 * Samples with what the model should learn of them: {@code features} is {@code size x featureCount} row-major;
 * {@code labels} holds one class per row (classification) or {@code targets} one value per row (regression),
 * the other being null.
 *
 * <p>The arrays are shared, not copied, for speed with 60 000 x 784 values: callers must not
 * modify them. Safe to read from several threads.
 */
public record LabeledData(float[] features, int[] labels, float[] targets, int featureCount) {
    public LabeledData {
        if ((labels == null) == (targets == null)) {
            throw new IllegalArgumentException("samples need either class labels or regression targets");
        }
        int rows = labels != null ? labels.length : targets.length;
        if (featureCount < 1 || features.length != (long) rows * featureCount) {
            throw new IllegalArgumentException("features hold " + features.length + " values, expected "
                    + rows + " x " + featureCount);
        }
    }

    /** Samples with class labels. */
    public LabeledData(float[] features, int[] labels, int featureCount) {
        this(features, labels, null, featureCount);
    }

    /** Samples with regression targets. */
    public static LabeledData withTargets(float[] features, float[] targets, int featureCount) {
        return new LabeledData(features, null, targets, featureCount);
    }

    public int size() {
        return labels != null ? labels.length : targets.length;
    }

    /** A copy of rows {@code from} (inclusive) to {@code to} (exclusive). */
    public LabeledData rows(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IndexOutOfBoundsException("rows " + from + ".." + to + " of " + size());
        }
        float[] x = new float[(to - from) * featureCount];
        System.arraycopy(features, from * featureCount, x, 0, x.length);
        if (labels == null) {
            float[] t = new float[to - from];
            System.arraycopy(targets, from, t, 0, t.length);
            return withTargets(x, t, featureCount);
        }
        int[] y = new int[to - from];
        System.arraycopy(labels, from, y, 0, y.length);
        return new LabeledData(x, y, featureCount);
    }
}
