package dev.ampwatch.bench.throughput;

import java.util.Arrays;

/** Collected values (milliseconds) and their nearest-rank percentiles. Not thread-safe. */
final class Percentiles {
    private double[] values = new double[1024];
    private int size;

    void add(double v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    int count() {
        return size;
    }

    /** The share (0..1) of values above {@code v}. */
    double shareAbove(double v) {
        long n = 0;
        for (int i = 0; i < size; i++) {
            n += values[i] > v ? 1 : 0;
        }
        return size == 0 ? Double.NaN : (double) n / size;
    }

    /** The p-th percentile (0 < p <= 100); NaN when empty. */
    double at(double p) {
        if (size == 0) {
            return Double.NaN;
        }
        double[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * size);
        return sorted[Math.max(0, Math.min(size - 1, rank - 1))];
    }
}
