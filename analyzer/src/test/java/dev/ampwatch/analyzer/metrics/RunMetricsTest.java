package dev.ampwatch.analyzer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.TestClock;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.DataQuality;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import dev.ampwatch.schema.SourceType;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finished runs leave /metrics within the retention even when no other run energy ever arrives. */
class RunMetricsTest {
    final TestClock clock = new TestClock(Instant.parse("2026-11-30T00:00:00Z"));
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final RunMetrics metrics = new RunMetrics(registry, Duration.ofMinutes(2), clock);

    @Test
    void tenThousandFinishedRunsRetireWithinTheRetentionWithNoNewInput() {
        for (int i = 0; i < 10_000; i++) {
            metrics.onRunEnergy(run("run-" + i, "host-" + i % 1000));
        }
        assertThat(registry.find("ampwatch.run.energy").meters()).hasSize(10_000);
        clock.advance(Duration.ofMinutes(2));
        metrics.retireExpired(); // what a scrape does
        assertThat(registry.find("ampwatch.run.energy").meters()).hasSize(10_000); // not yet past the retention
        clock.advance(Duration.ofSeconds(2));
        metrics.retireExpired();
        assertThat(registry.find("ampwatch.run.energy").meters()).isEmpty();
        assertThat(registry.scrape()).doesNotContain("ampwatch_run_");
    }

    /**
     * A run that starts after its experiment's statistics hold a model-size fit gets the estimate on /metrics,
     * the same as the fit gives; one outside the fit's range gets none; a forecast shows beside it.
     */
    @Test
    void aStartingRunGetsTheModelSizeEstimateAndItsForecastOnMetrics() {
        var runs = dev.ampwatch.analyzer.stats.EnergyModelReferenceTestAccess.runs();
        var stats = dev.ampwatch.analyzer.stats.ExperimentStatistics.compute(
                dev.ampwatch.analyzer.state.ExperimentRuns.newBuilder().setExperimentId("exp").setRuns(runs).build());
        metrics.onExperimentStats(stats);
        dev.ampwatch.schema.RunConfig config = dev.ampwatch.schema.RunConfig.newBuilder().setPrecision("amp-bf16").setBatchSize(128)
                .setHiddenUnits(List.of(256)).setEpochs(5).setLearningRate(0.05).setOptimizer("sgd-momentum").setDataset("d")
                .setTrainSamples(12000).setParameterCount(300000).setDeviceName("cpu").setBackend("cpu").build();
        RunEnergy live = RunEnergy.newBuilder(run("in-range", "h")).setIsFinal(false).setStatus(RunStatus.RUNNING)
                .setConfig(config).build();
        metrics.onRunEnergy(live);
        double expected = dev.ampwatch.analyzer.stats.EnergyModel.from(stats.getEnergyModel()).estimate(config, 0.95).joules();
        assertThat(registry.get("ampwatch.run.estimate.energy").tag("run_id", "in-range").gauge().value())
                .isEqualTo(expected).isBetween(1000.0, 1020.0); // 1010.59 J in EnergyModelReferenceTest
        assertThat(registry.get("ampwatch.run.estimate.fit.runs").tag("run_id", "in-range").gauge().value()).isEqualTo(8);

        metrics.onRunEnergy(RunEnergy.newBuilder(live).setRunId("too-big")
                .setConfig(dev.ampwatch.schema.RunConfig.newBuilder(config).setParameterCount(10_000_000L).build()).build());
        assertThat(registry.find("ampwatch.run.estimate.energy").tag("run_id", "too-big").gauge()).isNull();

        metrics.onRunEnergy(RunEnergy.newBuilder(live).setForecast(dev.ampwatch.schema.EnergyForecast.newBuilder().setAfterEpoch(2)
                .setEpochsUsed(2).setPlannedEpochs(5).setModel("steady").setConfidence(0.95).setEnergyJoules(2000)
                .setEnergyLowJoules(1800).setEnergyHighJoules(2200).setNetEnergyJoules(1500).setNetEnergyLowJoules(1300)
                .setNetEnergyHighJoules(1700).setEndTime(Instant.ofEpochSecond(50)).setEndLowTime(Instant.ofEpochSecond(45))
                .setEndHighTime(Instant.ofEpochSecond(55)).setCo2eGrams(0.2).setCo2eLowGrams(0.18).setCo2eHighGrams(0.22).build())
                .build());
        String scrape = registry.scrape();
        assertThat(scrape).contains("ampwatch_run_forecast_energy_joules{", "ampwatch_run_forecast_energy_high_joules{",
                "ampwatch_run_forecast_end_timestamp_seconds{", "ampwatch_run_estimate_energy_low_joules{");
        assertThat(registry.get("ampwatch.run.forecast.energy.high").tag("run_id", "in-range").gauge().value()).isEqualTo(2200);
        assertThat(registry.get("ampwatch.run.forecast.end.timestamp").tag("run_id", "in-range").gauge().value()).isEqualTo(50);
    }

    /** An inference run shows its energy per 1,000 inferences; a training run has no such series. */
    @Test
    void anInferenceRunShowsItsEnergyPer1000Inferences() {
        dev.ampwatch.schema.RunConfig config = dev.ampwatch.schema.RunConfig.newBuilder().setPrecision("int8").setBatchSize(256)
                .setHiddenUnits(List.of(256, 128)).setEpochs(3).setLearningRate(0).setOptimizer("none").setDataset("d (test split)")
                .setTrainSamples(10000).setParameterCount(235146).setDeviceName("cpu").setBackend("cpu")
                .setPhase(dev.ampwatch.schema.RunPhase.INFERENCE).build();
        metrics.onRunEnergy(RunEnergy.newBuilder(run("inference", "h")).setIsFinal(false).setConfig(config).setJoulesPerSample(null)
                .build()); // no pass complete yet: no throughput or latency series (none starts at NaN)
        assertThat(registry.find("ampwatch.run.samples.per.second").tag("run_id", "inference").gauge()).isNull();
        assertThat(registry.find("ampwatch.run.inference.latency").tag("run_id", "inference").gauge()).isNull();
        metrics.onRunEnergy(RunEnergy.newBuilder(run("inference", "h")).setConfig(config).setJoulesPerSample(0.0125)
                .setSamplesPerSecond(8000.0).setLatencyP50Ms(2.5).setLatencyP95Ms(4.0).setLatencyP99Ms(6.5).build());
        metrics.onRunEnergy(run("training", "h"));
        assertThat(registry.get("ampwatch.run.energy.per.1000.inferences").tag("run_id", "inference").gauge().value()).isEqualTo(12.5);
        assertThat(registry.find("ampwatch.run.energy.per.1000.inferences").tag("run_id", "training").gauge()).isNull();
        assertThat(registry.get("ampwatch.run.samples.per.second").tag("run_id", "inference").gauge().value()).isEqualTo(8000.0);
        assertThat(registry.get("ampwatch.run.inference.latency").tag("run_id", "inference").tag("percentile", "50").gauge().value())
                .isEqualTo(0.0025);
        assertThat(registry.get("ampwatch.run.inference.latency").tag("run_id", "inference").tag("percentile", "99").gauge().value())
                .isEqualTo(0.0065);
        assertThat(registry.find("ampwatch.run.inference.latency").tag("run_id", "training").gauge()).isNull();
        String scrape = registry.scrape();
        assertThat(scrape).contains("ampwatch_run_energy_per_1000_inferences_joules{")
                .contains("ampwatch_run_samples_per_second{").contains("ampwatch_run_inference_latency_seconds{");
        assertThat(scrape).containsPattern("ampwatch_run_inference_latency_seconds\\{[^}]*percentile=\"95\"[^}]*\\} 0.004");
    }

    private static RunEnergy run(String runId, String host) {
        return RunEnergy.newBuilder().setRunId(runId).setExperimentId("exp").setHost(host).setStatus(RunStatus.COMPLETED)
                .setIsFinal(true).setConfig(null).setStartTime(Instant.EPOCH).setEndTime(Instant.ofEpochSecond(10))
                .setAttributedUntil(Instant.ofEpochSecond(10)).setDurationSeconds(10).setEnergyJoules(1000)
                .setNetEnergyJoules(600).setAveragePowerWatts(100).setPeakPowerWatts(120).setJoulesPerSample(0.05)
                .setCo2eGrams(0.1).setCarbonIntensityGPerKwh(400).setAttributionRule("even-split")
                .setComponents(List.of(ComponentEnergy.newBuilder().setComponent(Component.GPU).setDevice("gpu0")
                        .setSource(SourceType.NVML).setMethod("counter").setEnergyJoules(1000).setNetEnergyJoules(600)
                        .setCoveredSeconds(10).setSamples(100).build()))
                .setEpochs(List.of())
                .setQuality(DataQuality.newBuilder().setEstimated(false).setGaps(0).setGapSeconds(0).setLateSamples(0).build())
                .build();
    }
}
