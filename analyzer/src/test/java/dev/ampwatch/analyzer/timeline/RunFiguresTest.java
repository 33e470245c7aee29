package dev.ampwatch.analyzer.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.TrainingEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A run's derived figures in its records: energy per sample of a run cut short, the forecast's notes on coarse readings. */
class RunFiguresTest {
    static final AnalyzerConfig CONFIG = AnalyzerConfig.defaults();

    private static HostTimeline timeline() {
        return HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
    }

    private static TrainingEvent event(String run, int second, EventKind kind, Integer epoch) {
        return TrainingEvent.newBuilder(InputProgressTest.event(run, second * 1_000_000L, kind)).setEpoch(epoch).build();
    }

    /**
     * A run that failed inside an epoch (or is still in one) has energy whose samples were never reported: its energy per
     * sample is the energy up to its last completed epoch's end over that epoch's samples (a review: the whole energy
     * over them read 0.0574 J per sample for 0.0433). 10 W throughout: 10 J before epoch 1, 40 J in it (10,000 samples),
     * then 10 J before epoch 2 and 20 J in it until the failure.
     */
    @Test
    void aFailedRunsEnergyPerSampleLeavesOutTheEpochItDidNotComplete() {
        HostTimeline t = timeline();
        List<RunEnergy> out = new ArrayList<>();
        t.accept(event("r", 0, EventKind.RUN_STARTED, null), 0);
        t.accept(event("r", 1, EventKind.EPOCH_STARTED, 1), 0);
        TrainingEvent done = event("r", 5, EventKind.EPOCH_COMPLETED, 1);
        done.setMetrics(dev.ampwatch.schema.EpochMetrics.newBuilder().setLoss(0.3).setSamples(10_000).setSamplesPerSecond(2500).setDurationMs(4000).build());
        t.accept(done, 0);
        t.accept(event("r", 6, EventKind.EPOCH_STARTED, 2), 0);
        t.accept(TrainingEvent.newBuilder(event("r", 8, EventKind.RUN_FAILED, null)).setFailureReason("crashed").build(), 0);
        for (int s = 0; s <= 20; s++) {
            t.accept(GraceBufferTest.sample(s * 1_000_000L), 0);
            out.addAll(t.advance(0).energy());
        }
        RunEnergy running = out.stream().filter(e -> !e.getIsFinal() && e.getAttributedUntil().getEpochSecond() == 7)
                .findFirst().orElseThrow();
        assertThat(running.getJoulesPerSample()).isCloseTo(50.0 / 10_000, org.assertj.core.data.Offset.offset(1e-15));
        RunEnergy last = out.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
        assertThat(last.getStatus()).isEqualTo(dev.ampwatch.schema.RunStatus.FAILED);
        assertThat(last.getEnergyJoules()).isCloseTo(80.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(last.getJoulesPerSample()).isCloseTo(50.0 / 10_000, org.assertj.core.data.Offset.offset(1e-15));
    }

    /**
     * A forecast from epochs shorter than the power readings are apart says so: their energies are interpolated between
     * readings spanning several epochs (a review: 0.12-0.32 s epochs under a 1 s source, no word of it). 10 W read every
     * second; 20 planned epochs of {@code epochMs} each, back to back.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {250, 2000})
    void aForecastFromEpochsShorterThanTheReadingsSpacingSaysSo(long epochMs) {
        HostTimeline t = timeline();
        TrainingEvent start = InputProgressTest.event("r", 0, EventKind.RUN_STARTED);
        start.setConfig(dev.ampwatch.schema.RunConfig.newBuilder().setPrecision("fp32").setBatchSize(32)
                .setHiddenUnits(List.of(8)).setEpochs(20).setLearningRate(0.1).setOptimizer("sgd-momentum").setDataset("d")
                .setTrainSamples(100).setParameterCount(10).setDeviceName("cpu").setBackend("cpu").build());
        t.accept(start, 0);
        long epochUs = epochMs * 1000;
        for (int epoch = 1; epoch <= 20; epoch++) {
            t.accept(TrainingEvent.newBuilder(InputProgressTest.event("r", (epoch - 1) * epochUs, EventKind.EPOCH_STARTED))
                    .setEpoch(epoch).build(), 0);
            TrainingEvent done = TrainingEvent.newBuilder(InputProgressTest.event("r", epoch * epochUs, EventKind.EPOCH_COMPLETED))
                    .setEpoch(epoch).build();
            done.setMetrics(dev.ampwatch.schema.EpochMetrics.newBuilder().setLoss(0.3).setSamples(100).setSamplesPerSecond(1)
                    .setDurationMs(epochMs).build());
            t.accept(done, 0);
        }
        t.accept(InputProgressTest.event("r", 20 * epochUs, EventKind.RUN_COMPLETED), 0);
        List<RunEnergy> out = new ArrayList<>();
        for (int s = 0; s <= 20 * epochMs / 1000 + 15; s++) {
            t.accept(GraceBufferTest.sample(s * 1_000_000L), 0);
            out.addAll(t.advance(0).energy());
        }
        RunEnergy last = out.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
        assertThat(last.getForecast()).isNotNull();
        if (epochMs < 1000) {
            assertThat(last.getForecast().getNotes()).anySatisfy(n -> assertThat(n).startsWith("the epochs used last 0.25 s on "
                    + "average, less than the").contains("s between the host's power readings: their energies are interpolated"));
        } else {
            assertThat(last.getForecast().getNotes()).noneSatisfy(n -> assertThat(n).contains("power readings"));
        }
    }
}
