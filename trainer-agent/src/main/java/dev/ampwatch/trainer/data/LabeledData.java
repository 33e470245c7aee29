package dev.ampwatch.trainer.data;

/**
 * Samples with class labels: {@code features} is {@code size x featureCount} row-major with values
 * in [0, 1], {@code labels} holds one class per row.
 *
 * <p>The arrays are shared, not copied, for speed with 60 000 x 784 values: callers must not
 * modify them. Safe to read from several threads.
 */
public record LabeledData(float[] features, int[] labels, int featureCount) {
    public LabeledData {
        if (featureCount < 1 || features.length != (long) labels.length * featureCount) {
            throw new IllegalArgumentException("features hold " + features.length + " values, expected "
                    + labels.length + " x " + featureCount);
        }
    }

    public int size() {
        return labels.length;
    }

    /** A copy of rows {@code from} (inclusive) to {@code to} (exclusive). */
    public LabeledData rows(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IndexOutOfBoundsException("rows " + from + ".." + to + " of " + size());
        }
        float[] x = new float[(to - from) * featureCount];
        System.arraycopy(features, from * featureCount, x, 0, x.length);
        int[] y = new int[to - from];
        System.arraycopy(labels, from, y, 0, y.length);
        return new LabeledData(x, y, featureCount);
    }
}
