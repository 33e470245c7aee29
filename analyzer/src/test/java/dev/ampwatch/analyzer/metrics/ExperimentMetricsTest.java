package dev.ampwatch.analyzer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ComparisonKind;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.GroupSummary;
import dev.ampwatch.schema.RegressionCheck;
import dev.ampwatch.schema.RegressionKind;
import dev.ampwatch.schema.SignificanceTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExperimentMetricsTest {
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** The phase label the mixed-precision alerts match: inference configurations' keys say phase=inference. */
    @Test
    void thePhaseLabelComesFromTheConfigurationKey() {
        assertThat(ExperimentMetrics.phase("precision=int8|batch_size=256|hidden_units=256,128|phase=inference"))
                .isEqualTo("inference");
        assertThat(ExperimentMetrics.phase("precision=amp-fp16|batch_size=32|hidden_units=256,128")).isEqualTo("training");
    }

    @Test
    void groupsAndTestsBecomeGaugesThatFollowTheLatestStatistics() {
        ExperimentMetrics metrics = new ExperimentMetrics(registry, 10);
        metrics.update(stats("e1", 0.2));
        metrics.update(stats("e1", 0.01));

        assertThat(registry.get("ampwatch.experiment.test.p.value").tag("experiment_id", "e1")
                .tag("groups", "amp-fp16,fp32").gauge().value()).isEqualTo(0.01);
        assertThat(registry.get("ampwatch.experiment.group.power.mean").tag("group", "amp-fp16").gauge().value())
                .isEqualTo(112.0);
        assertThat(registry.find("ampwatch.experiment.test.p.value").gauges()).hasSize(1);
    }

    /**
     * A rebalance reads the statistics back from the store while new ones come live: an older computation does not
     * replace a newer; an experiment whose statistics partition moved to another instance is removed (2026-12-02).
     */
    @Test
    void anOlderComputationDoesNotReplaceANewerAndMovedExperimentsGo() {
        ExperimentMetrics metrics = new ExperimentMetrics(registry, 10);
        ExperimentStats newer = ExperimentStats.newBuilder(stats("e1", 0.01)).setComputedAt(Instant.EPOCH.plusSeconds(60)).build();
        assertThat(metrics.update(newer)).isTrue();
        assertThat(metrics.update(stats("e1", 0.2))).isFalse(); // computed at EPOCH: before
        assertThat(registry.get("ampwatch.experiment.test.p.value").tag("experiment_id", "e1").gauge().value()).isEqualTo(0.01);
        metrics.update(stats("e2", 0.5));

        metrics.remove("e1"::equals);
        assertThat(registry.find("ampwatch.experiment.test.p.value").gauges())
                .extracting(g -> g.getId().getTag("experiment_id")).containsExactly("e2");
        assertThat(metrics.experiments()).containsExactly("e2");
        assertThat(metrics.update(stats("e1", 0.2))).isTrue(); // back: anything is newer than nothing
    }

    /**
     * A group's series, and a v1 test's, carry their configuration's phase, so the experiment dashboard's Phase selector
     * filters them (a review; the tests' since 2026-12-02).
     */
    @Test
    void groupAndTestSeriesCarryTheirConfigurationsPhase() {
        SignificanceTest inference = SignificanceTest.newBuilder().setName("welch-t").setMetric("energy_joules")
                .setGroups(List.of("int8 inference", "fp32 inference")).setStatistic(2.0).setPValue(0.1)
                .setSignificant(false).setAlpha(0.05).build();
        SignificanceTest training = SignificanceTest.newBuilder(inference).setGroups(List.of("fp32")).build();
        ExperimentStats stats = ExperimentStats.newBuilder(stats("e1", 0.5)).setGroups(List.of(group("int8 inference", 50), group("fp32", 100)))
                .setConfigurations(List.of(configuration("precision=int8|batch_size=256|phase=inference", "int8 inference"),
                        configuration("precision=fp32|batch_size=256", "fp32")))
                .setTests(List.of(inference, training)).build();
        new ExperimentMetrics(registry, 10).update(stats);
        assertThat(registry.get("ampwatch.experiment.group.runs").tag("group", "int8 inference").gauge().getId().getTag("phase"))
                .isEqualTo("inference");
        assertThat(registry.get("ampwatch.experiment.group.runs").tag("group", "fp32").gauge().getId().getTag("phase"))
                .isEqualTo("training");
        assertThat(registry.get("ampwatch.experiment.test.p.value").tag("groups", "int8 inference,fp32 inference")
                .gauge().getId().getTag("phase")).isEqualTo("inference");
        assertThat(registry.get("ampwatch.experiment.test.statistic").tag("groups", "fp32").gauge().getId().getTag("phase"))
                .isEqualTo("training");
        // the join from run series (configuration_key) to the configuration's label, for per-configuration panels
        assertThat(registry.get("ampwatch.experiment.configuration.info").tag("configuration", "int8 inference")
                .tag("configuration_key", "precision=int8|batch_size=256|phase=inference").tag("phase", "inference")
                .gauge().value()).isEqualTo(1.0);
    }

    private static dev.ampwatch.schema.ConfigurationSummary configuration(String key, String label) {
        return dev.ampwatch.schema.ConfigurationSummary.newBuilder().setKey(key).setLabel(label)
                .setPrecision(label.split(" ")[0]).setFactors(List.of()).setRuns(3).setMetrics(List.of())
                .build();
    }

    @Test
    void keepsOnlyTheMostRecentExperiments() {
        ExperimentMetrics metrics = new ExperimentMetrics(registry, 2);
        metrics.update(stats("a", 0.5));
        metrics.update(stats("b", 0.5));
        metrics.update(stats("c", 0.5));

        assertThat(registry.find("ampwatch.experiment.test.p.value").gauges())
                .extracting(g -> g.getId().getTag("experiment_id")).containsExactlyInAnyOrder("b", "c");
    }

    @Test
    void comparisonsAtTheSameSettingsBecomeDifferenceAndHolmGaugesWithUnitsInTheirNames() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ExperimentMetrics(prometheus, 10).update(withComparisons("e1", 1));

        String text = prometheus.scrape();
        String tags = "configuration=\"amp-fp16 bs=32\",experiment_id=\"e1\",kind=\"precision\","
                + "metric=\"average_power_watts\",phase=\"training\",reference=\"fp32 bs=32\"";
        assertThat(text).contains("ampwatch_experiment_comparison_power_difference_watts{" + tags + "} -8.0")
                .contains("ampwatch_experiment_comparison_difference_ratio{" + tags + "} -0.08")
                .contains("ampwatch_experiment_comparison_p_value_holm{" + tags + ",test=\"welch-t\"} 0.002")
                .doesNotContain("_percent");
    }

    @Test
    void anExperimentBindsAtMostABoundedNumberOfComparisonSeries() {
        ExperimentMetrics metrics = new ExperimentMetrics(registry, 10);
        metrics.update(withComparisons("big", 500));

        assertThat(registry.find("ampwatch.experiment.comparison.power.difference").gauges())
                .hasSize(ExperimentMetrics.MAX_SERIES_PER_KIND);
    }

    @Test
    void regressionChecksBecomeGaugesLabelledWithTheirCheck() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RegressionCheck latest = RegressionCheck.newBuilder().setCheck(RegressionKind.LATEST_VS_FP32).setMetric("energy_joules")
                .setUnit("J").setConfiguration("k1").setConfigurationLabel("amp-fp16 bs=32").setReference("k2")
                .setReferenceLabel("fp32 bs=32").setN(3).setNReference(6).setMean(1050.0).setMeanReference(1000.0)
                .setMeanDifference(50.0).setMeanDifferenceRatio(0.05).setWelchP(0.01).setWelchPHolm(0.02).setSignificant(true)
                .build();
        RegressionCheck tooFew = RegressionCheck.newBuilder(latest).setCheck(RegressionKind.LATEST_VS_EARLIER)
                .setMeanDifference(null).setMeanDifferenceRatio(null).setWelchP(null).setWelchPHolm(null).build();
        new ExperimentMetrics(prometheus, 10).update(ExperimentStats.newBuilder(stats("e1", 0.5))
                .setRegressions(List.of(latest, tooFew)).build());

        String tags = "check=\"latest-vs-fp32\",configuration=\"amp-fp16 bs=32\",experiment_id=\"e1\","
                + "metric=\"energy_joules\",phase=\"training\",reference=\"fp32 bs=32\"";
        assertThat(prometheus.scrape()).contains("ampwatch_experiment_regression_energy_difference_joules{" + tags + "} 50.0")
                .contains("ampwatch_experiment_regression_difference_ratio{" + tags + "} 0.05")
                .contains("ampwatch_experiment_regression_p_value_holm{" + tags + ",test=\"welch-t\"} 0.02")
                .doesNotContain("latest-vs-earlier");
    }

    private static ExperimentStats withComparisons(String id, int count) {
        List<Comparison> comparisons = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String label = i == 0 ? "amp-fp16 bs=32" : "amp-fp16 bs=" + (1000 + i);
            String reference = i == 0 ? "fp32 bs=32" : "fp32 bs=" + (1000 + i);
            comparisons.add(Comparison.newBuilder().setKinds(List.of(ComparisonKind.PRECISION_VS_FP32))
                    .setMetric("average_power_watts").setUnit("W").setConfiguration("k-" + label)
                    .setConfigurationLabel(label).setReference("k-" + reference).setReferenceLabel(reference)
                    .setN(5).setNReference(5).setMean(92.0).setMeanReference(100.0).setMeanDifference(-8.0)
                    .setMeanDifferenceRatio(-0.08).setWelchP(0.001).setWelchPHolm(0.002).build());
        }
        return ExperimentStats.newBuilder(stats(id, 0.5)).setComparisons(comparisons).build();
    }

    private static ExperimentStats stats(String id, double p) {
        return ExperimentStats.newBuilder().setExperimentId(id).setComputedAt(Instant.EPOCH)
                .setGroups(List.of(group("amp-fp16", 112), group("fp32", 100)))
                .setTests(List.of(SignificanceTest.newBuilder().setName("welch-t").setMetric("average_power_watts")
                        .setGroups(List.of("amp-fp16", "fp32")).setStatistic(3.1).setPValue(p)
                        .setSignificant(p < 0.05).setAlpha(0.05).build()))
                .build();
    }

    private static GroupSummary group(String name, double watts) {
        return GroupSummary.newBuilder().setGroup(name).setRuns(3).setMeanEnergyJoules(watts * 10)
                .setStddevEnergyJoules(1.0).setMeanPowerWatts(watts).setMeanDurationSeconds(10).build();
    }
}
