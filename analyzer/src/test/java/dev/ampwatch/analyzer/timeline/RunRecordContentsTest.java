package dev.ampwatch.analyzer.timeline;

import static dev.ampwatch.analyzer.timeline.HostTimelineTest.CONFIG;
import static dev.ampwatch.analyzer.timeline.HostTimelineTest.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a run's record carries besides its joules, through the host's timeline: an inference run's passes, latency and
 * throughput; a regression's RMSE per epoch; the reasons a run has no forecast or misses a device's readings.
 */
class RunRecordContentsTest {
    /**
     * An inference run's passes keep their latency percentiles and validation accuracy; throughput is the
     * samples over event time (not the trainer's wall clock), per pass and over the complete passes, and
     * the run's latency is the median over passes of each pass's percentile.
     */
    @Test
    void anInferenceRunCarriesItsPassesLatencyAndThroughput() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        t.accept(event("r", 0, EventKind.RUN_STARTED, null), 0);
        double[][] latencies = {{4.0, 9.0, 12.0}, {2.0, 3.0, 5.0}, {2.5, 3.5, 4.5}}; // pass 1 pays the warm-up
        int[] ends = {4, 8, 10}; // passes of 10,000 inferences in 4, 4 and 2 s
        for (int pass = 1; pass <= 3; pass++) {
            t.accept(event("r", pass == 1 ? 0 : ends[pass - 2], EventKind.EPOCH_STARTED, pass), 0);
            TrainingEvent done = event("r", ends[pass - 1], EventKind.EPOCH_COMPLETED, pass);
            done.setMetrics(dev.ampwatch.schema.EpochMetrics.newBuilder().setLoss(0.3).setTestAccuracy(0.88)
                    .setValidationAccuracy(0.89).setSamples(10_000).setSamplesPerSecond(1).setDurationMs(1)
                    .setLatencyP50Ms(latencies[pass - 1][0]).setLatencyP95Ms(latencies[pass - 1][1])
                    .setLatencyP99Ms(latencies[pass - 1][2]).build());
            t.accept(done, 0);
        }
        t.accept(event("r", 10, EventKind.RUN_COMPLETED, null), 0);
        for (int s = 0; s <= 20; s++) {
            t.accept(GraceBufferTest.sample(s * 1_000_000L), 0);
            out.addAll(t.advance(0).energy());
        }
        RunEnergy last = out.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
        assertThat(last.getEpochs()).extracting(dev.ampwatch.schema.EpochEnergy::getSamplesPerSecond)
                .containsExactly(2500.0, 2500.0, 5000.0);
        assertThat(last.getEpochs()).extracting(dev.ampwatch.schema.EpochEnergy::getLatencyP95Ms).containsExactly(9.0, 3.0, 3.5);
        assertThat(last.getEpochs()).extracting(dev.ampwatch.schema.EpochEnergy::getValidationAccuracy).containsOnly(0.89);
        assertThat(last.getSamplesPerSecond()).isEqualTo(3000.0); // 30,000 in 10 s
        assertThat(last.getLatencyP50Ms()).isEqualTo(2.5);
        assertThat(last.getLatencyP95Ms()).isEqualTo(3.5);
        assertThat(last.getLatencyP99Ms()).isEqualTo(5.0);
        assertThat(last.getJoulesPerSample()).isEqualTo(last.getEnergyJoules() / 30_000);
    }

    /** A regression's epochs keep their test RMSE (EpochMetrics.test_rmse) through the state into the run's record. */
    @Test
    void aRegressionsEpochsCarryTheirTestRmse() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        t.accept(event("r", 0, EventKind.RUN_STARTED, null), 0);
        double[] rmse = {3.5, 2.25};
        for (int epoch = 1; epoch <= 2; epoch++) {
            t.accept(event("r", (epoch - 1) * 4, EventKind.EPOCH_STARTED, epoch), 0);
            TrainingEvent done = event("r", epoch * 4, EventKind.EPOCH_COMPLETED, epoch);
            done.setMetrics(dev.ampwatch.schema.EpochMetrics.newBuilder().setLoss(0.3).setSamples(1_000)
                    .setSamplesPerSecond(1).setDurationMs(1).setTestRmse(rmse[epoch - 1]).setTestMae(1.0).setTestR2(0.9).build());
            t.accept(done, 0);
        }
        t.accept(event("r", 8, EventKind.RUN_COMPLETED, null), 0);
        for (int s = 0; s <= 20; s++) {
            t.accept(GraceBufferTest.sample(s * 1_000_000L), 0);
            out.addAll(t.advance(0).energy());
        }
        RunEnergy last = out.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
        assertThat(last.getEpochs()).extracting(dev.ampwatch.schema.EpochEnergy::getTestRmse).containsExactly(3.5, 2.25);
        assertThat(last.getEpochs()).extracting(dev.ampwatch.schema.EpochEnergy::getTestAccuracy).containsOnlyNulls();
    }

    /**
     * A run on a host from which no power sample came (no power-agent there): no forecast, with the reason, rather than
     * a confident 0 J (found by a user review of {@code profile}), and quality.unmeasured (a second review: the 0 J
     * itself looked measured in /runs, the metrics and the summary).
     */
    @Test
    void aRunWithoutAnyPowerReadingGetsNoForecastButTheReason() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        TrainingEvent start = event("r", 0, EventKind.RUN_STARTED, null);
        start.setConfig(dev.ampwatch.schema.RunConfig.newBuilder().setPrecision("fp32").setBatchSize(32)
                .setHiddenUnits(List.of(8)).setEpochs(5).setLearningRate(0.1).setOptimizer("sgd-momentum").setDataset("d")
                .setTrainSamples(100).setParameterCount(10).setDeviceName("cpu").setBackend("cpu").build());
        t.accept(start, 0);
        for (int epoch = 1; epoch <= 5; epoch++) { // every planned epoch, so the final record scores its forecasts
            t.accept(event("r", epoch - 1, EventKind.EPOCH_STARTED, epoch), 0);
            TrainingEvent done = event("r", epoch, EventKind.EPOCH_COMPLETED, epoch);
            done.setMetrics(dev.ampwatch.schema.EpochMetrics.newBuilder().setLoss(0.3).setSamples(100).setSamplesPerSecond(1)
                    .setDurationMs(1).build());
            t.accept(done, 0);
        }
        t.accept(event("r", 5, EventKind.RUN_COMPLETED, null), 0);
        List<RunEnergy> out = new ArrayList<>(t.flushIfQuiet(CONFIG.timeline().quietFlush().toMillis() + 1).energy());
        assertThat(out).isNotEmpty().allSatisfy(r -> {
            assertThat(r.getComponents()).isEmpty();
            assertThat(r.getForecast()).isNull();
            assertThat(r.getForecastChecks()).as("no forecast scored on 0 J that nothing measured (a review saw a 'perfect' one)").isEmpty();
            assertThat(r.getForecastWithheld()).isEqualTo("no power readings for the run on host h (is a power-agent running for it?)");
            assertThat(r.getQuality().getUnmeasured()).as("0 J flagged as not measured").isTrue();
        });
    }

    /**
     * A run naming a device no reading fell in (a review: --devices cuda:0 where the agent reports gpu0) is flagged,
     * not passed off as a GPU run's energy; the devices that were read are not.
     */
    @Test
    void aRunNamingADeviceWithoutReadingsSaysWhich() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        t.accept(TrainingEvent.newBuilder(event("r", 0, EventKind.RUN_STARTED, null)).setDevices(List.of("cuda:0", "gpu1")).build(), 0);
        for (int s = 0; s <= 10; s++) {
            t.accept(GraceBufferTest.sample(s * 1_000_000L), 0);
            t.accept(PowerSample.newBuilder(GraceBufferTest.sample(s * 1_000_000L)).setSource(SourceType.NVML).setComponent(Component.GPU)
                    .setDevice("gpu1").setPowerWatts(100.0).build(), 0);
        }
        t.accept(TrainingEvent.newBuilder(event("r", 9, EventKind.RUN_COMPLETED, null)).setDevices(List.of("cuda:0", "gpu1")).build(), 0);
        List<RunEnergy> out = new ArrayList<>(t.flushIfQuiet(CONFIG.timeline().quietFlush().toMillis() + 1).energy());
        RunEnergy last = out.get(out.size() - 1);
        assertThat(last.getIsFinal()).isTrue();
        assertThat(last.getQuality().getUnmeasured()).isFalse();
        assertThat(last.getQuality().getMissingDevices()).map(Object::toString).containsExactly("cuda:0");
    }
}
