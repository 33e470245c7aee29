package dev.ampwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.SyntheticData;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelFile;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run saves its model when asked; loaded into a fresh model, it classifies exactly as the run measured. */
class SavedModelTest {
    private final CpuBackend cpu = new CpuBackend(2);
    private final List<TrainingEvent> events = new ArrayList<>();

    @AfterEach
    void close() {
        cpu.close();
    }

    private static TrainingOptions.Builder tiny() {
        return TrainingOptions.builder().epochs(2).batchSize(16).hiddenUnits(List.of(8)).seed(1).threads(2)
                .runId("run-1").experimentId("exp-1").host("host-a").precision(Precision.AMP_BF16).optimizer(OptimizerKind.ADAM);
    }

    @Test
    void theSavedModelReproducesTheRunsAccuracy(@TempDir Path dir) throws Exception {
        Dataset data = SyntheticData.generate(240, 60, 12, 3, 0.5f, 0.3f, 3);
        Path file = dir.resolve("run-1.ampwmodel");
        TrainingResult result = new TrainingJob(tiny().saveModel(file).build(), cpu, InstantSource.system(), events::add).run(data);
        assertThat(events.get(events.size() - 1).getKind()).isEqualTo(EventKind.RUN_COMPLETED);

        ModelFile.SavedModel saved = ModelFile.read(file);
        assertThat(saved.spec().hiddenUnits()).containsExactly(8);
        assertThat(saved.trained()).containsEntry("run_id", "run-1").containsEntry("precision", "amp-bf16")
                .containsEntry("optimizer", "adam").containsEntry("learning_rate_schedule", "cosine")
                .containsEntry("test_accuracy", Double.toString(result.last().getTestAccuracy()));
        try (TrainableModel fresh = cpu.createModel(saved.spec(), HyperParameters.of(Precision.AMP_BF16, OptimizerKind.ADAM, 0.001, 99))) {
            fresh.setParameters(saved.parameters());
            EpochRunner runner = new EpochRunner(fresh, data, 16, 1, () -> { });
            assertThat(runner.input()).isEqualTo(saved.input());
            assertThat(runner.accuracy(data.test())).isEqualTo(result.last().getTestAccuracy());
            assertThat(runner.accuracy(data.validation())).isEqualTo(result.last().getValidationAccuracy());
        }
    }

    @Test
    void aModelThatCannotBeSavedIsFoundBeforeTheTrainingNamingTheFile(@TempDir Path dir) throws Exception {
        Dataset data = SyntheticData.generate(100, 40, 12, 3, 0.5f, 0.2f, 3);
        Path blocked = Files.createDirectories(dir.resolve("taken.ampwmodel/x")).getParent(); // a directory in the way
        assertThatThrownBy(() -> new TrainingJob(tiny().saveModel(blocked).build(), cpu, InstantSource.system(), events::add)
                .run(data)).isInstanceOf(TrainingFailedException.class).hasMessageContaining("did not start")
                .hasMessageContaining("cannot write the model to " + blocked + ": it is a directory");
        assertThat(events).as("nothing trained, nothing published").isEmpty();
    }
}
