package dev.ampwatch.analyzer.timeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.energy.Emitter;
import dev.ampwatch.analyzer.energy.RunTracker;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EpochEnergy;
import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A run of thousands of short epochs (a trainer that reports steps as epochs): the host's state, written
 * to the changelog at every commit, stayed per device per epoch and passed the broker's 1 MB record limit
 * at ~1,700 epochs with 8 devices, which failed the engine at every retry. Complete epochs beyond the
 * latest {@link Emitter#DETAILED_EPOCHS} are now summed and sealed; a run takes at most
 * {@link RunTracker#MAX_EPOCHS} epochs. The figures stay exact.
 */
class ManyEpochsTest {
    static final AnalyzerConfig CONFIG = AnalyzerConfig.defaults();
    static final int DEVICES = 8; // 4 GPUs of the run, 4 host-wide CPU packages

    @Test
    void aThousandEpochsKeepTheStateSmallAndEveryEpochExact() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        List<HostTimeline.Refused> refused = new ArrayList<>();
        int epochs = 1_000;
        int maxStateBytes = 0;
        for (int s = 0; s <= 20 + epochs + 20; s++) {
            if (s == 20) {
                t.accept(event(20, EventKind.RUN_STARTED, null), 0);
            }
            if (s >= 20 && s < 20 + epochs) {
                t.accept(event(s, EventKind.EPOCH_STARTED, s - 19), 0);
                t.accept(TrainingEvent.newBuilder(event(s + 1, EventKind.EPOCH_COMPLETED, s - 19)).setMetrics(metrics()).build(), 0);
            }
            if (s == 20 + epochs) {
                t.accept(event(s, EventKind.RUN_COMPLETED, null), 0);
            }
            t.accept(event(s, EventKind.PROGRESS, null), 0);
            for (int d = 0; d < DEVICES; d++) { // idle 50 W, 100 W from the run's start to its end
                t.accept(sample(d, s, s >= 20 && s <= 20 + epochs ? 100 : 50), 0);
            }
            HostTimeline.Release r = t.advance(0);
            out.addAll(r.energy());
            refused.addAll(r.refused());
            maxStateBytes = Math.max(maxStateBytes, AmpwatchSerdesForTest.hostStateBytes(t));
        }
        assertThat(refused).isEmpty();
        assertThat(maxStateBytes).as("largest host state, bytes").isLessThan(150_000);
        RunEnergy run = out.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
        assertThat(run.getEpochs()).hasSize(epochs);
        double idle = 50.0; // 19 s at 50 W; the reading [19, 20] ramps to 100 W at the run's start: not idle
        for (EpochEnergy e : run.getEpochs()) {
            // each epoch is one second at 100 W on 8 devices, sealed (the first 900) or not (the last 100)
            assertThat(e.getEnergyJoules()).as("epoch %d", e.getEpoch()).isCloseTo(DEVICES * 100.0, within(1e-9));
            assertThat(e.getNetEnergyJoules()).as("epoch %d", e.getEpoch()).isCloseTo(DEVICES * (100.0 - idle), within(1e-9));
            assertThat(e.getLoss()).isEqualTo(0.5);
        }
        assertThat(run.getEnergyJoules()).isCloseTo(epochs * DEVICES * 100.0, within(1e-6));
        assertThat(AmpwatchSerdes.runEnergy().encode(run).length).as("final record, bytes").isLessThan(100_000);
    }

    @Test
    void epochsBeyondTheLimitAreRefusedAndTheirEnergyStaysInTheRun() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        List<HostTimeline.Refused> refused = new ArrayList<>();
        int epochs = RunTracker.MAX_EPOCHS + 3;
        t.accept(event(0, EventKind.RUN_STARTED, null), 0);
        for (int s = 0; s <= epochs + 5; s++) {
            if (s < epochs) {
                t.accept(event(s, EventKind.EPOCH_STARTED, s + 1), 0);
                t.accept(event(s + 1, EventKind.EPOCH_COMPLETED, s + 1), 0);
            } else if (s == epochs) {
                t.accept(event(s, EventKind.RUN_COMPLETED, null), 0);
            }
            t.accept(event(s, EventKind.PROGRESS, null), 0);
            t.accept(sample(4, s, 100), 0);
            HostTimeline.Release r = t.advance(0);
            out.addAll(r.energy());
            refused.addAll(r.refused());
        }
        RunEnergy run = out.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
        assertThat(run.getEpochs()).hasSize(RunTracker.MAX_EPOCHS);
        assertThat(refused).hasSize(6).allSatisfy(r -> assertThat(r.reason()).contains("the run has 5000 epochs already"));
        assertThat(run.getEnergyJoules()).isCloseTo(epochs * 100.0, within(1e-6));
        assertThat(AmpwatchSerdes.runEnergy().encode(run).length).as("final record, bytes").isLessThan(400_000);
    }

    private static EpochMetrics metrics() {
        return EpochMetrics.newBuilder().setLoss(0.5).setTestAccuracy(0.8).setSamples(600L).setDurationMs(1000L)
                .setSamplesPerSecond(600.0).build();
    }

    private static PowerSample sample(int device, int second, double watts) {
        boolean gpu = device < 4;
        return PowerSample.newBuilder().setHost("h").setSource(gpu ? SourceType.NVML : SourceType.RAPL)
                .setComponent(gpu ? Component.GPU : Component.CPU_PACKAGE).setDevice((gpu ? "gpu" : "package-") + device)
                .setEventTime(Instant.ofEpochSecond(second)).setPowerWatts(watts).build();
    }

    private static TrainingEvent event(int second, EventKind kind, Integer epoch) {
        return TrainingEvent.newBuilder().setRunId(kind == EventKind.PROGRESS ? "" : "r").setExperimentId("e").setHost("h")
                .setDevices(List.of("gpu0", "gpu1", "gpu2", "gpu3")).setEventTime(Instant.ofEpochSecond(second)).setKind(kind)
                .setEpoch(epoch).build();
    }
}
