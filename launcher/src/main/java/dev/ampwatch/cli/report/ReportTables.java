package dev.ampwatch.cli.report;

import dev.ampwatch.analyzer.stats.ConfigurationKeys;
import dev.ampwatch.schema.AnovaRow;
import dev.ampwatch.schema.AnovaTable;
import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ConfigurationSummary;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.MetricSummary;
import dev.ampwatch.schema.NotComputed;
import dev.ampwatch.schema.RegressionCheck;
import dev.ampwatch.schema.RunEnergy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The tables a paper prints, as HTML: descriptive statistics, ANOVA tables, pairwise tests with
 * Holm-adjusted p-values, effect sizes, equivalence and power, regression checks, the runs, and what was
 * not computed. Power and energy come first and open; the other response variables are folded.
 */
final class ReportTables {
    static final List<String> MAIN = List.of("average_power_watts", "energy_joules");

    private ReportTables() {}

    static String descriptive(ExperimentStats stats) {
        String ci = Verdicts.confidence(ReportPlots.alpha(stats)) + " % CI";
        StringBuilder b = new StringBuilder();
        for (String metric : metrics(stats)) {
            StringBuilder t = new StringBuilder(table("descriptive-" + metric));
            t.append(Html.head(List.of("configuration", "runs", "failed", "unmeasured", "n", "mean", "sd", ci + " low", ci + " high", "note")));
            for (ConfigurationSummary c : ReportPlots.ordered(stats.getConfigurations())) {
                for (MetricSummary m : c.getMetrics()) {
                    if (m.getMetric().equals(metric)) {
                        int d = digits(m.getUnit(), m.getMean());
                        t.append(Html.row(List.of(c.getLabel(), "" + c.getRuns(), "" + c.getFailedRuns(), "" + c.getUnmeasuredRuns(), "" + m.getN(),
                                Numbers.fixed(m.getMean(), d), sd(m.getSd(), d + 1), Numbers.fixed(m.getCiLow(), d),
                                Numbers.fixed(m.getCiHigh(), d), note(m))));
                    }
                }
            }
            b.append(section(metric, unit(stats, metric), t.append("</tbody></table>\n").toString()));
        }
        return b.toString();
    }

    /**
     * The summary's own reason, and a word when its t interval reaches below 0 for a quantity that cannot (all but net
     * energy, which is below 0 when a run drew less than idle): such a low end is no bound, only too few runs for their
     * spread (a review read -7.6 J as a result).
     */
    static String note(MetricSummary m) {
        String reason = nz(m.getReason());
        if (m.getCiLow() == null || m.getCiLow() >= 0 || m.getMetric().equals("net_energy_joules")) {
            return reason;
        }
        String below = "the interval reaches below 0, which this quantity cannot: too few runs for their spread";
        return reason.isEmpty() ? below : reason + "; " + below;
    }

    static String anova(ExperimentStats stats) {
        StringBuilder b = new StringBuilder();
        for (String metric : metrics(stats)) {
            StringBuilder inner = new StringBuilder();
            for (AnovaTable a : stats.getAnova()) {
                if (!a.getMetric().equals(metric)) {
                    continue;
                }
                String phase = a.getPhase() == null ? "" : a.getPhase() + " runs, ";
                inner.append("<h4>").append(Html.text(phase + a.getKind() + ": " + String.join(" x ", a.getFactors()))).append("</h4>\n");
                inner.append(table("anova-" + (a.getPhase() == null ? "" : a.getPhase() + "-") + a.getKind() + "-" + metric));
                inner.append(Html.head(List.of("term", "df", "sum of squares [" + a.getUnit() + "\u00b2]", "mean square", "F", "p", "note")));
                for (AnovaRow r : a.getRows()) {
                    inner.append(Html.row(List.of(r.getTerm(), "" + r.getDf(), Numbers.sig(r.getSumOfSquares()),
                            Numbers.sig(r.getMeanSquare()), Numbers.sig(r.getF()), Numbers.p(r.getPValue()), nz(r.getReason()))));
                }
                inner.append("</tbody></table>\n");
            }
            if (inner.length() > 0) {
                b.append(section(metric, unit(stats, metric), inner.toString()));
            }
        }
        return b.length() == 0 ? "<p>No ANOVA table: see what was not computed below.</p>\n" : b.toString();
    }

    static String comparisons(ExperimentStats stats) {
        String ci = Verdicts.confidence(ReportPlots.alpha(stats)) + " % CI";
        StringBuilder b = new StringBuilder();
        for (String metric : metrics(stats)) {
            List<Comparison> of = stats.getComparisons().stream().filter(c -> c.getMetric().equals(metric)).toList();
            if (of.isEmpty()) {
                continue;
            }
            int d = digits(of.get(0).getUnit(), of.stream().map(Comparison::getMeanDifference).filter(java.util.Objects::nonNull)
                    .map(Math::abs).max(Double::compare).orElse(null));
            StringBuilder t = new StringBuilder("<h4>Pairwise tests</h4>\n").append(table("tests-" + metric));
            t.append(Html.head(List.of("configuration - reference", "why", "n", "n ref", "difference", ci, "ratio",
                    "Welch t", "df", "p", "p (Holm)", "Mann-Whitney U", "p", "p (Holm)", "significant")));
            for (Comparison c : of) {
                t.append(Html.row(List.of(pair(c), kinds(c), "" + c.getN(), "" + c.getNReference(), Numbers.signed(c.getMeanDifference(), d),
                        interval(c.getCiLow(), c.getCiHigh(), d), percent(c.getMeanDifferenceRatio()), Numbers.fixed(c.getWelchT(), 2),
                        Numbers.fixed(c.getWelchDf(), 1), Numbers.p(c.getWelchP()), Numbers.p(c.getWelchPHolm()),
                        Numbers.sig(c.getMannWhitneyU()), Numbers.p(c.getMannWhitneyP()), Numbers.p(c.getMannWhitneyPHolm()),
                        c.getWelchPHolm() == null ? "" : c.getSignificant() ? "yes" : "no")));
            }
            t.append("</tbody></table>\n<h4>Effect sizes, equivalence and power</h4>\n").append(table("effects-" + metric));
            t.append(Html.head(List.of("configuration - reference", "Hedges' g", ci + " of g", "margin", "TOST p", "equivalent",
                    "power at these runs", "runs needed per group", "note")));
            for (Comparison c : of) {
                t.append(Html.row(List.of(pair(c), Numbers.fixed(c.getHedgesG(), 2), interval(c.getHedgesGCiLow(), c.getHedgesGCiHigh(), 2),
                        c.getEquivalenceMargin() == null ? "" : "\u00b1" + Numbers.fixed(c.getEquivalenceMargin(), d),
                        Numbers.p(c.getTostP()), c.getEquivalent() == null ? "" : c.getEquivalent() ? "yes" : "no",
                        Numbers.fixed(c.getPowerAtRuns(), 2), c.getRunsNeededPerGroup() == null ? "" : "" + c.getRunsNeededPerGroup(),
                        String.join("; ", c.getReasons()))));
            }
            b.append(section(metric, unit(stats, metric), t.append("</tbody></table>\n").toString()));
        }
        return b.length() == 0 ? "<p>No comparison: see what was not computed below.</p>\n" : b.toString();
    }

    static String regressions(ExperimentStats stats) {
        if (stats.getRegressions().isEmpty()) {
            return "<p>No regression check: it needs a mixed precision configuration with an fp32 twin.</p>\n";
        }
        if (stats.getRegressions().stream().allMatch(r -> r.getWelchPHolm() == null)) {
            // none computed (too few runs yet): one line of why, not a table of rows that each say it (a review)
            java.util.Set<String> why = new java.util.TreeSet<>();
            stats.getRegressions().forEach(r -> why.addAll(r.getReasons()));
            return "<p id=\"regressions-none\">No regression check computed yet (" + stats.getRegressions().size() + " checks): "
                    + Html.text(why.isEmpty() ? "not enough runs" : String.join("; ", why)) + ".</p>\n";
        }
        StringBuilder t = new StringBuilder(table("regressions"));
        String ci = Verdicts.confidence(ReportPlots.alpha(stats)) + " % CI";
        t.append(Html.head(List.of("configuration", "check", "metric", "reference", "n", "n ref", "mean", "mean ref", "difference",
                ci, "ratio", "p", "p (Holm)", "significant", "note")));
        for (RegressionCheck r : stats.getRegressions()) {
            int d = digits(r.getUnit(), r.getMean());
            t.append(Html.row(List.of(r.getConfigurationLabel(), r.getCheck().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    r.getMetric(), r.getReferenceLabel(), "" + r.getN(), "" + r.getNReference(), Numbers.fixed(r.getMean(), d),
                    Numbers.fixed(r.getMeanReference(), d), Numbers.signed(r.getMeanDifference(), d), interval(r.getCiLow(), r.getCiHigh(), d),
                    percent(r.getMeanDifferenceRatio()), Numbers.p(r.getWelchP()), Numbers.p(r.getWelchPHolm()), r.getWelchPHolm() == null ? "" : r.getSignificant() ? "yes" : "no",
                    String.join("; ", r.getReasons()))));
        }
        return t.append("</tbody></table>\n").toString();
    }

    static String runs(ReportData report, Map<String, String> labelByKey) {
        StringBuilder t = new StringBuilder(table("runs"));
        t.append(Html.head(List.of("run", "configuration", "status", "start", "time [s]", "energy [J]", "net [J]", "avg [W]", "peak [W]",
                "CO2e [g]", "test acc | RMSE", "estimated")));
        for (RunEnergy r : report.runs()) {
            t.append(Html.row(List.of(r.getRunId(), nz(labelByKey.get(ConfigurationKeys.of(r))),
                    r.getStatus().name() + (r.getQuality().getUnmeasured() ? " (unmeasured: no power reading of " + r.getHost() + ")"
                            : r.getQuality().getMissingDevices().isEmpty() ? ""
                            : " (no reading of " + String.join(", ", r.getQuality().getMissingDevices().stream().map(Object::toString).toList())
                                    + ": left out)"),
                    r.getStartTime().toString(), Numbers.fixed(r.getDurationSeconds(), 2), Numbers.fixed(r.getEnergyJoules(), 1),
                    // net = gross where no idle baseline was learned yet: said, as the statistics leave it out
                    Numbers.fixed(r.getNetEnergyJoules(), 1) + (r.getQuality().getNoIdleBaseline().isEmpty() ? ""
                            : " (no idle baseline: = gross)"), Numbers.fixed(r.getAveragePowerWatts(), 2),
                    Numbers.fixed(r.getPeakPowerWatts(), 1), Numbers.fixed(r.getCo2eGrams(), 4), ReportCsv.quality(r),
                    r.getQuality().getEstimated() ? "yes" : "no")));
        }
        return t.append("</tbody></table>\n").toString();
    }

    /** The runs the statistics leave out (ampwatch exclude, or deleted from run-energy), each with why; nothing if none. */
    static String excluded(ReportData report) {
        ExperimentStats stats = report.stats();
        if (stats.getExcludedRuns().isEmpty()) {
            return "";
        }
        Map<String, RunEnergy> runs = new java.util.HashMap<>();
        report.excluded().forEach(r -> runs.put(r.getRunId(), r));
        Map<String, String> labels = ReportHtml.labels(stats); // a configuration all of whose runs are out has only its key
        StringBuilder t = new StringBuilder("<section id=\"excluded\">\n<h2>Excluded runs</h2>\n<p>")
                .append(Html.text("In no statistic above and in no plot; the CSV lists them last, with why (excluded_reason)."))
                .append("</p>\n").append(table("excluded"));
        t.append(Html.head(List.of("run", "configuration", "status", "energy [J]", "reason", "by", "stated")));
        for (var e : stats.getExcludedRuns()) {
            RunEnergy r = runs.get(e.getRunId());
            String key = e.getConfigurationKey();
            t.append(Html.row(List.of(e.getRunId(), nz(key == null ? null : labels.getOrDefault(key, key)),
                    r != null ? r.getStatus().name() : e.getStatus() == null ? "not finished" : e.getStatus(),
                    r != null ? Numbers.fixed(r.getEnergyJoules(), 1) : e.getEnergyJoules() == null ? "" : Numbers.fixed(e.getEnergyJoules(), 1),
                    e.getReason(), nz(e.getStatedBy()), e.getStatedAt().toString())));
        }
        return t.append("</tbody></table>\n</section>\n").toString();
    }

    static String notComputed(ExperimentStats stats) {
        if (stats.getNotComputed().isEmpty()) {
            return "<p>Everything was computed.</p>\n";
        }
        StringBuilder b = new StringBuilder("<ul>\n");
        for (NotComputed n : stats.getNotComputed()) {
            b.append("<li>").append(Html.text(n.getAnalysis() + (n.getMetric() == null ? "" : " (" + n.getMetric() + ")")
                    + ": " + n.getReason())).append("</li>\n");
        }
        return b.append("</ul>\n").toString();
    }

    /** Response variables in the statistics, power and energy first. */
    static List<String> metrics(ExperimentStats stats) {
        Set<String> out = new LinkedHashSet<>();
        List<String> seen = new ArrayList<>();
        stats.getConfigurations().forEach(c -> c.getMetrics().forEach(m -> seen.add(m.getMetric())));
        MAIN.stream().filter(seen::contains).forEach(out::add);
        out.addAll(seen);
        return List.copyOf(out);
    }

    private static String section(String metric, String unit, String body) {
        String title = "<h3>" + Html.text(metric) + " <small>[" + Html.text(unit) + "]</small></h3>\n";
        return MAIN.contains(metric) ? title + body
                : "<details><summary>" + Html.text(metric) + " [" + Html.text(unit) + "]</summary>\n" + body + "</details>\n";
    }

    private static String unit(ExperimentStats stats, String metric) {
        return stats.getConfigurations().stream().flatMap(c -> c.getMetrics().stream()).filter(m -> m.getMetric().equals(metric))
                .map(MetricSummary::getUnit).findFirst().orElse("");
    }

    private static String table(String id) {
        return "<table id=\"" + Html.text(id) + "\">\n";
    }

    private static String pair(Comparison c) {
        return c.getConfigurationLabel() + " - " + c.getReferenceLabel();
    }

    private static String kinds(Comparison c) {
        return String.join(", ", c.getKinds().stream().map(k -> k.name().equals("PRECISION_VS_FP32") ? "vs fp32" : "vs benchmark").toList());
    }

    static String interval(Double lo, Double hi, int digits) {
        return lo == null || hi == null ? "" : Numbers.fixed(lo, digits) + " to " + Numbers.fixed(hi, digits);
    }

    static String percent(Double ratio) {
        return ratio == null ? "" : Numbers.signed(100 * ratio, 1) + " %";
    }

    /**
     * Decimals for values of {@code unit} about {@code magnitude} large: the unit's usual ones, more where they would
     * show fewer than three significant digits (energy per sample, ~0.03 J, read 0.0 with joules' one decimal).
     */
    static int digits(String unit, Double magnitude) {
        int usual = unit.equals("ratio") ? 4 : unit.equals("J") ? 1 : 2;
        if (magnitude == null || !Double.isFinite(magnitude) || magnitude == 0) {
            return usual;
        }
        int needed = 2 - (int) Math.floor(Math.log10(Math.abs(magnitude)));
        return Math.max(usual, Math.min(needed, 9));
    }

    /** A standard deviation to {@code digits} decimals, or to 4 significant digits where those would read 0 (a review saw "0.00000"). */
    static String sd(Double sd, int digits) {
        String fixed = Numbers.fixed(sd, digits);
        return sd != null && sd != 0 && fixed.matches("-?0\\.?0*") ? Numbers.sig(sd) : fixed;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
