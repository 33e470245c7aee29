package dev.ampwatch.analyzer.stats;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Holm's step-down adjustment (1979): controls the family-wise error rate at alpha for any dependence
 * between the tests, and rejects at least what Bonferroni rejects. The family is the caller's choice.
 */
final class Holm {
    private Holm() {}

    /**
     * The adjusted p-values, in the order given: sorted ascending, the i-th smallest (0-based) becomes
     * max over j <= i of min(1, (m - j) p_(j)), so adjusted values keep the order of the raw ones.
     */
    static double[] adjust(double[] p) {
        int m = p.length;
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> p[i]));
        double[] adjusted = new double[m];
        double running = 0;
        for (int rank = 0; rank < m; rank++) {
            running = Math.max(running, Math.min(1, (m - rank) * p[order[rank]]));
            adjusted[order[rank]] = running;
        }
        return adjusted;
    }
}
