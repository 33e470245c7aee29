package dev.ampwatch.analyzer.stats;

import dev.ampwatch.schema.AnovaRow;
import dev.ampwatch.schema.AnovaTable;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.commons.math3.special.Beta;

/**
 * Analyses of variance of one response variable over configurations (cells).
 *
 * <p>One-way: the configurations as the groups. Factorial: every factor that takes two or more levels
 * among the cells, with all their interactions, and Type II sums of squares: the sum of squares of a term
 * T is RSS(M) - RSS(M + T), M holding every term that does not contain T; F divides its mean square by the
 * residual mean square of the model with all terms (as {@code car::Anova(type = 2)} and statsmodels'
 * {@code anova_lm(typ=2)}). Type II does not depend on the order of the factors and, unlike Type I, is
 * meaningful for the unbalanced designs sweeps produce when runs fail. The fits run on the cells' means
 * weighted by their run counts: every regressor is constant within a cell, so RSS = the within-cell sum of
 * squares + the weighted RSS of the means, exactly. Stateless.
 */
final class Anova {
    static final String ONE_WAY = "one-way";
    static final String FACTORIAL = "factorial-type-ii";
    static final String RESIDUAL = "residual";
    static final int MAX_COLUMNS = 512;

    /** One cell: its level of each factor of the model, in factor order, and its runs' values. */
    record Cell(List<String> levels, Sample sample) {}

    /** A table, or why there is none. */
    record Outcome(AnovaTable table, String reason) {}

    private Anova() {}

    static Outcome oneWay(Metric metric, List<Cell> cells) {
        int n = cells.stream().mapToInt(c -> c.sample().n()).sum();
        int k = cells.size();
        if (k < 2) {
            return new Outcome(null, "needs two configurations with values, has " + k);
        }
        if (n - k < 1) {
            return new Outcome(null, "no residual degrees of freedom: " + n + " runs in " + k + " configurations");
        }
        double grand = 0;
        for (Cell c : cells) {
            grand += c.sample().mean() * c.sample().n() / n;
        }
        double between = 0;
        for (Cell c : cells) {
            double d = c.sample().mean() - grand;
            between += c.sample().n() * d * d;
        }
        double within = within(cells);
        List<AnovaRow> rows = new ArrayList<>();
        rows.add(row("configuration", k - 1, between, within, n - k, negligible(cells, within)));
        rows.add(residual(n - k, within, negligible(cells, within)));
        return new Outcome(table(ONE_WAY, metric, List.of("configuration"), rows), null);
    }

    /** Factorial Type II ANOVA of {@code factors} (the names of the cells' levels, in order). */
    static Outcome typeTwo(Metric metric, List<String> factors, List<Cell> cells) {
        List<Integer> used = new ArrayList<>();
        List<List<String>> levels = new ArrayList<>();
        for (int f = 0; f < factors.size(); f++) {
            TreeSet<String> seen = new TreeSet<>();
            for (Cell c : cells) {
                seen.add(c.levels().get(f));
            }
            if (seen.size() > 1) {
                used.add(f);
                levels.add(List.copyOf(seen));
            }
        }
        if (used.size() < 2) {
            return new Outcome(null, "needs two factors that vary, has " + used.size()
                    + " (the one-way ANOVA covers one)");
        }
        int terms = (1 << used.size()) - 1;
        List<Integer> order = new ArrayList<>();
        for (int size = 1; size <= used.size(); size++) {
            for (int t = 1; t <= terms; t++) {
                if (Integer.bitCount(t) == size) {
                    order.add(t);
                }
            }
        }
        double[][][] columns = new double[terms + 1][][];
        int total = 1;
        for (int t : order) {
            columns[t] = columns(t, used, levels, cells);
            total += columns[t].length;
        }
        if (total > MAX_COLUMNS) {
            return new Outcome(null, "too many cells for a full factorial model: " + total + " columns (limit "
                    + MAX_COLUMNS + ")");
        }
        int n = cells.stream().mapToInt(c -> c.sample().n()).sum();
        double within = within(cells);
        LeastSquares.Fit full = fit(order, columns, cells, within);
        int residualDf = n - full.rank();
        if (residualDf < 1) {
            return new Outcome(null, "no residual degrees of freedom: " + n + " runs, " + full.rank() + " parameters");
        }
        double negligible = negligible(cells, within);
        List<AnovaRow> rows = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int f : used) {
            names.add(factors.get(f));
        }
        for (int t : order) {
            List<Integer> base = new ArrayList<>();
            for (int s : order) {
                if ((s & t) != t) {
                    base.add(s);
                }
            }
            LeastSquares.Fit without = fit(base, columns, cells, within);
            base.add(t);
            LeastSquares.Fit with = fit(base, columns, cells, within);
            rows.add(row(name(t, names), with.rank() - without.rank(), Math.max(0, without.rss() - with.rss()),
                    full.rss(), residualDf, negligible));
        }
        rows.add(residual(residualDf, full.rss(), negligible));
        return new Outcome(table(FACTORIAL, metric, names, rows), null);
    }

    /** Indicator products of the term's factors, one column per combination of their non-first levels. */
    private static double[][] columns(int term, List<Integer> used, List<List<String>> levels, List<Cell> cells) {
        List<double[]> out = new ArrayList<>();
        out.add(ones(cells.size()));
        for (int i = 0; i < used.size(); i++) {
            if ((term & (1 << i)) == 0) {
                continue;
            }
            List<double[]> next = new ArrayList<>();
            List<String> ls = levels.get(i);
            for (double[] partial : out) {
                for (String level : ls.subList(1, ls.size())) {
                    double[] col = new double[cells.size()];
                    for (int c = 0; c < cells.size(); c++) {
                        col[c] = cells.get(c).levels().get(used.get(i)).equals(level) ? partial[c] : 0;
                    }
                    next.add(col);
                }
            }
            out = next;
        }
        return out.toArray(new double[0][]);
    }

    private static LeastSquares.Fit fit(List<Integer> terms, double[][][] columns, List<Cell> cells, double within) {
        List<double[]> design = new ArrayList<>();
        design.add(ones(cells.size()));
        for (int t : terms) {
            design.addAll(List.of(columns[t]));
        }
        double[] y = new double[cells.size()];
        double[] w = new double[cells.size()];
        for (int c = 0; c < cells.size(); c++) {
            y[c] = cells.get(c).sample().mean();
            w[c] = cells.get(c).sample().n();
        }
        LeastSquares.Fit f = LeastSquares.fit(design.toArray(new double[0][]), y, w);
        return new LeastSquares.Fit(f.rss() + within, f.rank());
    }

    private static double within(List<Cell> cells) {
        double within = 0;
        for (Cell c : cells) {
            within += c.sample().variance() * (c.sample().n() - 1);
        }
        return within;
    }

    /**
     * A residual sum of squares at or below this is rounding, not variance: {@link #NEGLIGIBLE} of the values' uncentered
     * sum of squares (values alike to about 1e-13 of their size; a re-check found 1e-20 called values 1e-11 apart
     * identical). The least-squares fits leave ~1e-32 of it or less where every
     * configuration's runs are identical: a review (2026-12-02) got F = 1.9e32, p = 0 for a test accuracy of exactly 0.8
     * in all 39 runs, and F = 1e60 for durations identical within each configuration, where the one-way table (whose
     * within-configuration sum is exactly 0 then) gave the reason.
     */
    private static double negligible(List<Cell> cells, double within) {
        double total = within;
        for (Cell c : cells) {
            total += c.sample().n() * c.sample().mean() * c.sample().mean();
        }
        return NEGLIGIBLE * total;
    }

    static final double NEGLIGIBLE = 1e-26;

    private static AnovaRow row(String term, int df, double rawSs, double residualSs, int residualDf, double negligible) {
        double ss = rawSs > negligible ? rawSs : 0; // the fits' rounding is no sum of squares
        AnovaRow.Builder b = AnovaRow.newBuilder().setTerm(term).setDf(df).setSumOfSquares(ss);
        if (df == 0) {
            return b.setReason("not estimable from these runs: the configurations do not separate it from the"
                    + " other terms").build();
        }
        b.setMeanSquare(ss / df);
        if (!(residualSs > negligible)) {
            return b.setReason("zero residual variance: every configuration's runs are identical").build();
        }
        double f = (ss / df) / (residualSs / residualDf);
        return b.setF(f).setPValue(fUpperTail(f, df, residualDf)).build();
    }

    private static AnovaRow residual(int df, double rawSs, double negligible) {
        double ss = rawSs > negligible ? rawSs : 0;
        return AnovaRow.newBuilder().setTerm(RESIDUAL).setDf(df).setSumOfSquares(ss).setMeanSquare(ss / df).build();
    }

    /** P(F > f) as a regularized incomplete beta, accurate for tiny p-values where 1 - cdf is not. */
    static double fUpperTail(double f, double df1, double df2) {
        return Beta.regularizedBeta(df2 / (df2 + df1 * f), df2 / 2, df1 / 2, 1e-16, Integer.MAX_VALUE);
    }

    private static AnovaTable table(String kind, Metric metric, List<String> factors, List<AnovaRow> rows) {
        return AnovaTable.newBuilder().setKind(kind).setMetric(metric.id()).setUnit(metric.unit())
                .setFactors(List.copyOf(factors)).setRows(rows).build();
    }

    private static String name(int term, List<String> names) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if ((term & (1 << i)) != 0) {
                parts.add(names.get(i));
            }
        }
        return String.join(":", parts);
    }

    private static double[] ones(int n) {
        double[] one = new double[n];
        java.util.Arrays.fill(one, 1);
        return one;
    }
}
