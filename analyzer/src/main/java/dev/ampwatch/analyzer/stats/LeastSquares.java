package dev.ampwatch.analyzer.stats;

/**
 * Weighted least squares that tolerates a rank-deficient design (an unbalanced or incomplete factorial
 * has aliased interaction columns): modified Gram-Schmidt with a second orthogonalization pass, dropping
 * every column whose remainder is below 1e-10 of its own norm, as R's {@code lm} drops aliased
 * coefficients. Only the residual sum of squares and the rank are needed for nested-model F tests,
 * and both depend on the column space alone, not on how the factors are coded. Stateless.
 */
final class LeastSquares {
    private static final double ALIASED = 1e-10;

    /** Residual sum of squares and rank of one fit. */
    record Fit(double rss, int rank) {}

    private LeastSquares() {}

    /**
     * Fits {@code y ~ columns} with row weights {@code w} (a row stands for w observations at y).
     *
     * @param columns the design, column-major: {@code columns[j][i]} is column j at row i
     */
    static Fit fit(double[][] columns, double[] y, double[] w) {
        int rows = y.length;
        double[] sqrtW = new double[rows];
        double[] r = new double[rows];
        for (int i = 0; i < rows; i++) {
            sqrtW[i] = Math.sqrt(w[i]);
            r[i] = y[i] * sqrtW[i];
        }
        double[][] basis = new double[columns.length][];
        int rank = 0;
        for (double[] column : columns) {
            double[] v = new double[rows];
            for (int i = 0; i < rows; i++) {
                v[i] = column[i] * sqrtW[i];
            }
            double norm = norm(v);
            if (norm == 0) {
                continue;
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < rank; k++) {
                    subtractProjection(v, basis[k]);
                }
            }
            double rest = norm(v);
            if (rest <= ALIASED * norm) {
                continue;
            }
            for (int i = 0; i < rows; i++) {
                v[i] /= rest;
            }
            basis[rank++] = v;
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < rank; k++) {
                subtractProjection(r, basis[k]);
            }
        }
        double rss = 0;
        for (double v : r) {
            rss += v * v;
        }
        return new Fit(rss, rank);
    }

    private static void subtractProjection(double[] v, double[] unit) {
        double dot = 0;
        for (int i = 0; i < v.length; i++) {
            dot += v[i] * unit[i];
        }
        for (int i = 0; i < v.length; i++) {
            v[i] -= dot * unit[i];
        }
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
