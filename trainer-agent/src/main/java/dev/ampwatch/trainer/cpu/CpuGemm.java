package dev.ampwatch.trainer.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Multi-threaded single-precision matrix multiply on row-major arrays, {@code C = A B} (or
 * {@code C += A B}), with {@code A} m x k, {@code B} k x n, {@code C} m x n.
 *
 * <p>Rows of C are split into blocks run on a private ForkJoinPool. Within a row the loop order is
 * i-p-j: the inner loop streams a row of B into a row of C, which is contiguous and which the JIT
 * vectorizes. Zero entries of A are skipped, cheap sparsity from ReLU and from blank image pixels.
 * Each row of C is produced by one thread in a fixed order, so the result does not depend on the
 * number of threads.
 *
 * <p>Thread-safe for concurrent calls on distinct output arrays; {@link #close()} stops the pool.
 */
public final class CpuGemm implements AutoCloseable {
    /** Below this many multiply-adds forking costs more than it saves. */
    private static final long MIN_PARALLEL_WORK = 1L << 15;

    private final int threads;
    private final ForkJoinPool pool;

    public CpuGemm(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    public int threads() {
        return threads;
    }

    /** {@code C = A B}, or {@code C += A B} when {@code accumulate}. */
    public void multiply(float[] a, float[] b, float[] c, int m, int k, int n, boolean accumulate) {
        if (pool == null || (long) m * k * n < MIN_PARALLEL_WORK || m < 2) {
            rows(a, b, c, 0, m, k, n, accumulate);
            return;
        }
        // a few blocks per thread evens out the zero-skipping imbalance between rows
        int block = Math.max(1, (m + threads * 4 - 1) / (threads * 4));
        pool.invoke(new RowBlock(a, b, c, 0, m, k, n, accumulate, block));
    }

    /** A piece of work over rows {@code [from, to)}; calls for disjoint ranges may run at once. */
    @FunctionalInterface
    public interface RowRange {
        void run(int from, int to);
    }

    /**
     * Runs {@code work} over rows {@code [0, rows)} split into blocks on this pool's threads (a few blocks per
     * thread), or on the caller's thread with one thread; returns when every block is done.
     */
    public void forEachRowBlock(int rows, RowRange work) {
        if (pool == null || rows < 2) {
            work.run(0, rows);
            return;
        }
        int block = Math.max(1, (rows + threads * 4 - 1) / (threads * 4));
        pool.invoke(new RangeBlock(work, 0, rows, block));
    }

    private static final class RangeBlock extends RecursiveAction {
        private final RowRange work;
        private final int from;
        private final int to;
        private final int block;

        RangeBlock(RowRange work, int from, int to, int block) {
            this.work = work;
            this.from = from;
            this.to = to;
            this.block = block;
        }

        @Override
        protected void compute() {
            if (to - from <= block) {
                work.run(from, to);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new RangeBlock(work, from, mid, block), new RangeBlock(work, mid, to, block));
        }
    }

    /** {@code dst (cols x rows) = transpose of src (rows x cols)}. */
    public static void transpose(float[] src, int rows, int cols, float[] dst) {
        final int tile = 32; // keeps both the read and the write side within a few cache lines
        for (int r0 = 0; r0 < rows; r0 += tile) {
            int r1 = Math.min(rows, r0 + tile);
            for (int c0 = 0; c0 < cols; c0 += tile) {
                int c1 = Math.min(cols, c0 + tile);
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        dst[c * rows + r] = src[r * cols + c];
                    }
                }
            }
        }
    }

    static void rows(float[] a, float[] b, float[] c, int from, int to, int k, int n, boolean accumulate) {
        for (int i = from; i < to; i++) {
            int ci = i * n;
            if (!accumulate) {
                java.util.Arrays.fill(c, ci, ci + n, 0f);
            }
            int ai = i * k;
            for (int p = 0; p < k; p++) {
                float av = a[ai + p];
                if (av == 0f) {
                    continue;
                }
                int bi = p * n;
                for (int j = 0; j < n; j++) {
                    c[ci + j] += av * b[bi + j];
                }
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }

    private static final class RowBlock extends RecursiveAction {
        private final float[] a;
        private final float[] b;
        private final float[] c;
        private final int from;
        private final int to;
        private final int k;
        private final int n;
        private final boolean accumulate;
        private final int block;

        RowBlock(float[] a, float[] b, float[] c, int from, int to, int k, int n, boolean accumulate, int block) {
            this.a = a;
            this.b = b;
            this.c = c;
            this.from = from;
            this.to = to;
            this.k = k;
            this.n = n;
            this.accumulate = accumulate;
            this.block = block;
        }

        @Override
        protected void compute() {
            if (to - from <= block) {
                rows(a, b, c, from, to, k, n, accumulate);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new RowBlock(a, b, c, from, mid, k, n, accumulate, block),
                    new RowBlock(a, b, c, mid, to, k, n, accumulate, block));
        }
    }
}
