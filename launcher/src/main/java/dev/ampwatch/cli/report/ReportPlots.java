package dev.ampwatch.cli.report;

import dev.ampwatch.analyzer.stats.ConfigurationKeys;
import dev.ampwatch.schema.AnovaRow;
import dev.ampwatch.schema.AnovaTable;
import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ComparisonKind;
import dev.ampwatch.schema.ConfigurationSummary;
import dev.ampwatch.schema.EpochEnergy;
import dev.ampwatch.schema.FactorLevel;
import dev.ampwatch.schema.MetricSummary;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The data of every plot, as the report's script draws it (plain maps and lists, written as JSON into the
 * page). A plot with nothing to show is left out rather than drawn empty, so every plot in a report has
 * data marks. Configurations are ordered so fp32 sits next to the mixed precisions at its settings.
 */
final class ReportPlots {
    private ReportPlots() {}

    /** A plot: its id (the figure's {@code data-plot}), caption, and the data its type draws. */
    record Plot(String id, String title, String caption, Map<String, Object> data) {}

    static List<Plot> of(ReportData report) {
        List<ConfigurationSummary> configurations = ordered(report.stats().getConfigurations());
        Map<String, String> labelByKey = new LinkedHashMap<>();
        configurations.forEach(c -> labelByKey.put(c.getKey(), c.getLabel()));
        List<Plot> plots = new ArrayList<>();
        add(plots, powerOverTime(report, labelByKey));
        add(plots, distribution("power-by-configuration", "Average power per configuration", "average_power_watts", "W",
                RunEnergy::getAveragePowerWatts, configurations, report, labelByKey));
        add(plots, distribution("energy-by-configuration", "Energy per configuration", "energy_joules", "J",
                RunEnergy::getEnergyJoules, configurations, report, labelByKey));
        add(plots, forest("power-difference", "average_power_watts", "W", report));
        add(plots, forest("energy-difference", "energy_joules", "J", report));
        for (Plot p : effects(report, configurations)) {
            add(plots, p);
        }
        return plots;
    }

    private static void add(List<Plot> plots, Plot p) {
        if (p != null) {
            plots.add(p);
        }
    }

    /** fp32 first within the same other settings, then the others; settings in key order. */
    static List<ConfigurationSummary> ordered(List<ConfigurationSummary> all) {
        List<ConfigurationSummary> out = new ArrayList<>(all);
        out.sort(ReportPlots::compareSettings);
        return out;
    }

    /** Factor by factor (numbers as numbers: bs=32 before bs=128), precision last with fp32 first. */
    private static int compareSettings(ConfigurationSummary a, ConfigurationSummary b) {
        for (int i = 0; i < Math.min(a.getFactors().size(), b.getFactors().size()); i++) {
            FactorLevel fa = a.getFactors().get(i);
            if (!fa.getFactor().equals("precision")) {
                int c = compareLevels(fa.getLevel(), b.getFactors().get(i).getLevel());
                if (c != 0) {
                    return c;
                }
            }
        }
        int fp32 = Boolean.compare(!a.getPrecision().equals("fp32"), !b.getPrecision().equals("fp32"));
        return fp32 != 0 ? fp32 : a.getPrecision().compareTo(b.getPrecision());
    }

    /**
     * Power over time per completed run: from its running totals where at least three are left on the topic
     * (the energy attributed between two totals over the time between them), else each epoch's energy
     * over its duration (a step per epoch).
     */
    private static Plot powerOverTime(ReportData report, Map<String, String> labelByKey) {
        List<Map<String, Object>> series = new ArrayList<>();
        boolean fromTotals = false;
        boolean fromEpochs = false;
        for (RunEnergy run : report.runs()) {
            String label = labelByKey.get(ConfigurationKeys.of(run));
            if (run.getStatus() != RunStatus.COMPLETED || label == null) {
                continue;
            }
            List<double[]> points = fromTotals(run, report.runningTotals().getOrDefault(run.getRunId(), List.of()));
            if (points.size() >= 2) {
                fromTotals = true;
            } else {
                points = fromEpochs(run);
                fromEpochs |= !points.isEmpty();
            }
            if (!points.isEmpty()) {
                series.add(Map.of("name", run.getRunId(), "group", label, "points", points));
            }
        }
        if (series.isEmpty()) {
            return null;
        }
        String how = fromTotals && fromEpochs ? "from running totals where the topic still has them, else per epoch"
                : fromTotals ? "from the runs' running totals: attributed energy between two totals over the time between them,"
                        + " over windows of at least 1 s and four readings"
                : "per epoch: each epoch's energy over its duration (no running totals available)";
        return new Plot("power-over-time", "Power over time, per run",
                "Attributed power (all components) against seconds since the run started, " + how + ". One line per run, "
                        + "coloured by configuration.",
                Map.of("type", "lines", "x", "time since run start [s]", "y", "power [W]", "series", series));
    }

    /**
     * Power over windows of running totals at least {@link #window} long: a total's energy is complete only up to the
     * readings that had arrived, so totals close together differ by lumps of whole readings (a review, 2026-12-02: 0.73 J
     * between a last running total and the final record 20 us later plotted as 36,408 W for a run that peaked at 74 W).
     */
    static List<double[]> fromTotals(RunEnergy run, List<RunEnergy> totals) {
        List<RunEnergy> all = new ArrayList<>(totals);
        all.add(run);
        all.sort(java.util.Comparator.comparing(RunEnergy::getAttributedUntil));
        List<double[]> points = new ArrayList<>();
        if (all.size() < 3) {
            return points;
        }
        double window = window(run);
        List<RunEnergy> anchors = new ArrayList<>(List.of(all.get(0)));
        for (int i = 1; i < all.size(); i++) {
            if (seconds(anchors.get(anchors.size() - 1).getAttributedUntil(), all.get(i).getAttributedUntil()) >= window) {
                anchors.add(all.get(i));
            }
        }
        RunEnergy last = all.get(all.size() - 1);
        if (anchors.get(anchors.size() - 1) != last) {
            if (anchors.size() > 1) {
                anchors.set(anchors.size() - 1, last); // a short last stretch joins the window before it
            } else {
                anchors.add(last);
            }
        }
        for (int i = 1; i < anchors.size(); i++) {
            RunEnergy a = anchors.get(i - 1);
            RunEnergy b = anchors.get(i);
            double dt = seconds(a.getAttributedUntil(), b.getAttributedUntil());
            if (dt > 0) {
                double mid = seconds(run.getStartTime(), a.getAttributedUntil()) + dt / 2;
                points.add(new double[] {round(mid), round((b.getEnergyJoules() - a.getEnergyJoules()) / dt)});
            }
        }
        return points;
    }

    /** At least 1 s, four readings of the run's slowest-read device, and a hundredth of the run. */
    static double window(RunEnergy run) {
        double interval = 0;
        for (var c : run.getComponents()) {
            if (c.getSamples() > 1) {
                interval = Math.max(interval, c.getCoveredSeconds() / (c.getSamples() - 1));
            }
        }
        return Math.max(1.0, Math.max(4 * interval, run.getDurationSeconds() / 100));
    }

    private static List<double[]> fromEpochs(RunEnergy run) {
        List<double[]> points = new ArrayList<>();
        for (EpochEnergy e : run.getEpochs()) {
            if (e.getEndTime() == null) {
                continue;
            }
            double dt = seconds(e.getStartTime(), e.getEndTime());
            if (dt > 0) {
                double watts = round(e.getEnergyJoules() / dt);
                points.add(new double[] {round(seconds(run.getStartTime(), e.getStartTime())), watts});
                points.add(new double[] {round(seconds(run.getStartTime(), e.getEndTime())), watts});
            }
        }
        return points;
    }

    /** Per configuration: every completed run's value, and the mean with its interval from the statistics. */
    private static Plot distribution(String id, String title, String metric, String unit, Function<RunEnergy, Double> value,
                                     List<ConfigurationSummary> configurations, ReportData report, Map<String, String> labelByKey) {
        List<Map<String, Object>> categories = new ArrayList<>();
        for (ConfigurationSummary c : configurations) {
            List<Double> values = new ArrayList<>();
            for (RunEnergy run : report.runs()) {
                // an unmeasured run's 0 is no measurement: in no statistic, so not a dot either (a review saw its 0 W in the box)
                if (run.getStatus() == RunStatus.COMPLETED && !run.getQuality().getUnmeasured()
                        && c.getKey().equals(ConfigurationKeys.of(run))) {
                    values.add(round(value.apply(run)));
                }
            }
            MetricSummary m = c.getMetrics().stream().filter(s -> s.getMetric().equals(metric)).findFirst().orElse(null);
            if (values.isEmpty() && (m == null || m.getMean() == null)) {
                continue;
            }
            Map<String, Object> cat = new LinkedHashMap<>();
            cat.put("label", c.getLabel());
            cat.put("precision", c.getPrecision());
            cat.put("values", values);
            if (m != null) {
                cat.put("mean", m.getMean());
                cat.put("lo", m.getCiLow());
                cat.put("hi", m.getCiHigh());
            }
            categories.add(cat);
        }
        if (categories.isEmpty()) {
            return null;
        }
        double confidence = 100 * (1 - alpha(report));
        return new Plot(id, title, "Each dot is a completed run; the box spans the quartiles with the median; the black "
                + "diamond and bar are the mean and its " + Numbers.sig(confidence) + " % t interval.",
                Map.of("type", "dist", "y", metric + " [" + unit + "]", "categories", categories));
    }

    /** The difference of each mixed precision from fp32 at the same settings, with its interval and the margin. */
    private static Plot forest(String id, String metric, String unit, ReportData report) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Comparison c : report.stats().getComparisons()) {
            if (c.getMetric().equals(metric) && c.getKinds().contains(ComparisonKind.PRECISION_VS_FP32)
                    && c.getMeanDifference() != null) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("label", c.getConfigurationLabel() + " - " + c.getReferenceLabel());
                row.put("d", c.getMeanDifference());
                row.put("lo", c.getCiLow());
                row.put("hi", c.getCiHigh());
                row.put("margin", c.getEquivalenceMargin());
                row.put("significant", c.getSignificant());
                row.put("equivalent", Boolean.TRUE.equals(c.getEquivalent()));
                rows.add(row);
            }
        }
        if (rows.isEmpty()) {
            return null;
        }
        String what = metric.equals("energy_joules") ? "energy" : "average power";
        return new Plot(id, "Difference in " + what + " from fp32 at the same settings",
                "Mean difference (mixed - fp32) with its Welch " + Numbers.sig(100 * (1 - alpha(report)))
                        + " % interval; the grey band is the equivalence margin (TOST). Filled: significant after Holm; "
                        + "square: equivalent.", Map.of("type", "forest", "x", "difference [" + unit + "]", "rows", rows));
    }

    /**
     * Factor effects: per factor that varies besides precision, the mean average power at each of its levels
     * (mean of the configuration means), one line per precision: parallel lines mean no interaction. The
     * caption quotes the factorial ANOVA's p-values of the factor and its interaction with precision.
     */
    private static List<Plot> effects(ReportData report, List<ConfigurationSummary> all) {
        List<Plot> out = new ArrayList<>();
        // the training configurations of a mixed experiment: an inference pass is not an epoch, nor its batch a training batch
        List<ConfigurationSummary> training = all.stream().filter(c -> c.getFactors().stream()
                .noneMatch(f -> f.getFactor().equals("phase") && !f.getLevel().equals("training"))).toList();
        List<ConfigurationSummary> configurations = training.isEmpty() ? all : training;
        Set<String> factors = new LinkedHashSet<>();
        configurations.forEach(c -> c.getFactors().stream().filter(FactorLevel::getVaries).forEach(f -> factors.add(f.getFactor())));
        factors.remove("precision");
        factors.remove("phase"); // one phase is plotted: an "effect of phase" with one level read as a test of it (a review)
        if (factors.isEmpty()) {
            factors.add("precision");
        }
        for (String factor : factors) {
            List<String> levels = new ArrayList<>();
            Map<String, Map<String, double[]>> byPrecision = new LinkedHashMap<>();
            for (ConfigurationSummary c : configurations) {
                // a configuration whose every run failed has no mean (and Stream.findFirst throws on a null)
                Double mean = c.getMetrics().stream().filter(m -> m.getMetric().equals("average_power_watts") && m.getMean() != null)
                        .map(MetricSummary::getMean).findFirst().orElse(null);
                if (mean == null) {
                    continue;
                }
                String level = c.getFactors().stream().filter(f -> f.getFactor().equals(factor)).map(FactorLevel::getLevel)
                        .findFirst().orElse("?");
                if (!levels.contains(level)) {
                    levels.add(level);
                }
                double[] sum = byPrecision.computeIfAbsent(factor.equals("precision") ? "all" : c.getPrecision(),
                        k -> new LinkedHashMap<>()).computeIfAbsent(level, k -> new double[2]);
                sum[0] += mean;
                sum[1]++;
            }
            if (levels.size() < 2) {
                continue; // no effect to show with one level
            }
            levels.sort(ReportPlots::compareLevels);
            List<Map<String, Object>> lines = new ArrayList<>();
            byPrecision.forEach((precision, sums) -> {
                List<double[]> points = new ArrayList<>();
                for (int i = 0; i < levels.size(); i++) {
                    double[] s = sums.get(levels.get(i));
                    if (s != null) {
                        points.add(new double[] {i, round(s[0] / s[1])});
                    }
                }
                lines.add(Map.of("name", precision, "points", points));
            });
            out.add(new Plot("effects-" + factor, "Effect of " + factor + " on average power",
                    "Mean average power (W) at each level of " + factor + ", averaged over the configuration means"
                            + (factor.equals("precision") ? "" : ", one line per precision") + ". " + anovaNote(report, factor),
                    Map.of("type", "interaction", "x", factor, "y", "average_power_watts [W]", "levels", levels, "lines", lines)));
        }
        return out;
    }

    private static String anovaNote(ReportData report, String factor) {
        for (String kind : List.of("factorial-type-ii", "one-way")) {
            for (AnovaTable t : report.stats().getAnova()) {
                if (t.getKind().equals(kind) && t.getMetric().equals("average_power_watts")
                        && (t.getPhase() == null || t.getPhase().equals("training"))) {
                    List<String> parts = new ArrayList<>();
                    for (AnovaRow r : t.getRows()) {
                        boolean relevant = kind.equals("one-way") || r.getTerm().equals(factor)
                                || r.getTerm().equals("precision:" + factor) || r.getTerm().equals(factor + ":precision");
                        if (relevant && r.getPValue() != null && !r.getTerm().equals("residual")) {
                            parts.add(r.getTerm() + ": F = " + Numbers.sig(r.getF()) + ", " + Numbers.pEquals(r.getPValue()));
                        }
                    }
                    if (!parts.isEmpty()) {
                        return (kind.equals("one-way") ? "One-way ANOVA across configurations, " : "Type II ANOVA, ")
                                + String.join("; ", parts) + ".";
                    }
                }
            }
        }
        return "";
    }

    private static int compareLevels(String a, String b) {
        try {
            return Double.compare(Double.parseDouble(a), Double.parseDouble(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }

    static double alpha(ReportData report) {
        return alpha(report.stats());
    }

    static double alpha(dev.ampwatch.schema.ExperimentStats stats) {
        return stats.getSettings() == null ? 0.05 : stats.getSettings().getAlpha();
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
