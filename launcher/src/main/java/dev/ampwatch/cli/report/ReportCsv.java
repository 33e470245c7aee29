package dev.ampwatch.cli.report;

import dev.ampwatch.analyzer.stats.ConfigurationKeys;
import dev.ampwatch.analyzer.stats.ExperimentRunsAggregator;
import dev.ampwatch.schema.EpochEnergy;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunEnergy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** One row per run, training and inference (RFC 4180, comma-separated, exact numbers, empty for a missing value), for R or pandas. */
final class ReportCsv {
    static final List<String> HEADER = List.of("run_id", "experiment_id", "configuration", "configuration_key", "precision",
            "batch_size", "hidden_units", "epochs", "learning_rate", "benchmark", "status", "start_time", "end_time",
            "duration_seconds", "energy_joules", "net_energy_joules", "average_power_watts", "peak_power_watts",
            "energy_per_sample_joules", "co2e_grams", "final_test_accuracy_ratio", "estimated", "gaps", "phase", "samples_per_second",
            "energy_per_1000_inferences_joules", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "conv_layers", "final_test_rmse",
            "host", "unmeasured", "missing_devices", "no_idle_baseline", "excluded_reason");

    private ReportCsv() {}

    /** The runs in the statistics, then those they exclude (with why, in {@code excluded_reason}; empty for the others). */
    static String write(ReportData report, Map<String, String> labelByKey) {
        StringBuilder b = new StringBuilder(line(HEADER));
        Map<String, String> why = report.stats().getExcludedRuns().stream()
                .collect(Collectors.toMap(e -> e.getRunId(), e -> e.getReason(), (x, y) -> x));
        List<RunEnergy> all = new ArrayList<>(report.runs());
        all.addAll(report.excluded());
        for (RunEnergy r : all) {
            RunConfig c = r.getConfig();
            String key = ConfigurationKeys.of(r);
            List<String> cells = new ArrayList<>(List.of(r.getRunId(), r.getExperimentId(), labelByKey.getOrDefault(key, ""),
                    key == null ? "" : key));
            cells.addAll(c == null ? List.of("", "", "", "", "", "") : List.of(c.getPrecision(), "" + c.getBatchSize(),
                    c.getHiddenUnits().stream().map(String::valueOf).collect(Collectors.joining(" ")), "" + c.getEpochs(),
                    Numbers.exact(c.getLearningRate()), "" + c.getBenchmark()));
            cells.addAll(List.of(r.getStatus().name(), r.getStartTime().toString(), r.getEndTime() == null ? "" : r.getEndTime().toString(),
                    Numbers.exact(r.getDurationSeconds()), Numbers.exact(r.getEnergyJoules()), Numbers.exact(r.getNetEnergyJoules()),
                    Numbers.exact(r.getAveragePowerWatts()), Numbers.exact(r.getPeakPowerWatts()), Numbers.exact(r.getJoulesPerSample()),
                    Numbers.exact(r.getCo2eGrams()), Numbers.exact(accuracy(r)), "" + r.getQuality().getEstimated(),
                    "" + r.getQuality().getGaps()));
            boolean inference = ReportInference.isInference(r);
            cells.addAll(List.of(c == null ? "" : inference ? "inference" : "training", Numbers.exact(r.getSamplesPerSecond()),
                    inference ? Numbers.exact(ReportInference.times1000(r.getJoulesPerSample())) : "",
                    Numbers.exact(r.getLatencyP50Ms()), Numbers.exact(r.getLatencyP95Ms()), Numbers.exact(r.getLatencyP99Ms()),
                    c == null ? "" : ExperimentRunsAggregator.convLayers(c.getConvLayers()).replace(',', ' '),
                    Numbers.exact(rmse(r)), r.getHost(), "" + r.getQuality().getUnmeasured(),
                    r.getQuality().getMissingDevices().stream().map(Object::toString).collect(Collectors.joining(" ")),
                    String.join(" ", r.getQuality().getNoIdleBaseline()), why.getOrDefault(r.getRunId(), "")));
            b.append(line(cells));
        }
        return b.toString();
    }

    /** Test accuracy of the last epoch that reported one, as the statistics take it. */
    static Double accuracy(RunEnergy r) {
        return last(r, EpochEnergy::getTestAccuracy);
    }

    /** A regression's test RMSE (its target's units) of the last epoch that reported one, as the statistics take it. */
    static Double rmse(RunEnergy r) {
        return last(r, EpochEnergy::getTestRmse);
    }

    private static Double last(RunEnergy r, java.util.function.Function<EpochEnergy, Double> value) {
        Double last = null;
        for (EpochEnergy e : r.getEpochs()) {
            if (value.apply(e) != null) {
                last = value.apply(e);
            }
        }
        return last;
    }

    /** What a run's model achieved for a table cell: accuracy in %, or a regression's "RMSE x"; empty if neither. */
    static String quality(RunEnergy r) {
        if (rmse(r) != null) {
            return "RMSE " + Numbers.sig(rmse(r));
        }
        return accuracy(r) == null ? "" : Numbers.fixed(100 * accuracy(r), 2) + " %";
    }

    private static String line(List<String> cells) {
        return cells.stream().map(ReportCsv::quote).collect(Collectors.joining(",")) + "\r\n";
    }

    /** Quoted when it holds a comma, quote or line break; a leading = + - @ is quoted too, so no spreadsheet runs it. */
    static String quote(String s) {
        boolean formula = !s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0 && !s.matches("[-+]?[0-9.eE+-]+");
        if (formula) {
            return "\"'" + s.replace("\"", "\"\"") + "\"";
        }
        return s.chars().anyMatch(ch -> ch == ',' || ch == '"' || ch == '\r' || ch == '\n') ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
