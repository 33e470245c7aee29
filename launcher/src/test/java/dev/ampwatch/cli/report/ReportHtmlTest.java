package dev.ampwatch.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ComparisonKind;
import dev.ampwatch.schema.ConfigurationSummary;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.MetricSummary;
import dev.ampwatch.schema.RunEnergy;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The report's HTML and CSV without a browser: the tables, their numbers, the escaping, the plot data. */
class ReportHtmlTest {
    final ReportData data = ReportFixture.data();
    final String html = ReportHtml.render(data);

    @Test
    void hasTheTablesAPaperPrints() {
        assertThat(html).contains("<table id=\"descriptive-average_power_watts\">", "<table id=\"descriptive-energy_joules\">",
                "<table id=\"anova-one-way-average_power_watts\">", "<table id=\"anova-factorial-type-ii-average_power_watts\">",
                "<table id=\"tests-average_power_watts\">", "<table id=\"effects-energy_joules\">",
                "<table id=\"regressions\">", "<table id=\"runs\">");
        assertThat(html).contains("<th>p (Holm)</th>", "<th>Hedges&#39; g</th>", "<th>TOST p</th>", "<th>runs needed per group</th>");
        assertThat(rows(html, "runs")).isEqualTo(20);
        // each run's CO2e, as on /runs and in the CSV (a review found the page without it)
        assertThat(table(html, "runs")).contains("<th>CO2e [g]</th>");
        assertThat(rows(html, "descriptive-average_power_watts")).isEqualTo(4);
        // every term of the 2x2 factorial, then the residual
        assertThat(table(html, "anova-factorial-type-ii-average_power_watts"))
                .contains(">precision<", ">batch_size<", ">precision:batch_size<", ">residual<");
    }

    @Test
    void showsTheStatisticsNumbersAsComputed() {
        ExperimentStats stats = data.stats();
        ConfigurationSummary amp32 = stats.getConfigurations().stream().filter(c -> c.getLabel().equals("amp-fp16 bs=32"))
                .findFirst().orElseThrow();
        MetricSummary power = amp32.getMetrics().stream().filter(m -> m.getMetric().equals("average_power_watts")).findFirst().orElseThrow();
        assertThat(table(html, "descriptive-average_power_watts"))
                .contains("<th scope=\"row\">amp-fp16 bs=32</th><td class=\"num\">5</td><td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">5</td>"
                        + "<td class=\"num\">" + Numbers.fixed(power.getMean(), 2) + "</td>");
        Comparison c = comparison(stats, "average_power_watts", "amp-fp16 bs=32");
        assertThat(c.getMeanDifference()).isBetween(-9.0, -7.0);
        assertThat(table(html, "tests-average_power_watts")).contains(Numbers.signed(c.getMeanDifference(), 2),
                Numbers.fixed(c.getCiLow(), 2) + " to " + Numbers.fixed(c.getCiHigh(), 2), "<td class=\"num\">&lt; 0.001</td>");
        assertThat(html).contains("amp-fp16 bs=32 vs fp32 bs=32: draws " + Numbers.fixed(-c.getMeanDifference(), 1) + " W less")
                .contains("significant after Holm (p &lt; 0.001)");
        Comparison same = comparison(stats, "energy_joules", "amp-fp16 bs=128");
        assertThat(same.getEquivalent()).isTrue();
        assertThat(html).contains("amp-fp16 bs=128 vs fp32 bs=128: draws").contains("energy: equivalent within +-5 %");
    }

    @Test
    void escapesEveryStringFromTheData() {
        assertThat(html).doesNotContain("<script>alert(1)</script>").doesNotContain("exp-<b>")
                .contains("run-&lt;script&gt;alert(1)&lt;/script&gt;").contains("exp-&lt;b&gt;&quot;&amp;&#39;");
        // the plot data: exactly two script elements end, and the run id is in the JSON with < escaped
        assertThat(Pattern.compile("</script>").matcher(html).results().count()).isEqualTo(2);
        assertThat(html).contains("run-\\u003cscript\\u003ealert(1)\\u003c/script\\u003e");
    }

    @Test
    void needsNoNetwork() {
        assertThat(html).doesNotContainPattern("(?i)<script[^>]+src=").doesNotContainPattern("(?i)<link[^>]+href=")
                .doesNotContainPattern("url\\(|fetch\\(|XMLHttpRequest|import\\(|@import")
                .doesNotContain("https://");
        // the only address is the SVG namespace, a name, not something fetched
        assertThat(html.replace("'http://www.w3.org/2000/svg'", "")).doesNotContain("http://");
    }

    @Test
    void hasOneFigurePerPlotWithItsData() {
        List<String> plots = Pattern.compile("data-plot=\"([^\"]+)\"").matcher(html).results().map(m -> m.group(1)).toList();
        assertThat(plots).containsExactly("power-over-time", "power-by-configuration", "energy-by-configuration",
                "power-difference", "energy-difference", "effects-batch_size");
        assertThat(html).contains("data-plots=\"6\"").contains("from the runs&#39; running totals");
    }

    /**
     * A configuration whose every run failed (out of memory in every repeat, say) has no means: the report shows it
     * with its failed runs and leaves it out of the plots; it threw a NullPointerException ("ampwatch: null", a review).
     */
    @Test
    void aConfigurationWhoseEveryRunFailedIsReportedNotACrash() {
        java.util.List<RunEnergy> runs = new java.util.ArrayList<>(data.runs());
        dev.ampwatch.analyzer.state.ExperimentRuns experiment = new dev.ampwatch.analyzer.state.ExperimentRuns(ReportFixture.EXPERIMENT,
                new java.util.ArrayList<>());
        for (RunEnergy r : runs) {
            experiment = dev.ampwatch.analyzer.stats.ExperimentRunsAggregator.add(ReportFixture.EXPERIMENT, r, experiment);
        }
        for (int i = 0; i < 2; i++) {
            RunEnergy failed = ReportFixture.run("oom-" + i, "amp-bf16", 32, 90, ReportFixture.T0.plusSeconds(7200 + 60L * i), 5, false, false);
            runs.add(failed);
            experiment = dev.ampwatch.analyzer.stats.ExperimentRunsAggregator.add(ReportFixture.EXPERIMENT, failed, experiment);
        }
        // and a completed run without a power reading of its host: counted as unmeasured, in no mean
        RunEnergy unmeasured = RunEnergy.newBuilder(ReportFixture.run("no-agent", "fp32", 32, 0, ReportFixture.T0.plusSeconds(7400), 5,
                true, false)).setEnergyJoules(0).setAveragePowerWatts(0).setQuality(dev.ampwatch.schema.DataQuality.newBuilder()
                .setEstimated(false).setGaps(0).setGapSeconds(0).setLateSamples(0).setUnmeasured(true).build()).build();
        runs.add(unmeasured);
        experiment = dev.ampwatch.analyzer.stats.ExperimentRunsAggregator.add(ReportFixture.EXPERIMENT, unmeasured, experiment);
        ReportData withFailures = new ReportData(dev.ampwatch.analyzer.stats.ExperimentStatistics.compute(experiment), runs,
                data.runningTotals(), "a test fixture");
        String rendered = ReportHtml.render(withFailures);
        assertThat(table(rendered, "descriptive-average_power_watts")).contains(">amp-bf16 bs=32<")
                .contains("<th scope=\"row\">fp32 bs=32</th><td class=\"num\">5</td><td class=\"num\">0</td><td class=\"num\">1</td>");
        assertThat(table(rendered, "runs")).contains("COMPLETED (unmeasured: no power reading of rig)");
        // counted apart in the header, and no dot at 0 W in the plots: it is in no statistic (a review saw it in the box)
        assertThat(rendered).contains("(and 1 completed without a power reading: unmeasured, in no statistic)");
        assertThat(ReportPlots.of(withFailures)).filteredOn(p -> p.id().equals("power-by-configuration")).singleElement()
                .satisfies(p -> assertThat((List<?>) p.data().get("categories")).anySatisfy(c -> {
                    java.util.Map<?, ?> category = (java.util.Map<?, ?>) c;
                    assertThat(category.get("label")).isEqualTo("fp32 bs=32");
                    assertThat((List<Object>) category.get("values")).hasSize(5).doesNotContain(0.0);
                }));
        assertThat(rows(rendered, "runs")).isEqualTo(23);
        assertThat(ReportCsv.write(withFailures, ReportHtml.labels(withFailures.stats())).split("\r\n")).hasSize(24);
    }

    /** With three runs a configuration, no regression check is computed: one line says why, not a table of 12 such rows. */
    @Test
    void regressionChecksNotYetComputedAreOneLine() {
        java.util.List<RunEnergy> runs = data.runs().subList(0, 12); // the first 3 repeats of the 4 configurations
        dev.ampwatch.analyzer.state.ExperimentRuns experiment = new dev.ampwatch.analyzer.state.ExperimentRuns(ReportFixture.EXPERIMENT,
                new java.util.ArrayList<>());
        for (RunEnergy r : runs) {
            experiment = dev.ampwatch.analyzer.stats.ExperimentRunsAggregator.add(ReportFixture.EXPERIMENT, r, experiment);
        }
        ExperimentStats stats = dev.ampwatch.analyzer.stats.ExperimentStatistics.compute(experiment);
        assertThat(stats.getRegressions()).isNotEmpty().allSatisfy(r -> assertThat(r.getWelchPHolm()).isNull());
        String rendered = ReportHtml.render(new ReportData(stats, runs, data.runningTotals(), "a test fixture"));
        assertThat(rendered).doesNotContain("<table id=\"regressions\">")
                .containsPattern("<p id=\"regressions-none\">No regression check computed yet \\(\\d+ checks\\): [^<]*needs");
    }

    @Test
    void aConfidenceIntervalBelowZeroOfAQuantityThatCannotBeIsSaidToBeNoBound() {
        MetricSummary energy = MetricSummary.newBuilder(data.stats().getConfigurations().get(0).getMetrics().get(0))
                .setMetric("energy_joules").setCiLow(-7.6).setReason(null).build();
        assertThat(ReportTables.note(energy)).contains("reaches below 0, which this quantity cannot");
        assertThat(ReportTables.note(MetricSummary.newBuilder(energy).setMetric("net_energy_joules").build())).isEmpty();
        assertThat(ReportTables.note(MetricSummary.newBuilder(energy).setCiLow(1.0).build())).isEmpty();
    }

    @Test
    void csvHasOneExactRowPerRunAndQuotesWhatNeedsIt() {
        String csv = ReportCsv.write(data, ReportHtml.labels(data.stats()));
        String[] lines = csv.split("\r\n");
        assertThat(lines).hasSize(21);
        assertThat(lines[0]).startsWith("run_id,experiment_id,configuration,configuration_key,precision,batch_size");
        assertThat(lines[1]).startsWith("run-0,\"exp-<b>\"\"&'\",fp32 bs=32,\"precision=fp32|batch_size=32|hidden_units=256,128|");
        assertThat(lines[1]).contains("," + data.runs().get(0).getEnergyJoules() + ",");
        assertThat(ReportCsv.quote("=HYPERLINK(1)")).isEqualTo("\"'=HYPERLINK(1)\"");
        assertThat(ReportCsv.quote("-1.5")).isEqualTo("-1.5");
        assertThat(ReportCommand.csvNextTo(java.nio.file.Path.of("out", "report.html"))).isEqualTo(java.nio.file.Path.of("out", "report.csv"));
    }

    /**
     * Inference runs get their own section (energy per 1,000 inferences with its interval, throughput, latency,
     * accuracy) and their CSV columns; a training-only experiment has no such section.
     */
    @Test
    void inferenceRunsShowEnergyPer1000InferencesThroughputAndLatency() {
        assertThat(ReportHtml.render(data)).doesNotContain("id=\"inference\"");
        ReportData mixed = ReportFixture.withInference();
        String html = ReportHtml.render(mixed);
        // the effect plots are of the training configurations: no "effect of phase" with the one level training (a review)
        assertThat(Pattern.compile("data-plot=\"([^\"]+)\"").matcher(html).results().map(m -> m.group(1)).toList())
                .contains("effects-batch_size").doesNotContain("effects-phase");
        assertThat(rows(html, "inference")).isEqualTo(2);
        assertThat(rows(html, "inference-runs")).isEqualTo(6);
        double[] fp32 = mixed.runs().stream().filter(r -> r.getRunId().startsWith("inference-")
                && r.getConfig().getPrecision().equals("fp32")).mapToDouble(r -> 1000 * r.getJoulesPerSample()).toArray();
        String mean = Numbers.fixed(java.util.Arrays.stream(fp32).average().orElseThrow(), 3);
        String fp32Row = java.util.Arrays.stream(table(html, "inference").split("</tr>"))
                .filter(r -> r.contains(">fp32 ")).findFirst().orElseThrow();
        assertThat(fp32Row).contains(">3<", ">" + mean + "<", ">5000<", ">1.200<", ">2.000<", ">4.000<", ">88.44 %<");
        dev.ampwatch.schema.MetricSummary perSample = mixed.stats().getConfigurations().stream()
                .filter(c -> c.getLabel().startsWith("fp32 ") && c.getLabel().contains("phase=inference"))
                .flatMap(c -> c.getMetrics().stream()).filter(m -> m.getMetric().equals("energy_per_sample_joules"))
                .findFirst().orElseThrow();
        assertThat(fp32Row).contains(">" + Numbers.fixed(1000 * perSample.getCiLow(), 3) + " to "
                + Numbers.fixed(1000 * perSample.getCiHigh(), 3) + "<");
        // the statistics compare int8 inference with fp32 inference, never with a training configuration
        assertThat(mixed.stats().getComparisons()).filteredOn(c -> c.getConfigurationLabel().startsWith("int8"))
                .isNotEmpty().allMatch(c -> c.getReferenceLabel().contains("phase=inference"));

        String[] csv = ReportCsv.write(mixed, ReportHtml.labels(mixed.stats())).split("\r\n");
        java.util.List<String> header = java.util.List.of(csv[0].split(","));
        String[] training = csv[1].split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1);
        String[] inference = csv[csv.length - 1].split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1);
        RunEnergy last = mixed.runs().get(mixed.runs().size() - 1);
        assertThat(training[header.indexOf("phase")]).isEqualTo("training");
        assertThat(training[header.indexOf("energy_per_1000_inferences_joules")]).isEmpty();
        assertThat(inference[header.indexOf("phase")]).isEqualTo("inference");
        assertThat(inference[header.indexOf("energy_per_1000_inferences_joules")]).isEqualTo("" + 1000 * last.getJoulesPerSample());
        assertThat(inference[header.indexOf("samples_per_second")]).isEqualTo("5000.0");
        assertThat(inference[header.indexOf("latency_p99_ms")]).isEqualTo("4.0");
        assertThat(header).endsWith("final_test_rmse", "host", "unmeasured", "missing_devices", "no_idle_baseline", "excluded_reason"); // new columns last: old readers' indexes hold
        assertThat(training[header.indexOf("host")]).isEqualTo("rig");
        assertThat(training[header.indexOf("unmeasured")]).isEqualTo("false");
        assertThat(training[header.indexOf("missing_devices")]).as("every named device measured").isEmpty();
        assertThat(training[header.indexOf("no_idle_baseline")]).as("every baseline known").isEmpty();
        assertThat(training[header.indexOf("conv_layers")]).as("an MLP").isEmpty();
        assertThat(training[header.indexOf("final_test_rmse")]).as("a classifier").isEmpty();
    }

    /** A user review found energy per sample (~0.03 J) shown as 0.0 with joules' one decimal. */
    @Test
    void smallValuesKeepThreeSignificantDigits() {
        assertThat(ReportTables.digits("J", 0.0314)).isEqualTo(4);
        assertThat(Numbers.fixed(0.0314, ReportTables.digits("J", 0.0314))).isEqualTo("0.0314");
        assertThat(ReportTables.digits("J", 2559.5)).isEqualTo(1);
        assertThat(ReportTables.digits("W", 48.8)).isEqualTo(2);
        assertThat(ReportTables.digits("ratio", 0.85)).isEqualTo(4);
        assertThat(ReportTables.digits("J", null)).isEqualTo(1);
        assertThat(ReportTables.digits("J", 1e-30)).as("bounded").isEqualTo(9);
    }

    @Test
    void aRegressionShowsItsTestRmseWhereAClassifierShowsAccuracy() {
        RunEnergy run = RunEnergy.newBuilder(data.runs().get(0)).build();
        run.setEpochs(run.getEpochs().stream().map(e -> dev.ampwatch.schema.EpochEnergy.newBuilder(e).setTestAccuracy(null)
                .setTestRmse(1.2345678).build()).toList());
        assertThat(ReportCsv.quality(run)).isEqualTo("RMSE 1.235");
        assertThat(ReportCsv.rmse(run)).isEqualTo(1.2345678);
        assertThat(ReportCsv.quality(data.runs().get(0))).endsWith(" %");
    }

    static Comparison comparison(ExperimentStats stats, String metric, String label) {
        return stats.getComparisons().stream().filter(c -> c.getMetric().equals(metric) && c.getConfigurationLabel().equals(label)
                && c.getKinds().contains(ComparisonKind.PRECISION_VS_FP32)).findFirst().orElseThrow();
    }

    static String table(String html, String id) {
        Matcher m = Pattern.compile("(?s)<table id=\"" + Pattern.quote(id) + "\">(.*?)</table>").matcher(html);
        assertThat(m.find()).as("table " + id).isTrue();
        return m.group(1);
    }

    static int rows(String html, String id) {
        return (int) Pattern.compile("<tr><th scope=\"row\">").matcher(table(html, id)).results().count();
    }

    /**
     * The forecasts section: the statistics' accuracy of the runs' first forecasts, each scored run's first forecast
     * against what it cost, and a profiled run's forecast unscored (a review found the report without forecasts).
     */
    @Test
    void forecastsShowEachRunsFirstForecastAgainstWhatItCostAndAProfiledRunsUnscored() {
        assertThat(html).contains("<section id=\"forecasts\">").contains("No run was forecast");
        java.util.List<RunEnergy> runs = new java.util.ArrayList<>();
        dev.ampwatch.analyzer.state.ExperimentRuns experiment = new dev.ampwatch.analyzer.state.ExperimentRuns(ReportFixture.EXPERIMENT,
                new java.util.ArrayList<>());
        for (int i = 0; i < data.runs().size(); i++) {
            RunEnergy r = data.runs().get(i);
            if (i < 4) { // first forecasts 2, 4, 6 and 8 % high, inside their +-10 % intervals; then one 1 % high
                double actual = r.getEnergyJoules();
                double first = actual * (1 + 0.02 * (i + 1));
                r = RunEnergy.newBuilder(r).setForecastChecks(List.of(check(2, first, actual, 10.0 * i),
                        check(3, actual * 1.01, actual, 1.0))).build();
            }
            runs.add(r);
            experiment = dev.ampwatch.analyzer.stats.ExperimentRunsAggregator.add(ReportFixture.EXPERIMENT, r, experiment);
        }
        RunEnergy profiled = RunEnergy.newBuilder(ReportFixture.run("profiled-1", "fp32", 32, 100, ReportFixture.T0.plusSeconds(9000),
                20, false, false)).setFailureReason("profiled: stopped after 2 epochs (ampwatch profile)")
                .setForecast(dev.ampwatch.schema.EnergyForecast.newBuilder().setAfterEpoch(2).setEpochsUsed(2).setPlannedEpochs(4)
                        .setModel("steady").setConfidence(0.95).setEnergyJoules(4012.5).setEnergyLowJoules(3900.25).setEnergyHighJoules(4200)
                        .setNetEnergyJoules(2800).setNetEnergyLowJoules(2700).setNetEnergyHighJoules(2900)
                        .setEndTime(ReportFixture.T0.plusSeconds(9040)).setEndLowTime(ReportFixture.T0.plusSeconds(9039))
                        .setEndHighTime(ReportFixture.T0.plusSeconds(9041)).setCo2eGrams(0.45).setCo2eLowGrams(0.43).setCo2eHighGrams(0.47)
                        .build()).build();
        runs.add(profiled);
        experiment = dev.ampwatch.analyzer.stats.ExperimentRunsAggregator.add(ReportFixture.EXPERIMENT, profiled, experiment);
        ExperimentStats stats = dev.ampwatch.analyzer.stats.ExperimentStatistics.compute(experiment);
        assertThat(stats.getForecastAccuracy()).isNotNull();
        assertThat(stats.getForecastAccuracy().getRuns()).isEqualTo(4);
        String rendered = ReportHtml.render(new ReportData(stats, runs, data.runningTotals(), "a test fixture"));

        // medians of 2, 4, 6, 8 %: 5 %; numpy's 90th percentile (linear): 7.4 %; inside their intervals: all four
        assertThat(rendered).contains("<p id=\"forecast-accuracy\">The first forecast of 4 completed run(s), scored at their end: "
                + "median error +5.0 % (the bias), median absolute error 5.0 %, 90th percentile 7.4 %; the actual total lay inside "
                + "the forecast&#39;s prediction interval in 100 % of them.</p>");
        String table = table(rendered, "forecasts-table");
        assertThat(rows(rendered, "forecasts-table")).isEqualTo(5);
        RunEnergy second = runs.get(1);
        double first = second.getEnergyJoules() * 1.04;
        assertThat(table).contains("<tr><th scope=\"row\">run-1</th><td>amp-fp16 bs=32</td><td>COMPLETED</td><td class=\"num\">2</td>"
                + "<td class=\"num\">4</td><td>steady</td><td class=\"num\">" + Numbers.fixed(first, 1) + "</td><td>"
                + Numbers.fixed(first * 0.9, 1) + " to " + Numbers.fixed(first * 1.1, 1) + "</td><td class=\"num\">"
                + Numbers.fixed(second.getEnergyJoules(), 1) + "</td><td class=\"num\">+4.0 %</td><td>yes</td><td class=\"num\">+10.0</td>"
                + "<td>the last of its 2 forecasts: error +1.0 %</td></tr>");
        assertThat(table).contains("<tr><th scope=\"row\">profiled-1</th><td>fp32 bs=32</td><td>FAILED</td><td class=\"num\">2</td>"
                + "<td class=\"num\">4</td><td>steady</td><td class=\"num\">4012.5</td><td>3900.3 to 4200.0</td><td></td><td></td>"
                + "<td></td><td></td><td>profiled: stopped after 2 epochs (ampwatch profile): not scored, the run did not complete "
                + "its planned epochs</td></tr>");
    }

    /** A standard deviation too small for its decimals reads in significant digits, not as 0 (a review saw "0.00000"). */
    @Test
    void aTinyStandardDeviationIsNotShownAsZero() {
        assertThat(ReportTables.sd(5.5e-7, 5)).isEqualTo("5.500e-07");
        assertThat(ReportTables.sd(0.0123, 3)).isEqualTo("0.012");
        assertThat(ReportTables.sd(0.0, 3)).isEqualTo("0.000");
        assertThat(ReportTables.sd(null, 3)).isEmpty();
    }

    private static dev.ampwatch.schema.ForecastCheck check(int afterEpoch, double forecast, double actual, double endErrorSeconds) {
        return dev.ampwatch.schema.ForecastCheck.newBuilder().setAfterEpoch(afterEpoch).setModel("steady").setEnergyJoules(forecast)
                .setEnergyLowJoules(forecast * 0.9).setEnergyHighJoules(forecast * 1.1).setErrorRatio((forecast - actual) / actual)
                .setInsideInterval(actual >= forecast * 0.9 && actual <= forecast * 1.1).setEndErrorSeconds(endErrorSeconds).build();
    }
}
