package dev.ampwatch.cli.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ampwatch.schema.ConfigurationSummary;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report as one self-contained HTML page: styles and the plotting script are inlined (no network is
 * needed to open it), the plots' data sits in a JSON script element the script reads, and the tables
 * are plain HTML. Every string from the data is escaped. The script marks each figure with
 * {@code data-marks} (its data marks) and the body with {@code data-plots-ok} (figures with at least one
 * mark) and {@code data-script-errors}, which the browser test reads.
 */
public final class ReportHtml {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ReportHtml() {}

    static String render(ReportData report) {
        ExperimentStats stats = report.stats();
        List<ReportPlots.Plot> plots = ReportPlots.of(report);
        Map<String, Object> data = new LinkedHashMap<>();
        plots.forEach(p -> data.put(p.id(), p.data()));
        String id = stats.getExperimentId();
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>ampwatch report: ").append(Html.text(id)).append("</title>\n<style>\n")
                .append(resource("report.css")).append("</style>\n</head>\n")
                .append("<body data-plots=\"").append(plots.size()).append("\" data-plots-ok=\"0\">\n<header>\n<h1>Experiment <code>")
                .append(Html.text(id)).append("</code></h1>\n").append(summary(report)).append("</header>\n<main>\n");
        b.append("<section id=\"verdicts\">\n<h2>Mixed precision vs fp32 at the same settings</h2>\n");
        List<String> verdicts = Verdicts.of(stats);
        if (verdicts.isEmpty()) {
            b.append("<p>No mixed precision configuration has an fp32 twin in this experiment.</p>\n");
        } else {
            b.append("<ul>\n");
            verdicts.forEach(v -> b.append("<li>").append(Html.text(v)).append("</li>\n"));
            b.append("</ul>\n");
        }
        b.append("</section>\n<section id=\"plots\">\n<h2>Plots</h2>\n");
        for (ReportPlots.Plot p : plots) {
            b.append("<figure class=\"plot\" data-plot=\"").append(Html.text(p.id())).append("\" data-marks=\"0\">\n<h3>")
                    .append(Html.text(p.title())).append("</h3>\n<figcaption>").append(Html.text(p.caption()))
                    .append("</figcaption>\n</figure>\n");
        }
        b.append("</section>\n").append(ReportInference.section(report, labels(stats)))
                .append("<section id=\"descriptive\">\n<h2>Descriptive statistics</h2>\n").append(ReportTables.descriptive(stats))
                .append("</section>\n<section id=\"anova\">\n<h2>Analysis of variance</h2>\n").append(ReportTables.anova(stats))
                .append("</section>\n<section id=\"comparisons\">\n<h2>Comparisons</h2>\n<p>")
                .append(Html.text("Differences are configuration - reference. Holm adjusts over every comparison of one "
                        + "response variable and test in this experiment; TOST tests equivalence within the margin; the "
                        + "power analysis is for a two-sided t-test detecting the margin (docs/statistics.md)."))
                .append("</p>\n").append(ReportTables.comparisons(stats))
                .append("</section>\n<section id=\"regressions\">\n<h2>Regression checks</h2>\n<p>")
                .append(Html.text("Each mixed precision configuration's latest runs (its newest min(3, n/2)) against its "
                        + "earlier runs and against fp32 at the same settings; the alert rules use these."))
                .append("</p>\n").append(ReportTables.regressions(stats))
                .append("</section>\n").append(ReportForecasts.section(report, labels(stats)))
                .append("<section id=\"runs\">\n<h2>Runs</h2>\n").append(ReportTables.runs(report, labels(stats)))
                .append("</section>\n").append(ReportTables.excluded(report))
                .append("<section id=\"not-computed\">\n<h2>Not computed</h2>\n").append(ReportTables.notComputed(stats))
                .append("</section>\n</main>\n<pre id=\"script-errors\" hidden></pre>\n")
                .append("<script type=\"application/json\" id=\"report-data\">").append(Html.scriptJson(json(data)))
                .append("</script>\n<script>\n").append(resource("report.js")).append("</script>\n</body>\n</html>\n");
        return b.toString();
    }

    private static String summary(ReportData report) {
        ExperimentStats s = report.stats();
        long completed = report.runs().stream().filter(r -> r.getStatus() == RunStatus.COMPLETED && !r.getQuality().getUnmeasured()).count();
        long unmeasured = report.runs().stream().filter(r -> r.getStatus() == RunStatus.COMPLETED && r.getQuality().getUnmeasured()).count();
        boolean estimated = report.runs().stream().anyMatch(r -> r.getQuality().getEstimated());
        StringBuilder b = new StringBuilder("<p>");
        b.append(Html.text(completed + " completed run(s) of " + report.runs().size()
                + (unmeasured == 0 ? "" : " (and " + unmeasured + " completed without a power reading: unmeasured, in no statistic)")
                + " in " + s.getConfigurations().size()
                + " configuration(s)" + (s.getExcludedRuns().isEmpty() ? "" : ", and " + s.getExcludedRuns().size()
                        + " more run(s) excluded from every statistic (listed with why, below)")
                + "; statistics as of " + s.getComputedAt() + " (event time of the newest run)."));
        if (s.getSettings() != null) {
            b.append(' ').append(Html.text("Significance level " + Numbers.sig(s.getSettings().getAlpha()) + ", equivalence margin \u00b1"
                    + Numbers.sig(100 * s.getSettings().getEquivalenceMarginRatio()) + " % of the reference mean, power target "
                    + Numbers.sig(s.getSettings().getPowerTargetRatio()) + "."));
        }
        b.append("</p>\n<p class=\"source\">").append(Html.text("Data: " + report.source() + ".")).append("</p>\n");
        if (estimated) {
            b.append("<p class=\"note\">Some power came from the ESTIMATE source (no hardware sensor): those totals are "
                    + "modelled, not measured.</p>\n");
        }
        return b.toString();
    }

    static Map<String, String> labels(ExperimentStats stats) {
        Map<String, String> out = new LinkedHashMap<>();
        for (ConfigurationSummary c : stats.getConfigurations()) {
            out.put(c.getKey(), c.getLabel());
        }
        return out;
    }

    private static String json(Object data) {
        try {
            return MAPPER.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the plots' data: " + e.getMessage(), e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = ReportHtml.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " next to " + ReportHtml.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
