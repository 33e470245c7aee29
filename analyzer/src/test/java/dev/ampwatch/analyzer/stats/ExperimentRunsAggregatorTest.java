package dev.ampwatch.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.ConvLayer;
import dev.ampwatch.schema.DataQuality;
import dev.ampwatch.schema.EpochEnergy;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunPhase;
import dev.ampwatch.schema.RunStatus;
import dev.ampwatch.schema.SourceType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExperimentRunsAggregatorTest {

    @Test
    void aFinalRecordKeepsItsConfigurationAndEveryResponseVariable() {
        FinishedRun r = ExperimentRunsAggregator.finished(finalRecord("r1"));

        assertThat(r.getSettings().getPrecision()).isEqualTo("amp-fp16");
        assertThat(r.getSettings().getBatchSize()).isEqualTo(32);
        assertThat(r.getSettings().getHiddenUnits()).containsExactly(256, 128);
        assertThat(r.getSettings().getBenchmark()).isTrue();
        assertThat(r.getSettings().getPhase()).as("no phase: a training run").isEqualTo("training");
        RunEnergy inference = finalRecord("r2");
        inference.getConfig().setPhase(RunPhase.INFERENCE);
        assertThat(ExperimentRunsAggregator.finished(inference).getSettings().getPhase()).isEqualTo("inference");
        assertThat(r.getSettings().getConvLayers()).as("no convolution layers: an MLP").isEmpty();
        RunEnergy cnn = finalRecord("r3");
        cnn.getConfig().setConvLayers(List.of(new ConvLayer(32, 3, 1), new ConvLayer(64, 5, 2)));
        assertThat(ExperimentRunsAggregator.finished(cnn).getSettings().getConvLayers()).isEqualTo("c32k3s1,c64k5s2");
        assertThat(r.getGpuEnergyJoules()).isEqualTo(700.0); // both GPUs, not the CPU
        assertThat(r.getNetEnergyJoules()).isEqualTo(600.0);
        assertThat(r.getEpochsCompleted()).isEqualTo(2); // the third epoch has no end
        assertThat(r.getTestAccuracy()).isEqualTo(0.81); // the last epoch that reported one
        assertThat(r.getJoulesPerSample()).isEqualTo(0.05);
        assertThat(Metric.AVERAGE_GPU_POWER.of(r)).isEqualTo(70.0);
        assertThat(Metric.ENERGY_PER_EPOCH.of(r)).isEqualTo(500.0);
    }

    @Test
    void aRegressionKeepsItsLastTestRmse() {
        RunEnergy regression = finalRecord("r4");
        regression.getConfig().setTask(dev.ampwatch.schema.RunTask.REGRESSION);
        regression.setEpochs(List.of(regressionEpoch(1, 2.5), regressionEpoch(2, 1.75), regressionEpoch(3, null)));
        FinishedRun r = ExperimentRunsAggregator.finished(regression);
        assertThat(r.getTestRmse()).isEqualTo(1.75);
        assertThat(r.getTestAccuracy()).isNull();
        assertThat(Metric.FINAL_TEST_RMSE.of(r)).isEqualTo(1.75);
        assertThat(Metric.FINAL_TEST_ACCURACY.of(r)).isNull();
        assertThat(Metric.FINAL_TEST_RMSE.of(ExperimentRunsAggregator.finished(finalRecord("r5")))).as("a classifier").isNull();
        // a classifier and a regression of one table's column are never one configuration (found by a review)
        assertThat(r.getSettings().getDataset()).isEqualTo("fashion-mnist (regression)");
        assertThat(ExperimentRunsAggregator.finished(finalRecord("r6")).getSettings().getDataset()).isEqualTo("fashion-mnist");
    }

    private static EpochEnergy regressionEpoch(int n, Double rmse) {
        return EpochEnergy.newBuilder().setEpoch(n).setStartTime(Instant.ofEpochSecond(n)).setEndTime(Instant.ofEpochSecond(n + 1))
                .setEnergyJoules(300).setNetEnergyJoules(200).setTestRmse(rmse).build();
    }

    @Test
    void theSameRunAgainReplacesItself() {
        ExperimentRuns e = new ExperimentRuns("exp", new ArrayList<>());
        e = ExperimentRunsAggregator.add("exp", finalRecord("r1"), e);
        e = ExperimentRunsAggregator.add("exp", finalRecord("r1"), e);
        assertThat(e.getRuns()).hasSize(1);
    }

    /**
     * A completed run without a power reading of its host (quality.unmeasured, 0 J) is in no statistic, only counted:
     * an operator review saw (190.5 J + 0 J) / 2 reported as the configuration's mean energy.
     */
    @Test
    void anUnmeasuredRunIsCountedButInNoStatistic() {
        ExperimentRuns e = new ExperimentRuns("exp", new ArrayList<>());
        e = ExperimentRunsAggregator.add("exp", finalRecord("measured-1"), e);
        e = ExperimentRunsAggregator.add("exp", finalRecord("measured-2"), e);
        RunEnergy unmeasured = RunEnergy.newBuilder(finalRecord("unmeasured")).setEnergyJoules(0).setAveragePowerWatts(0)
                .setComponents(List.of()).setQuality(DataQuality.newBuilder().setEstimated(false).setGaps(0).setGapSeconds(0)
                        .setLateSamples(0).setUnmeasured(true).setMissingDevices(List.of("gpu0", "gpu1")).build()).build();
        e = ExperimentRunsAggregator.add("exp", unmeasured, e);
        assertThat(e.getRuns()).extracting(dev.ampwatch.analyzer.state.FinishedRun::getStatus)
                .containsExactly("COMPLETED", "COMPLETED", "UNMEASURED");
        dev.ampwatch.schema.ExperimentStats stats = ExperimentStatistics.compute(e);
        dev.ampwatch.schema.ConfigurationSummary c = stats.getConfigurations().get(0);
        assertThat(c.getRuns()).isEqualTo(2);
        assertThat(c.getUnmeasuredRuns()).isEqualTo(1);
        assertThat(c.getFailedRuns()).isZero();
        assertThat(c.getMetrics()).filteredOn(m -> m.getMetric().equals("energy_joules")).singleElement()
                .satisfies(m -> assertThat(m.getMean()).isEqualTo(1000.0));
        assertThat(stats.getGroups()).singleElement().satisfies(g -> assertThat(g.getMeanEnergyJoules()).isEqualTo(1000.0));
    }

    /**
     * A run whose counted components had no idle baseline yet (the first run after a power-agent started) has net = gross:
     * it is left out of net energy only, and the statistics say so. A review (2026-12-02) got fp32's net energy sd 374 J
     * instead of 10 J, and amp-fp16 vs fp32 -14.3 % where it was +6.0 %, from two such runs averaged in.
     */
    @Test
    void aRunWithoutAnIdleBaselineIsLeftOutOfNetEnergyOnly() {
        ExperimentRuns e = new ExperimentRuns("exp", new ArrayList<>());
        e = ExperimentRunsAggregator.add("exp", finalRecord("with-baseline-1"), e);
        e = ExperimentRunsAggregator.add("exp", finalRecord("with-baseline-2"), e);
        RunEnergy first = finalRecord("first");
        first.setNetEnergyJoules(first.getEnergyJoules()); // gross: no baseline
        first.getQuality().setNoIdleBaseline(List.of("GPU/0", "GPU/1"));
        e = ExperimentRunsAggregator.add("exp", first, e);

        dev.ampwatch.schema.ExperimentStats stats = ExperimentStatistics.compute(e);
        dev.ampwatch.schema.ConfigurationSummary c = stats.getConfigurations().get(0);
        assertThat(c.getRuns()).isEqualTo(3);
        assertThat(c.getMetrics()).filteredOn(m -> m.getMetric().equals("net_energy_joules")).singleElement()
                .satisfies(m -> {
                    assertThat(m.getN()).isEqualTo(2);
                    assertThat(m.getMean()).isEqualTo(600.0);
                    assertThat(m.getReason()).endsWith("; 1 of its 3 runs left out: no idle baseline yet (quality.no_idle_baseline)");
                });
        assertThat(c.getMetrics()).filteredOn(m -> m.getMetric().equals("energy_joules")).singleElement()
                .satisfies(m -> assertThat(m.getN()).isEqualTo(3));
        assertThat(stats.getNotComputed()).filteredOn(n -> n.getAnalysis().equals("net energy of some runs")).singleElement()
                .satisfies(n -> assertThat(n.getReason()).startsWith("1 completed run(s) left out of net_energy_joules: a"
                        + " component they count had no idle baseline yet").endsWith("their gross: first"));
    }

    /**
     * A run stopped after its first epochs to be forecast (ampwatch profile, follow --profile-epochs) did not fail: it is
     * in no statistic and no count, and makes no configuration of its own (a review saw it counted as a failed run).
     */
    @Test
    void aProfiledRunIsNeitherFailedNorInAnyStatistic() {
        ExperimentRuns e = new ExperimentRuns("exp", new ArrayList<>());
        e = ExperimentRunsAggregator.add("exp", finalRecord("measured-1"), e);
        e = ExperimentRunsAggregator.add("exp", finalRecord("measured-2"), e);
        RunEnergy profiled = RunEnergy.newBuilder(finalRecord("profiled")).setStatus(RunStatus.FAILED).setEnergyJoules(400)
                .setFailureReason("profiled: stopped after 2 epochs (ampwatch profile --profile-epochs 2)").build();
        e = ExperimentRunsAggregator.add("exp", profiled, e);
        RunEnergy otherConfig = RunEnergy.newBuilder(finalRecord("profiled-bs64")).setStatus(RunStatus.FAILED)
                .setFailureReason("profiled: stopped after 3 epochs (ampwatch follow --profile-epochs 3)").build();
        otherConfig.getConfig().setBatchSize(64);
        e = ExperimentRunsAggregator.add("exp", otherConfig, e);
        RunEnergy failed = RunEnergy.newBuilder(finalRecord("oom")).setStatus(RunStatus.FAILED).setFailureReason("out of memory").build();
        e = ExperimentRunsAggregator.add("exp", failed, e);
        assertThat(e.getRuns()).extracting(FinishedRun::getStatus).containsExactly("COMPLETED", "COMPLETED", "PROFILED", "PROFILED", "FAILED");
        dev.ampwatch.schema.ExperimentStats stats = ExperimentStatistics.compute(e);
        assertThat(stats.getConfigurations()).as("no configuration of bs=64: only a profiled run had it").singleElement()
                .satisfies(c -> {
                    assertThat(c.getRuns()).isEqualTo(2);
                    assertThat(c.getFailedRuns()).as("the out-of-memory run only").isEqualTo(1);
                    assertThat(c.getMetrics()).filteredOn(m -> m.getMetric().equals("energy_joules")).singleElement()
                            .satisfies(m -> assertThat(m.getMean()).isEqualTo(1000.0));
                });
    }

    /**
     * Runs on two GPUs and on one, and runs with a validation split and without, are never one configuration: a review
     * got one "fp32 bs=64" of 9 runs whose mean energy (5,579 J) belonged to none of its three setups. A run whose
     * second GPU had no reading (missing_devices) is still a two-GPU run.
     */
    @Test
    void gpusAndAValidationSplitAreFactors() {
        ExperimentRuns e = new ExperimentRuns("exp", new ArrayList<>());
        e = ExperimentRunsAggregator.add("exp", finalRecord("two-gpus-1"), e);
        e = ExperimentRunsAggregator.add("exp", finalRecord("two-gpus-2"), e);
        RunEnergy oneMissing = RunEnergy.newBuilder(finalRecord("two-gpus-3")).setComponents(List.of(component(Component.GPU, "gpu0", 400)))
                .setQuality(DataQuality.newBuilder().setEstimated(false).setGaps(0).setGapSeconds(0).setLateSamples(0)
                        .setMissingDevices(List.of("gpu1")).build()).build();
        e = ExperimentRunsAggregator.add("exp", oneMissing, e);
        for (String id : List.of("one-gpu-1", "one-gpu-2")) {
            e = ExperimentRunsAggregator.add("exp", RunEnergy.newBuilder(finalRecord(id))
                    .setComponents(List.of(component(Component.GPU, "gpu0", 500))).setEnergyJoules(500).build(), e);
        }
        for (String id : List.of("validated-1", "validated-2")) {
            RunEnergy validated = finalRecord(id);
            validated.getConfig().setValidationSamples(10_000L);
            e = ExperimentRunsAggregator.add("exp", RunEnergy.newBuilder(validated).setEnergyJoules(1200).build(), e);
        }
        dev.ampwatch.schema.ExperimentStats stats = ExperimentStatistics.compute(e);
        assertThat(stats.getConfigurations()).extracting(dev.ampwatch.schema.ConfigurationSummary::getLabel, c -> c.getRuns())
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("amp-fp16 val=0 gpus=2", 3), // labels name the varying factors
                        org.assertj.core.groups.Tuple.tuple("amp-fp16 val=10000 gpus=2", 2),
                        org.assertj.core.groups.Tuple.tuple("amp-fp16 val=0 gpus=1", 2));
        // one GPU and no validation split: the key as before these factors, so restored runs keep their configuration
        assertThat(ConfigurationKeys.of(RunEnergy.newBuilder(finalRecord("k")).setComponents(List.of(component(Component.GPU, "gpu0", 1)))
                .build())).doesNotContain("gpus").doesNotContain("validation_samples");
        assertThat(ConfigurationKeys.of(finalRecord("k"))).contains("|device=gpu|gpus=2|");
    }

    /**
     * A whole command's run (follow --whole-run: start-up included) and runs its trainer reported are never one
     * configuration, however alike their settings: a review got one "amp-bf16" of 203 J and 272 J whole-command runs and
     * 41 J and 43 J instrumented ones (mean 139.6 J, sd 116.7 J). The key of a trainer-reported run reads as before.
     */
    @Test
    void aWholeCommandsRunIsNeverPooledWithTrainerReportedRuns() {
        ExperimentRuns e = new ExperimentRuns("exp", new ArrayList<>());
        for (String id : List.of("lines-1", "lines-2")) {
            e = ExperimentRunsAggregator.add("exp", RunEnergy.newBuilder(finalRecord(id)).setEnergyJoules(42).build(), e);
        }
        for (String id : List.of("whole-1", "whole-2")) {
            RunEnergy whole = finalRecord(id);
            whole.getConfig().setWholeCommand(true);
            e = ExperimentRunsAggregator.add("exp", RunEnergy.newBuilder(whole).setEnergyJoules(230).build(), e);
        }
        dev.ampwatch.schema.ExperimentStats stats = ExperimentStatistics.compute(e);
        assertThat(stats.getConfigurations()).extracting(dev.ampwatch.schema.ConfigurationSummary::getLabel, c -> c.getRuns())
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("amp-fp16 span=trainer", 2),
                        org.assertj.core.groups.Tuple.tuple("amp-fp16 span=whole-command", 2));
        assertThat(ConfigurationKeys.of(finalRecord("k"))).doesNotContain("span");
        RunEnergy whole = finalRecord("w");
        whole.getConfig().setWholeCommand(true);
        assertThat(ConfigurationKeys.of(whole)).endsWith("|span=whole-command");
    }

    private static RunEnergy finalRecord(String runId) {
        RunConfig config = RunConfig.newBuilder().setPrecision("amp-fp16").setBatchSize(32).setHiddenUnits(List.of(256, 128))
                .setEpochs(3).setLearningRate(0.01).setOptimizer("adam").setDataset("fashion-mnist").setTrainSamples(10_000)
                .setParameterCount(1000).setDeviceName("gpu").setBackend("jcuda").setBenchmark(true).build();
        return RunEnergy.newBuilder().setRunId(runId).setExperimentId("exp").setHost("h").setStatus(RunStatus.COMPLETED)
                .setIsFinal(true).setConfig(config).setStartTime(Instant.EPOCH).setEndTime(Instant.ofEpochSecond(10))
                .setAttributedUntil(Instant.ofEpochSecond(10)).setDurationSeconds(10).setEnergyJoules(1000)
                .setNetEnergyJoules(600).setAveragePowerWatts(100).setPeakPowerWatts(120).setJoulesPerSample(0.05)
                .setCo2eGrams(0.1).setCarbonIntensityGPerKwh(400).setAttributionRule("even-split")
                .setComponents(List.of(component(Component.GPU, "gpu0", 400), component(Component.GPU, "gpu1", 300),
                        component(Component.CPU_PACKAGE, "package-0", 300)))
                .setEpochs(List.of(epoch(1, true, 0.78), epoch(2, true, 0.81), epoch(3, false, null)))
                .setQuality(DataQuality.newBuilder().setEstimated(false).setGaps(0).setGapSeconds(0).setLateSamples(0).build())
                .build();
    }

    private static ComponentEnergy component(Component c, String device, double joules) {
        return ComponentEnergy.newBuilder().setComponent(c).setDevice(device).setSource(SourceType.NVML).setMethod("counter")
                .setEnergyJoules(joules).setNetEnergyJoules(joules).setCoveredSeconds(10).setSamples(100).build();
    }

    private static EpochEnergy epoch(int n, boolean ended, Double accuracy) {
        return EpochEnergy.newBuilder().setEpoch(n).setStartTime(Instant.ofEpochSecond(n)).setEndTime(ended ? Instant.ofEpochSecond(n + 1) : null)
                .setEnergyJoules(300).setNetEnergyJoules(200).setTestAccuracy(accuracy).build();
    }
}
