package dev.ampwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunPhase;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.SyntheticData;
import dev.ampwatch.trainer.model.ModelFile;
import dev.ampwatch.trainer.model.OptimizerKind;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A saved model run as inference: the contract's events, per-pass metrics, every precision. */
class InferenceJobTest {
    private final CpuBackend cpu = new CpuBackend(2);

    @AfterEach
    void close() {
        cpu.close();
    }

    @Test
    void everyPrecisionPublishesAnInferenceRunWithItsPasses(@TempDir Path dir) throws Exception {
        Dataset data = SyntheticData.generate(600, 150, 12, 3, 0.5f, 0.3f, 3);
        Path file = dir.resolve("m.ampwmodel");
        TrainingResult trained = new TrainingJob(TrainingOptions.builder().epochs(3).batchSize(16).hiddenUnits(List.of(8))
                .seed(1).threads(2).runId("train").host("h").optimizer(OptimizerKind.ADAM).saveModel(file).build(), cpu,
                InstantSource.system(), e -> { }).run(data);
        ModelFile.SavedModel model = ModelFile.read(file);
        for (String precision : InferenceJob.PRECISIONS) {
            List<TrainingEvent> events = new ArrayList<>();
            List<EpochMetrics> passes = new InferenceJob(model, new InferenceJob.Options(precision, 32, 2, "inf-" + precision,
                    "exp", "h"), cpu, InstantSource.system(), events::add).run(data);
            assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED,
                    EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED, EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED,
                    EventKind.RUN_COMPLETED);
            var config = events.get(0).getConfig();
            assertThat(config.getPhase()).isEqualTo(RunPhase.INFERENCE);
            assertThat(config.getPrecision()).isEqualTo(precision);
            assertThat(config.getTrainSamples()).as("inferences per pass").isEqualTo(150);
            assertThat(config.getFlopsPerSample()).as("forward only: 2 x MACs").isEqualTo(2.0 * (12 * 8 + 8 * 3));
            assertThat(passes).hasSize(2).allSatisfy(m -> {
                assertThat(m.getSamples()).isEqualTo(150);
                assertThat(m.getLatencyP50Ms()).isPositive().isLessThanOrEqualTo(m.getLatencyP95Ms());
                assertThat(m.getLatencyP95Ms()).isLessThanOrEqualTo(m.getLatencyP99Ms());
                assertThat(m.getLoss()).isPositive();
            });
            assertThat(passes.get(1).getTestAccuracy()).as("the same weights every pass").isEqualTo(passes.get(0).getTestAccuracy());
            assertThat(passes.get(0).getTestAccuracy()).as(precision)
                    .isCloseTo(trained.last().getTestAccuracy(), within(switch (precision) {
                        case "fp32" -> 0.0;
                        case "fp8", "int4" -> 0.05; // 3 mantissa bits; 15 weight levels: a 12-8-3 model near chance moves most
                        default -> 0.02;
                    }));
        }
        // INT8 runs on the backend's threads, row blocks in parallel: the same logits as one thread, bit for bit
        try (CpuBackend three = new CpuBackend(3); CpuBackend one = new CpuBackend(1)) {
            InferenceJob.Options int8 = new InferenceJob.Options("int8", 64, 1, "inf", "exp", "h");
            EpochMetrics parallel = new InferenceJob(model, int8, three, InstantSource.system(), e -> { }).run(data).get(0);
            EpochMetrics serial = new InferenceJob(model, int8, one, InstantSource.system(), e -> { }).run(data).get(0);
            assertThat(parallel.getLoss()).isEqualTo(serial.getLoss());
            assertThat(parallel.getTestAccuracy()).isEqualTo(serial.getTestAccuracy());
        }
    }

    /** Ctrl-C (the thread interrupted) fails the run at its next batch with RUN_FAILED "interrupted", as for training. */
    @Test
    void anInterruptedRunFailsAtItsNextBatch(@TempDir Path dir) throws Exception {
        Dataset data = SyntheticData.generate(240, 100, 12, 3, 0.5f, 0.3f, 3);
        Path file = dir.resolve("m.ampwmodel");
        new TrainingJob(TrainingOptions.builder().epochs(1).batchSize(16).hiddenUnits(List.of(8)).seed(1).threads(1).runId("t")
                .host("h").saveModel(file).build(), cpu, InstantSource.system(), e -> { }).run(data);
        List<TrainingEvent> events = new ArrayList<>();
        InferenceJob job = new InferenceJob(ModelFile.read(file), new InferenceJob.Options("int8", 10, 3, "inf", "exp", "h"), cpu,
                InstantSource.system(), events::add);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> job.run(data)).isInstanceOf(TrainingFailedException.class).hasMessageContaining("interrupted");
        } finally {
            Thread.interrupted();
        }
        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED, EventKind.EPOCH_STARTED,
                EventKind.RUN_FAILED);
        assertThat(events.get(2).getFailureReason()).isEqualTo("interrupted");
    }

    @Test
    void percentilesAreNumpysLinearOnes() {
        // np.percentile([0.5, 1.25, 0.75, 3.0, 1.0, 2.0, 0.9], [50, 95, 99]) -> 1.0, 2.6999999999999993, 2.9399999999999995
        double[] sorted = {0.5, 1.25, 0.75, 3.0, 1.0, 2.0, 0.9};
        Arrays.sort(sorted);
        assertThat(InferenceJob.percentile(sorted, 50)).isEqualTo(1.0);
        assertThat(InferenceJob.percentile(sorted, 95)).isCloseTo(2.6999999999999993, within(1e-12));
        assertThat(InferenceJob.percentile(sorted, 99)).isCloseTo(2.9399999999999995, within(1e-12));
    }

    @Test
    void refusesAnUnknownPrecision() {
        assertThatThrownBy(() -> new InferenceJob.Options("fp4", 32, 1, "r", "e", "h"))
                .hasMessageContaining("one of [fp32, fp16, bf16, int8, int4, fp8]");
    }
}
