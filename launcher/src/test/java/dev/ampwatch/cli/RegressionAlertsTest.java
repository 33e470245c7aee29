package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ampwatch.analyzer.metrics.ExperimentMetrics;
import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.analyzer.state.RunSettings;
import dev.ampwatch.analyzer.stats.ExperimentStatistics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The regression alerts on the series the analyzer really produces: an experiment's runs go through the
 * real statistics and {@link ExperimentMetrics} into a Prometheus scrape, and every
 * {@code ampwatch_experiment_regression_*} line of that scrape becomes an input series of a promtool unit
 * test of the shipped rules. amp-fp16 at batch size 32 saved 10 % and its latest runs now draw 6 % more
 * than fp32: both alerts fire for it. amp-fp16 at batch size 64 keeps saving: neither fires for it.
 */
class RegressionAlertsTest {
    static final Path RULES = Path.of("..", "deploy", "prometheus", "alerts.yml").toAbsolutePath();
    static final Pattern SERIES = Pattern.compile("(?m)^(ampwatch_experiment_regression_\\w+\\{[^}]*\\}) (\\S+)$");

    @Test
    void bothRegressionAlertsFireForTheConfigurationThatRegressedAndStayQuietForTheOther(@TempDir Path dir)
            throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")), "promtool not installed (apt-get install prometheus)");
        List<FinishedRun> runs = new ArrayList<>();
        add(runs, "fp32", 32, 100, 101, 99, 100.5, 99.5, 100);
        add(runs, "amp-fp16", 32, 90, 91, 89, 90.5);
        add(runs, "fp32", 64, 120, 121, 119, 120.5, 119.5, 120);
        add(runs, "amp-fp16", 64, 110, 111, 109, 110.5, 110, 109.5, 110.5);
        add(runs, "amp-fp16", 32, 106, 105, 107);
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ExperimentMetrics(prometheus, 10).update(ExperimentStatistics.compute(new ExperimentRuns("reg", runs)));
        String scrape = prometheus.scrape();

        StringBuilder series = new StringBuilder();
        Matcher m = SERIES.matcher(scrape);
        while (m.find()) {
            series.append("      - series: '").append(m.group(1)).append("'\n        values: '").append(m.group(2)).append("x4'\n");
        }
        assertThat(series).as(scrape).isNotEmpty();
        Files.writeString(dir.resolve("regression_test.yml"), String.join("\n",
                "rule_files: ['" + RULES + "']",
                "evaluation_interval: 15s",
                "tests:",
                "  - interval: 15s",
                "    input_series:",
                series + "    alert_rule_test:",
                "      - eval_time: 30s",
                "        alertname: MixedPrecisionNowDrawsMorePowerThanFp32",
                "        exp_alerts:",
                "          - exp_labels: {severity: warning, experiment_id: reg, configuration: amp-fp16 bs=32,"
                        + " reference: fp32 bs=32, metric: average_power_watts, check: latest-vs-fp32, phase: training}",
                "            exp_annotations:",
                "              summary: 'In experiment reg, the latest runs of amp-fp16 bs=32 draw 6.0 W more than fp32 bs=32'",
                "              runbook_url: 'docs/operations.md#alert-mixedprecisionnowdrawsmorepowerthanfp32'",
                "      - eval_time: 30s",
                "        alertname: MixedPrecisionNoLongerSavesEnergy",
                "        exp_alerts:",
                "          - exp_labels: {severity: warning, experiment_id: reg, configuration: amp-fp16 bs=32,"
                        + " reference: fp32 bs=32, metric: energy_joules, check: latest-vs-fp32, phase: training}",
                "            exp_annotations:",
                "              summary: 'In experiment reg, amp-fp16 bs=32 no longer saves energy: its latest runs use 6%"
                        + " more than fp32 bs=32, its earlier runs used less'",
                "              runbook_url: 'docs/operations.md#alert-mixedprecisionnolongersavesenergy'",
                ""));
        Process p = new ProcessBuilder("/usr/bin/promtool", "test", "rules", "regression_test.yml").directory(dir.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out + "\n" + Files.readString(dir.resolve("regression_test.yml"))).isZero();
    }

    /** Completed runs of 100 s each (energy = 100 x watts), ending one after the other. */
    private static void add(List<FinishedRun> runs, String precision, int batchSize, double... watts) {
        for (double w : watts) {
            int i = runs.size();
            runs.add(FinishedRun.newBuilder().setRunId("run-" + i).setGroup(precision).setStatus("COMPLETED")
                    .setEnergyJoules(100 * w).setAveragePowerWatts(w).setDurationSeconds(100).setEndUs(1_000_000L * (i + 1))
                    .setSettings(RunSettings.newBuilder().setPrecision(precision).setBatchSize(batchSize)
                            .setHiddenUnits(List.of(256)).setEpochs(5).setLearningRate(0.01).setOptimizer("sgd-momentum")
                            .setDataset("fashion-mnist").setDatasetSynthetic(false).setTrainSamples(1000)
                            .setDeviceName("gpu").setBackend("jcuda").setBenchmark(false).build())
                    .setNetEnergyJoules(80 * w).setEpochsCompleted(5).build());
        }
    }
}
