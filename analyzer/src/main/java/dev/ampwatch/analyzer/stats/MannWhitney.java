package dev.ampwatch.analyzer.stats;

import java.util.Arrays;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The two-sided Mann-Whitney U test, computed as {@code scipy.stats.mannwhitneyu(x, y)} does with its
 * defaults ({@code method='auto', use_continuity=True}): the exact null distribution when there are no
 * ties and one sample has at most 8 values, otherwise the normal approximation with the tie-corrected
 * variance and a continuity correction of 0.5. commons-math3's {@code MannWhitneyUTest} always uses the
 * normal approximation without either correction, so it is not used. Immutable.
 *
 * @param u U of {@code x}: the pairs (x_i, y_j) with x_i > y_j, ties counting one half
 * @param p two-sided p-value, at most 1
 * @param exact whether the exact distribution was used
 * @param allTied every value of both samples is equal (p is then 1: ranks carry no information)
 */
record MannWhitney(double u, double p, boolean exact, boolean allTied) {
    static final int EXACT_MAX_SMALLER_SAMPLE = 8;
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    static MannWhitney test(double[] x, double[] y) {
        int n1 = x.length;
        int n2 = y.length;
        int n = n1 + n2;
        double[] all = new double[n];
        System.arraycopy(x, 0, all, 0, n1);
        System.arraycopy(y, 0, all, n1, n2);
        double[] sorted = all.clone();
        Arrays.sort(sorted);
        double tieTerm = 0;
        double rankSumX = 0;
        for (int i = 0; i < n1; i++) {
            rankSumX += averageRank(sorted, x[i]);
        }
        for (int i = 0; i < n; ) {
            int j = i;
            while (j < n && sorted[j] == sorted[i]) {
                j++;
            }
            double t = j - i;
            tieTerm += t * t * t - t;
            i = j;
        }
        double u1 = rankSumX - n1 * (n1 + 1) / 2.0;
        double u = Math.max(u1, (double) n1 * n2 - u1);
        boolean ties = tieTerm > 0;
        if ((n1 <= EXACT_MAX_SMALLER_SAMPLE || n2 <= EXACT_MAX_SMALLER_SAMPLE) && !ties) {
            return new MannWhitney(u1, Math.min(1, 2 * exactUpperTail(n1, n2, (long) u)), true, false);
        }
        double s = Math.sqrt(n1 * (double) n2 / 12 * ((n + 1) - tieTerm / ((double) n * (n - 1))));
        if (!(s > 0)) {
            return new MannWhitney(u1, 1, false, true);
        }
        double z = (u - n1 * (double) n2 / 2 - 0.5) / s;
        return new MannWhitney(u1, Math.min(1, 2 * NORMAL.cumulativeProbability(-z)), false, false);
    }

    /** 1-based rank of {@code v} in {@code sorted}, the mean rank of its ties. */
    private static double averageRank(double[] sorted, double v) {
        int first = lowerBound(sorted, v);
        int last = first;
        while (last + 1 < sorted.length && sorted[last + 1] == v) {
            last++;
        }
        return (first + last) / 2.0 + 1;
    }

    private static int lowerBound(double[] sorted, double v) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * P(U >= u) under the null hypothesis, without ties. The number of arrangements with U = k is the
     * coefficient of q^k in the Gaussian binomial [n1 + n2 choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i)
     * with m the smaller and n the larger sample size: m multiplications and divisions of a polynomial
     * of degree m n. Doubles: the counts can pass 2^63 but only their ratios matter.
     */
    static double exactUpperTail(int n1, int n2, long u) {
        int m = Math.min(n1, n2);
        int n = Math.max(n1, n2);
        int degree = m * n;
        double[] c = new double[degree + 1];
        c[0] = 1;
        for (int i = 1; i <= m; i++) {
            for (int k = degree; k >= n + i; k--) { // times (1 - q^(n+i))
                c[k] -= c[k - n - i];
            }
            for (int k = i; k <= degree; k++) { // over (1 - q^i)
                c[k] += c[k - i];
            }
        }
        double total = 0;
        double tail = 0;
        for (int k = 0; k <= degree; k++) {
            total += c[k];
            if (k >= u) {
                tail += c[k];
            }
        }
        return tail / total;
    }
}
