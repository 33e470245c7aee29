package dev.ampwatch.cli.report;

import dev.ampwatch.analyzer.stats.ConfigurationKeys;
import dev.ampwatch.schema.EnergyForecast;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.ForecastAccuracy;
import dev.ampwatch.schema.ForecastCheck;
import dev.ampwatch.schema.RunEnergy;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The report's forecasts (docs/forecasts.md): how well the experiment's runs were forecast from their first epochs
 * (the statistics' {@code forecast_accuracy}), each run's first scored forecast against what it cost, and the forecast of
 * runs that were stopped after their first epochs to be profiled (or had not ended), which is all there is of them.
 */
final class ReportForecasts {
    private ReportForecasts() {}

    static String section(ReportData report, Map<String, String> labelByKey) {
        StringBuilder b = new StringBuilder("<section id=\"forecasts\">\n<h2>Forecasts from the first epochs</h2>\n");
        ExperimentStats stats = report.stats();
        ForecastAccuracy a = stats.getForecastAccuracy();
        if (a != null) {
            b.append("<p id=\"forecast-accuracy\">").append(Html.text("The first forecast of " + a.getRuns() + " completed run(s), "
                    + "scored at their end: median error " + ReportTables.percent(a.getMedianErrorRatio()) + " (the bias), median absolute error "
                    + Numbers.fixed(100 * a.getMedianAbsErrorRatio(), 1) + " %, 90th percentile "
                    + Numbers.fixed(100 * a.getP90AbsErrorRatio(), 1) + " %; the actual total lay inside the forecast's prediction "
                    + "interval in " + Numbers.fixed(100 * a.getInsideIntervalRatio(), 0) + " % of them.")).append("</p>\n");
        }
        List<RunEnergy> forecast = report.runs().stream()
                .filter(r -> !r.getQuality().getUnmeasured()) // 0 J that nothing measured scores no forecast (a review)
                .filter(r -> !r.getForecastChecks().isEmpty() || r.getForecast() != null).toList();
        if (forecast.isEmpty()) {
            String why = report.runs().stream().map(RunEnergy::getForecastWithheld).filter(Objects::nonNull).findFirst()
                    .orElse("no run has 2 complete epochs and more planned");
            return b.append("<p>No run was forecast: ").append(Html.text(why)).append(".</p>\n</section>\n").toString();
        }
        b.append("<table id=\"forecasts-table\">\n").append(Html.head(List.of("run", "configuration", "status", "after epoch",
                "of", "model", "forecast [J]", "interval [J]", "actual [J]", "error", "inside", "end error [s]", "note")));
        for (RunEnergy r : forecast) {
            String label = labelByKey.getOrDefault(ConfigurationKeys.of(r), "");
            Integer planned = r.getConfig() == null ? null : r.getConfig().getEpochs();
            if (!r.getForecastChecks().isEmpty()) { // a run that completed its planned epochs: its first forecast, scored
                ForecastCheck c = r.getForecastChecks().get(0);
                b.append(Html.row(List.of(r.getRunId(), label, r.getStatus().name(), "" + c.getAfterEpoch(), planned == null ? "" : "" + planned,
                        c.getModel(), Numbers.fixed(c.getEnergyJoules(), 1),
                        ReportTables.interval(c.getEnergyLowJoules(), c.getEnergyHighJoules(), 1),
                        Numbers.fixed(r.getEnergyJoules(), 1), ReportTables.percent(c.getErrorRatio()), c.getInsideInterval() ? "yes" : "no",
                        Numbers.signed(c.getEndErrorSeconds(), 1),
                        r.getForecastChecks().size() > 1 ? "the last of its " + r.getForecastChecks().size() + " forecasts: error "
                                + ReportTables.percent(r.getForecastChecks().get(r.getForecastChecks().size() - 1).getErrorRatio()) : "")));
            } else { // stopped after its first epochs (profiled), or not ended: the forecast is what there is
                EnergyForecast f = r.getForecast();
                b.append(Html.row(List.of(r.getRunId(), label, r.getStatus().name(), "" + f.getAfterEpoch(), "" + f.getPlannedEpochs(),
                        f.getModel(), Numbers.fixed(f.getEnergyJoules(), 1),
                        ReportTables.interval(f.getEnergyLowJoules(), f.getEnergyHighJoules(), 1), "", "", "", "",
                        (r.getFailureReason() != null ? r.getFailureReason() + ": " : r.getIsFinal() ? "" : "running: ")
                                + "not scored, the run did not complete its planned epochs")));
            }
        }
        b.append("</tbody></table>\n<p>").append(Html.text("Error is (forecast - actual) / actual gross energy; the interval is the "
                + "forecast's prediction interval; end error is the forecast end of the last epoch minus the actual one."))
                .append("</p>\n");
        return b.append("</section>\n").toString();
    }
}
