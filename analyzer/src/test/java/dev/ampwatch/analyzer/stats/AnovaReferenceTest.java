package dev.ampwatch.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.AnovaRow;
import dev.ampwatch.schema.AnovaTable;
import dev.ampwatch.schema.ExperimentStats;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One-way and Type II factorial ANOVA against scipy.stats.f_oneway and Type II sums of squares from
 * nested OLS fits in numpy (lstsq on per-run rows, treatment-coded dummies), by this script:
 *
 * <pre>{@code
 * import itertools
 * import numpy as np
 * from scipy import stats
 * def type2(cells, names):
 *     """cells: list of (levels tuple, values). Type II SS by nested OLS on per-run rows (numpy lstsq)."""
 *     rows = [(lv, v) for lv, vals in cells for v in vals]
 *     y = np.array([v for _, v in rows]); N = len(y); k = len(names)
 *     levels = [sorted({lv[f] for lv, _ in rows}) for f in range(k)]
 *     def cols(term):                      # treatment-coded indicator products
 *         out = [np.ones(N)]
 *         for f in term:
 *             out = [c * np.array([lv[f] == l for lv, _ in rows], float) for c in out for l in levels[f][1:]]
 *         return out
 *     terms = [t for r in range(1, k + 1) for t in itertools.combinations(range(k), r)]
 *     def fit(ts):
 *         X = np.column_stack([np.ones(N)] + [c for t in ts for c in cols(t)])
 *         beta, _, rank, _ = np.linalg.lstsq(X, y, rcond=None)
 *         r = y - X @ beta
 *         return r @ r, rank
 *     rss_full, rank_full = fit(terms); df_res = N - rank_full
 *     out = []
 *     for t in terms:
 *         base = [s for s in terms if not set(t) <= set(s)]
 *         r0, k0 = fit(base); r1, k1 = fit(base + [t])
 *         ss, df = r0 - r1, k1 - k0
 *         F = ss / df / (rss_full / df_res)
 *         out.append((":".join(names[f] for f in t), df, ss, F, stats.f.sf(F, df, df_res)))
 *     out.append(("residual", df_res, rss_full))
 *     return out
 * def one_way(cells):
 *     f = stats.f_oneway(*[np.array(v) for _, v in cells])
 *     n = sum(len(v) for _, v in cells); k = len(cells)
 *     grand = np.mean([x for _, v in cells for x in v])
 *     ssb = sum(len(v) * (np.mean(v) - grand) ** 2 for _, v in cells)
 *     ssw = sum(((np.array(v) - np.mean(v)) ** 2).sum() for _, v in cells)
 *     return (k - 1, ssb, n - k, ssw, f.statistic, f.pvalue)
 * TWO_BY_TWO = [(("amp-fp16", "128"), [131.2, 129.8, 133.0]),
 *               (("amp-fp16", "32"), [101.5, 99.7, 103.1, 100.4]),
 *               (("fp32", "128"), [126.9, 128.4, 125.1, 127.7, 126.2]),
 *               (("fp32", "32"), [108.8, 110.6])]
 * TWO_BY_TWO_BY_TWO = [(("amp-fp16", "128", "256"), [140.1, 138.7]),
 *                      (("amp-fp16", "128", "512"), [171.0, 168.2, 169.9]),
 *                      (("amp-fp16", "32", "256"), [96.4, 98.9, 97.1]),
 *                      (("amp-fp16", "32", "512"), [118.3, 121.0]),
 *                      (("fp32", "128", "256"), [135.2, 137.9, 136.0]),
 *                      (("fp32", "128", "512"), [160.4, 163.1]),
 *                      (("fp32", "32", "256"), [104.8, 102.9]),
 *                      (("fp32", "32", "512"), [131.7, 129.5, 133.2])]
 * for name, cells, names in [("2x2", TWO_BY_TWO, ["precision", "batch_size"]),
 *                            ("2x2x2", TWO_BY_TWO_BY_TWO, ["precision", "batch_size", "hidden_units"])]:
 *     print(name, "one-way (df, SS, df_res, SS_res, F, p):", [float(v) for v in one_way(cells)])
 *     for row in type2(cells, names):
 *         print(name, row[0], [float(v) for v in row[1:]])
 * # output:
 * # 2x2 one-way (df, SS, df_res, SS_res, F, p): [3.0, 2195.922404761907, 10.0, 19.966166666666627, 366.607244715955, 1.6017340358456622e-10]
 * # 2x2 precision [1.0, 2.7663690476190084, 1.3855283759788712, 0.2664183334065094]
 * # 2x2 batch_size [1.0, 1848.1964285714287, 925.6641294380155, 3.4470192353291275e-11]
 * # 2x2 precision:batch_size [1.0, 131.65454761904778, 65.93882031388834, 1.0329793392259486e-05]
 * # 2x2 residual [10.0, 19.966166666666627]
 * # 2x2x2 one-way (df, SS, df_res, SS_res, F, p): [7.0, 11658.890500000007, 12.0, 28.155000000000015, 709.8799299794797, 9.695380777123822e-15]
 * # 2x2x2 precision [1.0, 15.62408333333326, 6.659172438288015, 0.024073920690758106]
 * # 2x2x2 batch_size [1.0, 7187.364083333333, 3063.341111703071, 7.975671472521361e-16]
 * # 2x2x2 hidden_units [1.0, 3338.020083333333, 1422.7043509145792, 7.751532427373148e-14]
 * # 2x2x2 precision:batch_size [1.0, 255.50008333333355, 108.89721186290184, 2.2554786917283046e-07]
 * # 2x2x2 precision:hidden_units [1.0, 0.0800833333335973, 0.03413248090936485, 0.8565108856074253]
 * # 2x2x2 batch_size:hidden_units [1.0, 10.38408333333345, 4.425821346119743, 0.05716156633751754]
 * # 2x2x2 precision:batch_size:hidden_units [1.0, 32.13675000000016, 13.697069792221695, 0.0030304762246844323]
 * # 2x2x2 residual [12.0, 28.155000000000012]
 * }</pre>
 */
class AnovaReferenceTest {
    static final double TOL = 1e-6;

    @Test
    void unbalancedTwoByTwoOfPrecisionAndBatchSize() {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs()
                .add("amp-fp16", 128, 131.2, 129.8, 133.0)
                .add("amp-fp16", 32, 101.5, 99.7, 103.1, 100.4)
                .add("fp32", 128, 126.9, 128.4, 125.1, 127.7, 126.2)
                .add("fp32", 32, 108.8, 110.6).experiment());

        AnovaTable oneWay = table(stats, "one-way");
        assertRow(row(oneWay, "configuration"), 3, 2195.922404761907, 366.607244715955, 1.6017340358456622e-10);
        assertRow(row(oneWay, "residual"), 10, 19.966166666666627, null, null);

        AnovaTable factorial = table(stats, "factorial-type-ii");
        assertThat(factorial.getFactors()).containsExactly("precision", "batch_size");
        assertThat(factorial.getRows()).extracting(AnovaRow::getTerm)
                .containsExactly("precision", "batch_size", "precision:batch_size", "residual");
        assertRow(row(factorial, "precision"), 1, 2.7663690476190084, 1.3855283759788712, 0.2664183334065094);
        assertRow(row(factorial, "batch_size"), 1, 1848.1964285714287, 925.6641294380155, 3.4470192353291275e-11);
        assertRow(row(factorial, "precision:batch_size"), 1, 131.65454761904778, 65.93882031388834,
                1.0329793392259486e-05);
        assertRow(row(factorial, "residual"), 10, 19.966166666666627, null, null);
    }

    @Test
    void unbalancedTwoByTwoByTwoWithTheThreeWayInteraction() {
        ExperimentStats stats = ExperimentStatistics.compute(new Runs()
                .add("amp-fp16", 128, 256, false, 140.1, 138.7)
                .add("amp-fp16", 128, 512, false, 171.0, 168.2, 169.9)
                .add("amp-fp16", 32, 256, false, 96.4, 98.9, 97.1)
                .add("amp-fp16", 32, 512, false, 118.3, 121.0)
                .add("fp32", 128, 256, false, 135.2, 137.9, 136.0)
                .add("fp32", 128, 512, false, 160.4, 163.1)
                .add("fp32", 32, 256, false, 104.8, 102.9)
                .add("fp32", 32, 512, false, 131.7, 129.5, 133.2).experiment());

        AnovaTable oneWay = table(stats, "one-way");
        assertRow(row(oneWay, "configuration"), 7, 11658.890500000007, 709.8799299794797, 9.695380777123822e-15);
        assertRow(row(oneWay, "residual"), 12, 28.155000000000015, null, null);

        AnovaTable factorial = table(stats, "factorial-type-ii");
        assertThat(factorial.getFactors()).containsExactly("precision", "batch_size", "hidden_units");
        assertRow(row(factorial, "precision"), 1, 15.62408333333326, 6.659172438288015, 0.024073920690758106);
        assertRow(row(factorial, "batch_size"), 1, 7187.364083333333, 3063.341111703071, 7.975671472521361e-16);
        assertRow(row(factorial, "hidden_units"), 1, 3338.020083333333, 1422.7043509145792, 7.751532427373148e-14);
        assertRow(row(factorial, "precision:batch_size"), 1, 255.50008333333355, 108.89721186290184,
                2.2554786917283046e-07);
        assertRow(row(factorial, "precision:hidden_units"), 1, 0.0800833333335973, 0.03413248090936485,
                0.8565108856074253);
        assertRow(row(factorial, "batch_size:hidden_units"), 1, 10.38408333333345, 4.425821346119743,
                0.05716156633751754);
        assertRow(row(factorial, "precision:batch_size:hidden_units"), 1, 32.13675000000016, 13.697069792221695,
                0.0030304762246844323);
        assertRow(row(factorial, "residual"), 12, 28.155000000000012, null, null);
    }

    @Test
    void aTermTheDesignCannotSeparateHasZeroDegreesOfFreedomAndSaysWhy() {
        // one factor at a time around fp32 bs=128 (the seed study's design): no amp-fp16 run at bs=32,
        // so precision:batch_size is not estimable
        ExperimentStats stats = ExperimentStatistics.compute(new Runs()
                .add("fp32", 128, 256, true, 126.9, 128.4, 125.1)
                .add("amp-fp16", 128, 256, false, 131.2, 129.8, 133.0)
                .add("fp32", 32, 256, false, 108.8, 110.6, 109.1).experiment());

        AnovaRow interaction = row(table(stats, "factorial-type-ii"), "precision:batch_size");
        assertThat(interaction.getDf()).isZero();
        assertThat(interaction.getF()).isNull();
        assertThat(interaction.getPValue()).isNull();
        assertThat(interaction.getReason()).startsWith("not estimable");
        assertThat(row(table(stats, "factorial-type-ii"), "precision").getDf()).isEqualTo(1);
    }

    /**
     * Runs identical within each configuration: no residual variance, whatever rounding the least-squares fits leave. A
     * review (2026-12-02) got F = 1.9e32, p = 0 from the factorial table for an accuracy of 0.8 in every run, and F = 1e60
     * for durations identical within each configuration, where the one-way table said why there was no F.
     */
    @Test
    void runsIdenticalWithinEachConfigurationHaveNoFInEitherTable() {
        for (double[] cellValues : new double[][] {{0.8, 0.8, 0.8, 0.8}, {61.3, 17.9, 58.1, 20.7}}) {
            ExperimentStats stats = ExperimentStatistics.compute(new Runs()
                    .add("amp-fp16", 128, 256, false, cellValues[0], cellValues[0], cellValues[0])
                    .add("amp-fp16", 32, 256, false, cellValues[1], cellValues[1])
                    .add("amp-bf16", 128, 256, false, cellValues[0], cellValues[0])
                    .add("amp-bf16", 32, 256, false, cellValues[1], cellValues[1], cellValues[1], cellValues[1])
                    .add("fp32", 128, 256, true, cellValues[2], cellValues[2], cellValues[2])
                    .add("fp32", 32, 256, false, cellValues[3], cellValues[3]).experiment());
            for (String kind : List.of("one-way", "factorial-type-ii")) {
                AnovaTable table = table(stats, kind);
                for (AnovaRow row : table.getRows()) {
                    assertThat(row.getF()).as(kind + " " + row.getTerm() + " F of " + cellValues[0]).isNull();
                    assertThat(row.getPValue()).as(kind + " " + row.getTerm() + " p").isNull();
                    if (!row.getTerm().equals("residual")) {
                        assertThat(row.getReason()).as(kind + " " + row.getTerm()).startsWith("zero residual variance");
                    }
                }
                assertThat(row(table, "residual").getSumOfSquares()).as(kind + " residual SS").isZero();
            }
        }
    }

    /** Values 1e-12 apart are distinct: a re-check (2026-12-02) found a tolerance of 1e-20 called them identical. */
    @Test
    void valuesATrillionthApartAreVarianceNotRounding() {
        double a = 0.8;
        double b = 0.8 + 1e-12;
        ExperimentStats stats = ExperimentStatistics.compute(new Runs()
                .add("amp-fp16", 128, 256, false, a, b, a)
                .add("amp-fp16", 32, 256, false, b, a)
                .add("fp32", 128, 256, true, a, b, b)
                .add("fp32", 32, 256, false, a, b).experiment());
        for (String kind : List.of("one-way", "factorial-type-ii")) {
            AnovaRow residual = row(table(stats, kind), "residual");
            assertThat(residual.getSumOfSquares()).as(kind).isPositive();
            assertThat(table(stats, kind).getRows().get(0).getReason()).as(kind).isNull();
            assertThat(table(stats, kind).getRows().get(0).getPValue()).as(kind).isNotNull();
        }
    }

    private static void assertRow(AnovaRow row, int df, double ss, Double f, Double p) {
        assertThat(row.getDf()).as(row.getTerm() + " df").isEqualTo(df);
        assertThat(row.getSumOfSquares()).as(row.getTerm() + " SS").isCloseTo(ss, within(TOL));
        if (f == null) {
            assertThat(row.getF()).isNull();
        } else {
            assertThat(row.getF()).as(row.getTerm() + " F").isCloseTo(f, within(TOL));
            assertThat(row.getPValue()).as(row.getTerm() + " p").isCloseTo(p, within(1e-12 + 1e-6 * p));
        }
    }

    private static AnovaTable table(ExperimentStats stats, String kind) {
        return stats.getAnova().stream().filter(t -> t.getKind().equals(kind)
                && t.getMetric().equals("average_power_watts")).findFirst().orElseThrow();
    }

    private static AnovaRow row(AnovaTable table, String term) {
        return table.getRows().stream().filter(r -> r.getTerm().equals(term)).findFirst().orElseThrow();
    }
}
