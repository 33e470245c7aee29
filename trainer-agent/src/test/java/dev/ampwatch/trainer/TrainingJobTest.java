package dev.ampwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.SyntheticData;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingJobTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00.000000789Z");
    private final CpuBackend cpu = new CpuBackend(2);
    private final List<TrainingEvent> events = new ArrayList<>();

    @AfterEach
    void close() {
        cpu.close();
    }

    /** A clock that advances one second (plus a sub-microsecond bit) every time it is read. */
    static InstantSource ticking() {
        long[] reads = {0};
        return () -> T0.plusSeconds(reads[0]++);
    }

    private static TrainingOptions.Builder tiny() {
        return TrainingOptions.builder().epochs(3).batchSize(16).hiddenUnits(List.of(8)).seed(1)
                .threads(2).runId("run-1").experimentId("exp-1").host("host-a").precision(Precision.AMP_BF16)
                .optimizer(OptimizerKind.ADAM);
    }

    @Test
    void tinyRunEmitsStartedEpochsAndCompletedWithTheirFields() {
        Dataset data = SyntheticData.generate(100, 40, 12, 3, 0.5f, 0.2f, 3);
        TrainingResult result = new TrainingJob(tiny().build(), cpu, ticking(), events::add).run(data);

        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED,
                EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED, EventKind.EPOCH_STARTED,
                EventKind.EPOCH_COMPLETED, EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED,
                EventKind.RUN_COMPLETED);
        assertThat(events).allSatisfy(e -> {
            assertThat(e.getRunId()).isEqualTo("run-1");
            assertThat(e.getExperimentId()).isEqualTo("exp-1");
            assertThat(e.getHost()).isEqualTo("host-a");
            assertThat(e.getDevices()).isEmpty();
            assertThat(e.getEventTime().getNano() % 1000).as("microsecond precision").isZero();
            assertThat(AmpwatchSerdes.trainingEvent().decode(AmpwatchSerdes.trainingEvent().encode(e)))
                    .as("survives the serde unchanged").isEqualTo(e);
        });
        assertThat(events).extracting(TrainingEvent::getEventTime).isSorted();
        assertThat(events).extracting(TrainingEvent::getEpoch).containsExactly(null, 1, 1, 2, 2, 3, 3, null);

        RunConfig config = events.get(0).getConfig();
        assertThat(config.getPrecision()).isEqualTo("amp-bf16");
        assertThat(config.getOptimizer()).isEqualTo("adam");
        assertThat(config.getLearningRate()).isEqualTo(0.001);
        assertThat(config.getBatchSize()).isEqualTo(16);
        assertThat(config.getHiddenUnits()).containsExactly(8);
        assertThat(config.getEpochs()).isEqualTo(3);
        assertThat(config.getTrainSamples()).isEqualTo(100);
        assertThat(config.getDatasetSynthetic()).isTrue();
        assertThat(config.getParameterCount()).isEqualTo(12 * 8 + 8 + 8 * 3 + 3);
        assertThat(config.getFlopsPerSample()).isEqualTo(6.0 * (12 * 8 + 8 * 3));
        assertThat(config.getBackend()).isEqualTo("cpu");
        assertThat(config.getDeviceName()).isEqualTo("cpu (2 threads)");
        assertThat(config.getSeed()).isEqualTo(1L);

        TrainingEvent started = events.get(1);
        TrainingEvent completed = events.get(2);
        var metrics = completed.getMetrics();
        assertThat(metrics.getSamples()).isEqualTo(100);
        assertThat(metrics.getLoss()).isPositive().isFinite();
        assertThat(metrics.getTrainAccuracy()).isBetween(0.0, 1.0);
        assertThat(metrics.getTestAccuracy()).isBetween(0.0, 1.0);
        assertThat(metrics.getSkippedSteps()).isZero();
        // the ticking clock: epoch start, end of training (+1 s), end of evaluation (+2 s)
        assertThat(metrics.getDurationMs())
                .isEqualTo(Duration.between(started.getEventTime(), completed.getEventTime()).toMillis())
                .isEqualTo(2000);
        assertThat(metrics.getSamplesPerSecond()).isEqualTo(100.0);
        assertThat(result.epochs()).hasSize(3).last().isEqualTo(events.get(6).getMetrics());
    }

    @Test
    void aProfiledRunStopsAfterItsFirstEpochsAsFailedWithTheReasonAndKeepsItsPlan() {
        Dataset data = SyntheticData.generate(100, 40, 12, 3, 0.5f, 0.2f, 3);
        TrainingResult result = new TrainingJob(tiny().build(), cpu, ticking(), events::add)
                .stoppingAfter(2, "profiled: stopped after 2 epochs").run(data);

        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED,
                EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED, EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED,
                EventKind.RUN_FAILED);
        assertThat(events.get(events.size() - 1).getFailureReason()).isEqualTo("profiled: stopped after 2 epochs");
        assertThat(events.get(0).getConfig().getEpochs()).as("the planned epochs, which the analyzer forecasts").isEqualTo(3);
        assertThat(result.epochs()).hasSize(2);
    }

    @Test
    void aCnnRunPublishesItsConvolutionLayersAndCosts() {
        Dataset data = SyntheticData.generate(100, 40, 16, 3, 0.5f, 0.2f, 3); // 4 x 4 "images"
        List<dev.ampwatch.trainer.model.ConvLayer> conv = dev.ampwatch.trainer.model.ConvLayer.parseList("c4k3s1,c6k3s2");
        new TrainingJob(tiny().convLayers(conv).build(), cpu, ticking(), events::add).run(data);
        dev.ampwatch.schema.RunConfig config = events.get(0).getConfig();
        assertThat(config.getConvLayers()).extracting(l -> l.getChannels() + "k" + l.getKernel() + "s" + l.getStride())
                .containsExactly("4k3s1", "6k3s2");
        dev.ampwatch.trainer.model.ModelSpec spec = new dev.ampwatch.trainer.model.ModelSpec(16, config.getHiddenUnits(), 3, conv);
        // 4x4x1 -> 4x4x4 (9x4 filters) -> 2x2x6 (36x6) -> the hidden layers -> 3 classes
        assertThat(config.getParameterCount()).isEqualTo(spec.parameterCount());
        assertThat(config.getFlopsPerSample()).isEqualTo(6.0 * (16 * 9 * 4 + 4 * 36 * 6 + spec.layers().subList(2, spec.layers().size())
                .stream().mapToLong(dev.ampwatch.trainer.model.LayerShape::macsPerSample).sum()));
        assertThat(events.get(events.size() - 1).getKind()).isEqualTo(EventKind.RUN_COMPLETED);
    }

    @Test
    void fp16RunReportsSkippedStepsPerEpoch() {
        Dataset data = SyntheticData.generate(64, 16, 12, 3, 0.5f, 0.2f, 3);
        TrainingOptions options = tiny().precision(Precision.AMP_FP16).initialLossScale(0x1p40f).build();
        new TrainingJob(options, cpu, ticking(), events::add).run(data);
        assertThat(events.get(2).getMetrics().getSkippedSteps()).isPositive();
    }

    @Test
    void aFailingRunEmitsRunFailedAndThrows() {
        Dataset data = SyntheticData.generate(50, 10, 12, 3, 0.5f, 0.2f, 3);
        TrainingListener failOnSecondEpoch = e -> {
            events.add(e);
            if (e.getKind() == EventKind.EPOCH_STARTED && e.getEpoch() == 2) {
                throw new IllegalStateException("disk full");
            }
        };
        assertThatThrownBy(() -> new TrainingJob(tiny().build(), cpu, ticking(), failOnSecondEpoch).run(data))
                .isInstanceOf(TrainingFailedException.class)
                .hasMessageContaining("run-1").hasMessageContaining("disk full");
        TrainingEvent last = events.get(events.size() - 1);
        assertThat(last.getKind()).isEqualTo(EventKind.RUN_FAILED);
        assertThat(last.getFailureReason()).isEqualTo("IllegalStateException: disk full");
    }

    /**
     * A run that cannot start (no dataset there, a layer of 0 units) publishes nothing: a RUN_FAILED without its
     * RUN_STARTED would only be dead-lettered by the analyzer and raise its alert. The exception says why.
     */
    @Test
    void aRunThatCannotStartPublishesNothingAndSaysWhy(@TempDir Path dir) {
        TrainingOptions options = tiny().datasetDir(dir.resolve("nope")).build();
        assertThatThrownBy(() -> new TrainingJob(options, cpu, ticking(), events::add).run())
                .isInstanceOf(TrainingFailedException.class).hasMessageContaining("did not start").hasMessageContaining("nope");
        // a layer of 0 units is refused with the options, before any job (the CLI's usage error, before Kafka)
        assertThatThrownBy(() -> tiny().hiddenUnits(List.of(16, 0)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--hidden: every layer needs at least 1 neuron: [16, 0]");
        // a model file that cannot be written is found before the training, not after it
        Dataset data = SyntheticData.generate(50, 10, 12, 3, 0.5f, 0.2f, 3);
        Path notADirectory = dir.resolve("plain-file");
        assertThatCode(() -> java.nio.file.Files.writeString(notADirectory, "x")).doesNotThrowAnyException();
        TrainingOptions saving = tiny().saveModel(notADirectory.resolve("model.ampwmodel")).build();
        assertThatThrownBy(() -> new TrainingJob(saving, cpu, ticking(), events::add).run(data))
                .isInstanceOf(TrainingFailedException.class).hasMessageContaining("did not start")
                .hasMessageContaining("cannot write the model to " + notADirectory.resolve("model.ampwmodel"));
        assertThat(events).isEmpty();
    }

    @Test
    void anInterruptedRunFails() {
        Dataset data = SyntheticData.generate(50, 10, 12, 3, 0.5f, 0.2f, 3);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> new TrainingJob(tiny().build(), cpu, ticking(), events::add).run(data))
                    .isInstanceOf(TrainingFailedException.class).hasMessageContaining("interrupted");
        } finally {
            Thread.interrupted(); // clear the flag for the next test
        }
        assertThat(events.get(events.size() - 1).getFailureReason()).contains("interrupted");
    }

    @Test
    void optionDefaults() {
        TrainingOptions o = TrainingOptions.builder().build();
        assertThat(o.precision()).isEqualTo(Precision.FP32);
        assertThat(o.batchSize()).isEqualTo(128);
        assertThat(o.hiddenUnits()).containsExactly(256, 128);
        assertThat(o.optimizer()).isEqualTo(OptimizerKind.SGD_MOMENTUM);
        assertThat(o.learningRate()).isEqualTo(0.05);
        assertThat(o.datasetDir()).isEmpty();
        assertThat(o.initialLossScale()).isEqualTo(65536f);
        assertThat(o.lossScaleGrowthInterval()).isEqualTo(2000);
        assertThat(o.runId()).isNotBlank();
        assertThat(TrainingOptions.builder().optimizer(OptimizerKind.ADAM).build().learningRate()).isEqualTo(0.001);
        assertThatThrownBy(() -> TrainingOptions.builder().batchSize(0).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
