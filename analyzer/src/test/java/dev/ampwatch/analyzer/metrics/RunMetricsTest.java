package dev.ampwatch.analyzer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.TestClock;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
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

    /** Net energy is below 0 when a run draws less than the idle baseline: the gauge says so, unclamped (a user's review). */
    @Test
    void netEnergyBelowTheIdleBaselineIsNegativeOnMetrics() {
        metrics.onRunEnergy(RunEnergy.newBuilder(run("below-idle", "rig")).setNetEnergyJoules(-7.75).build());
        assertThat(registry.scrape()).containsPattern("ampwatch_run_net_energy_joules\\{[^}]*run_id=\"below-idle\"[^}]*} -7\\.75")
                .doesNotContain("ampwatch_run_net_energy_joules_total");
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
        // its configuration, as the statistics key it: dashboards average runs per configuration, not per precision
        assertThat(registry.get("ampwatch.run.energy.per.1000.inferences").tag("run_id", "inference").gauge().getId()
                .getTag("configuration_key")).startsWith("precision=int8|batch_size=256|").contains("phase=inference");
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

    /**
     * With several instances a host's series are its partition owner's: when the partition moves away, its hosts' runs
     * (running or finished), devices and host gauges leave this instance's /metrics, the other hosts' stay; the finished
     * runs come back (restore) when the partition does (an operator review, 2026-12-02).
     */
    @Test
    void aReleasedPartitionTakesItsHostsSeriesAwayAndAGainedOneBringsBackItsFinishedRuns() {
        int partitions = 4;
        String moving = "rig-a";
        String staying = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "rig-" + i)
                .filter(h -> RunMetrics.partitionOf(h, partitions) != RunMetrics.partitionOf(moving, partitions)).findFirst().orElseThrow();
        int p = RunMetrics.partitionOf(moving, partitions);
        metrics.inputPartitions(partitions);
        java.util.concurrent.atomic.AtomicInteger gained = new java.util.concurrent.atomic.AtomicInteger();
        metrics.whenPartitionsGained(gained::incrementAndGet);
        for (int i = 0; i < partitions; i++) {
            metrics.onPartitionAssigned(i);
        }
        assertThat(gained).hasValue(partitions);
        RunEnergy running = RunEnergy.newBuilder(run("live", moving)).setIsFinal(false).setStatus(RunStatus.RUNNING).build();
        metrics.onRunEnergy(running);
        RunEnergy done = RunEnergy.newBuilder(run("done", moving)).setEndTime(clock.instant().minusSeconds(30)).build();
        metrics.onRunEnergy(done);
        metrics.onRunEnergy(run("other", staying));
        metrics.onHostProgress(moving, 5_000_000, List.of(new dev.ampwatch.analyzer.LiveDevice("GPU", "gpu0", 250, 1000, 600, 80)));
        metrics.onHostProgress(staying, 5_000_000, List.of(new dev.ampwatch.analyzer.LiveDevice("GPU", "gpu0", 250, 1000, 600, 80)));
        assertThat(registry.scrape()).contains("host=\"" + moving + "\"");

        metrics.onPartitionReleased(p);
        String scrape = registry.scrape();
        assertThat(scrape).doesNotContain("host=\"" + moving + "\"")
                .contains("ampwatch_run_energy_joules_total{configuration_key=\"unknown\",experiment_id=\"exp\",host=\"" + staying + "\"")
                .contains("ampwatch_device_power_watts{component=\"GPU\",device=\"gpu0\",host=\"" + staying + "\"}");
        assertThat(metrics.owns(moving)).isFalse();
        metrics.restore(done); // read back from a store while another instance has the host: not here
        assertThat(registry.scrape()).doesNotContain("host=\"" + moving + "\"");

        metrics.onPartitionAssigned(p); // it comes back: the finished run is read back, the rest as it is processed
        assertThat(gained).hasValue(partitions + 1);
        metrics.restore(done);
        assertThat(registry.get("ampwatch.run.energy").tag("run_id", "done").functionCounter().count()).isEqualTo(1000);
        assertThat(registry.find("ampwatch.run.energy").tag("run_id", "live").functionCounter()).isNull();
        metrics.onRunEnergy(running);
        metrics.onHostProgress(moving, 6_000_000, List.of(new dev.ampwatch.analyzer.LiveDevice("GPU", "gpu0", 240, 1240, 600, 80)));
        assertThat(registry.scrape()).contains("ampwatch_run_finished{configuration_key=\"unknown\",experiment_id=\"exp\",host=\"" + moving + "\"")
                .contains("ampwatch_device_energy_joules_total{component=\"GPU\",device=\"gpu0\",host=\"" + moving + "\"} 1240.0");
    }

    /**
     * After a rebalance the experiments of this instance's statistics partitions are read back: those not among them
     * that another instance has now go, those whose owner is unknown (no metadata yet) stay (2026-12-02).
     */
    @Test
    void experimentsFollowTheirStatisticsPartition() {
        for (String id : List.of("stays", "moved", "unknown")) {
            metrics.onExperimentStats(experiment(id));
        }
        metrics.experimentsHere(List.of(experiment("stays"), experiment("gained")), id -> !id.equals("unknown"));
        assertThat(registry.find("ampwatch.experiment.group.runs").gauges())
                .extracting(g -> g.getId().getTag("experiment_id")).containsExactlyInAnyOrder("stays", "gained", "unknown");
    }

    private dev.ampwatch.schema.ExperimentStats experiment(String id) {
        return dev.ampwatch.schema.ExperimentStats.newBuilder().setExperimentId(id).setComputedAt(clock.instant())
                .setGroups(List.of(dev.ampwatch.schema.GroupSummary.newBuilder().setGroup("fp32").setRuns(2)
                        .setMeanEnergyJoules(10.0).setStddevEnergyJoules(1.0).setMeanPowerWatts(5.0).setMeanDurationSeconds(2.0).build()))
                .build();
    }

    /** Until the inputs' partition count is known every host is this instance's (one instance: nothing changes). */
    @Test
    void withoutThePartitionCountNothingIsReleased() {
        metrics.onPartitionAssigned(0);
        metrics.onRunEnergy(run("done", "rig"));
        metrics.onPartitionReleased(0);
        assertThat(registry.find("ampwatch.run.energy").tag("run_id", "done").functionCounter()).isNotNull();
        assertThat(metrics.owns("anything")).isTrue();
    }

    @Test
    void theHostPartitionIsTheProducersDefault() {
        for (String host : List.of("rig-a", "rig-live", "gpu-node-17", "")) {
            assertThat(RunMetrics.partitionOf(host, 12)).isEqualTo(org.apache.kafka.clients.producer.internals.BuiltInPartitioner
                    .partitionForKey(host.getBytes(java.nio.charset.StandardCharsets.UTF_8), 12));
        }
    }

    private static RunEnergy run(String runId, String host) {
        return dev.ampwatch.analyzer.FinishedRuns.of(runId, host);
    }
}
