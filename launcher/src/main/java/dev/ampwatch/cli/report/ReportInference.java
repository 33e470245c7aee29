package dev.ampwatch.cli.report;

import dev.ampwatch.analyzer.stats.ConfigurationKeys;
import dev.ampwatch.schema.ConfigurationSummary;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.MetricSummary;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunPhase;
import dev.ampwatch.schema.RunStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The inference runs of an experiment (RunConfig.phase INFERENCE), as the precision-scaling studies print them:
 * per configuration, energy per 1,000 inferences with its confidence interval (the statistics' energy per sample,
 * x 1,000), throughput, batch latency percentiles and accuracy; then each run. Empty when the experiment has no
 * inference run.
 */
final class ReportInference {
    private static final String ENERGY_PER_SAMPLE = "energy_per_sample_joules";

    private ReportInference() {}

    static boolean isInference(RunEnergy r) {
        return r.getConfig() != null && r.getConfig().getPhase() == RunPhase.INFERENCE;
    }

    /** The section's HTML, or an empty string without inference runs. */
    static String section(ReportData report, Map<String, String> labelByKey) {
        List<RunEnergy> runs = report.runs().stream().filter(ReportInference::isInference).toList();
        if (runs.isEmpty()) {
            return "";
        }
        String ci = Verdicts.confidence(ReportPlots.alpha(report.stats())) + " % CI";
        Map<String, List<RunEnergy>> byKey = new LinkedHashMap<>();
        for (ConfigurationSummary c : ReportPlots.ordered(report.stats().getConfigurations())) {
            byKey.put(c.getKey(), new ArrayList<>());
        }
        for (RunEnergy r : runs) {
            if (r.getStatus() == RunStatus.COMPLETED) {
                byKey.computeIfAbsent(ConfigurationKeys.of(r), k -> new ArrayList<>()).add(r);
            }
        }
        StringBuilder b = new StringBuilder("<section id=\"inference\">\n<h2>Inference</h2>\n<p>")
                .append(Html.text("Energy per 1,000 inferences is 1,000 x the run's gross energy over the inferences of its "
                        + "passes; throughput counts inferences over event time; a run's latency is the median over its passes "
                        + "of each pass's batch-time percentile. Completed runs only."))
                .append("</p>\n<table id=\"inference\">\n")
                .append(Html.head(List.of("configuration", "runs", "energy / 1,000 inferences [J]", ci, "inferences/s",
                        "p50 [ms]", "p95 [ms]", "p99 [ms]", "test acc | RMSE")));
        byKey.forEach((key, of) -> {
            if (of.isEmpty()) {
                return;
            }
            MetricSummary energy = metric(report.stats(), key, ENERGY_PER_SAMPLE);
            String interval = energy == null || energy.getCiLow() == null || energy.getCiHigh() == null ? ""
                    : Numbers.fixed(1000 * energy.getCiLow(), 3) + " to " + Numbers.fixed(1000 * energy.getCiHigh(), 3)
                    // as the descriptive table says it: a low end below 0 is no bound (a review read it as one)
                    + (energy.getCiLow() < 0 ? " (below 0, which energy cannot be: too few runs for their spread)" : "");
            b.append(Html.row(List.of(labelByKey.getOrDefault(key, key), "" + of.size(),
                    Numbers.fixed(times1000(mean(of, RunEnergy::getJoulesPerSample)), 3), interval,
                    Numbers.fixed(mean(of, RunEnergy::getSamplesPerSecond), 0), Numbers.fixed(mean(of, RunEnergy::getLatencyP50Ms), 3),
                    Numbers.fixed(mean(of, RunEnergy::getLatencyP95Ms), 3), Numbers.fixed(mean(of, RunEnergy::getLatencyP99Ms), 3),
                    mean(of, ReportCsv::rmse) != null ? "RMSE " + Numbers.sig(mean(of, ReportCsv::rmse))
                            : percent(mean(of, ReportCsv::accuracy)))));
        });
        b.append("</tbody></table>\n<details><summary>").append(Html.text("Inference runs (" + runs.size() + ")"))
                .append("</summary>\n<table id=\"inference-runs\">\n")
                .append(Html.head(List.of("run", "configuration", "status", "passes", "inferences", "energy [J]",
                        "energy / 1,000 inferences [J]", "inferences/s", "p50 [ms]", "p95 [ms]", "p99 [ms]", "test acc | RMSE")));
        for (RunEnergy r : runs) {
            long inferences = r.getEpochs().stream().map(e -> e.getSamples()).filter(Objects::nonNull).mapToLong(Long::longValue).sum();
            b.append(Html.row(List.of(r.getRunId(), labelByKey.getOrDefault(ConfigurationKeys.of(r), ""),
                    r.getStatus().name(), "" + r.getEpochs().size(), "" + inferences, Numbers.fixed(r.getEnergyJoules(), 1),
                    Numbers.fixed(times1000(r.getJoulesPerSample()), 3), Numbers.fixed(r.getSamplesPerSecond(), 0),
                    Numbers.fixed(r.getLatencyP50Ms(), 3), Numbers.fixed(r.getLatencyP95Ms(), 3), Numbers.fixed(r.getLatencyP99Ms(), 3),
                    ReportCsv.quality(r))));
        }
        return b.append("</tbody></table>\n</details>\n</section>\n").toString();
    }

    static Double times1000(Double v) {
        return v == null ? null : 1000 * v;
    }

    private static MetricSummary metric(ExperimentStats stats, String key, String metric) {
        return stats.getConfigurations().stream().filter(c -> c.getKey().equals(key)).flatMap(c -> c.getMetrics().stream())
                .filter(m -> m.getMetric().equals(metric)).findFirst().orElse(null);
    }

    /** The mean of the runs' values that are known; null when none is. */
    private static Double mean(List<RunEnergy> runs, Function<RunEnergy, Double> value) {
        double[] v = runs.stream().map(value).filter(Objects::nonNull).mapToDouble(Double::doubleValue).toArray();
        return v.length == 0 ? null : java.util.Arrays.stream(v).average().orElseThrow();
    }

    private static String percent(Double ratio) {
        return ratio == null ? "" : Numbers.fixed(100 * ratio, 2) + " %";
    }
}
