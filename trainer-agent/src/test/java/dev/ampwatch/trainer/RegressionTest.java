package dev.ampwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunTask;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.SyntheticData;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.model.Task;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Regressions end to end on the CPU backend (the seed study's Part II): a model learns Friedman's problem in every
 * precision, the events carry RMSE, MAE and R² instead of accuracy, and a table on disk is learned by its column name.
 */
class RegressionTest {
    private final CpuBackend cpu = new CpuBackend(2);
    private final List<TrainingEvent> events = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        cpu.close();
    }

    private static TrainingOptions.Builder options(Precision precision) {
        return TrainingOptions.builder().task(Task.REGRESSION).epochs(8).batchSize(32).hiddenUnits(List.of(64, 32))
                .seed(3).threads(2).runId("reg-" + precision.cliName()).experimentId("reg").host("host-a")
                .precision(precision).optimizer(OptimizerKind.ADAM).learningRate(0.003);
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"FP32", "AMP_FP16", "AMP_BF16"})
    void learnsFriedmansProblemInEveryPrecision(Precision precision) {
        // noise 1 on a target of variance ~23.8: the best model's R² is ~0.96; predicting the mean gives 0
        Dataset data = SyntheticData.friedman1(4000, 1000, 10, 1.0, 7);
        TrainingResult result = new TrainingJob(options(precision).build(), cpu, TrainingJobTest.ticking(), events::add).run(data);

        EpochMetrics last = result.epochs().get(result.epochs().size() - 1);
        assertThat(last.getTestR2()).as("R² after 8 epochs, %s", precision).isGreaterThan(0.85);
        assertThat(last.getTestRmse()).isLessThan(2.0).isGreaterThan(0.8); // the noise's deviation is 1
        assertThat(last.getTestMae()).isLessThan(last.getTestRmse()); // MAE <= RMSE always
        assertThat(last.getTrainRmse()).isNotNull();
        assertThat(last.getValidationRmse()).isNotNull();
        assertThat(last.getTestAccuracy()).as("no accuracy for a regression").isNull();
        assertThat(last.getTrainAccuracy()).isNull();
        assertThat(result.epochs().get(0).getLoss()).as("loss (standardized MSE) falls")
                .isGreaterThan(last.getLoss());
        TrainingEvent started = events.get(0);
        assertThat(started.getConfig().getTask()).isEqualTo(RunTask.REGRESSION);
        assertThat(started.getConfig().getDataset()).startsWith("synthetic regression (Friedman #1");
        assertThat(events).allSatisfy(e -> assertThat(AmpwatchSerdes.trainingEvent().decode(
                AmpwatchSerdes.trainingEvent().encode(e))).isEqualTo(e));
        assertThat(events.get(events.size() - 1).getKind()).isEqualTo(EventKind.RUN_COMPLETED);
    }

    @Test
    void learnsAColumnOfACsvTableByName() throws Exception {
        // y = 3 a - 2 b + 0.5 c + noise, with a text column and a column of missing values to ignore
        Random random = new Random(5);
        StringBuilder csv = new StringBuilder("id,a,b,c,kind,y\n");
        for (int i = 0; i < 3000; i++) {
            double a = random.nextGaussian() * 10 + 50;
            double b = random.nextGaussian();
            double c = random.nextDouble() * 1000;
            double y = 3 * a - 2 * b + 0.5 * c + random.nextGaussian();
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%s,%.6f%n", i, a, b, c, i % 2 == 0 ? "x" : "z",
                    i == 17 ? Double.NaN : y));
        }
        Path file = dir.resolve("linear.csv");
        Files.writeString(file, csv);
        TrainingResult result = new TrainingJob(options(Precision.FP32).epochs(6).datasetDir(file).target("y").build(),
                cpu, TrainingJobTest.ticking(), events::add).run();
        EpochMetrics last = result.epochs().get(result.epochs().size() - 1);
        assertThat(last.getTestR2()).as("a nearly linear target with id as a useless feature").isGreaterThan(0.97);
        assertThat(events.get(0).getConfig().getDataset()).isEqualTo("linear.csv (target y)");
        assertThat(events.get(0).getConfig().getDatasetSynthetic()).isFalse();
        // 2,999 complete rows split by their content: about 4/5 x 11/12 of them train (2,199); these rows give 2,193
        assertThat(events.get(0).getConfig().getTrainSamples()).as("2,999 complete rows, about 73 %% training rows").isEqualTo(2193);
    }

    @Test
    void aTableNeedsItsTargetAndARegressionNeedsNumbers() throws Exception {
        Path file = dir.resolve("t.csv");
        Files.writeString(file, "a,label\n1,cat\n2,dog\n3,cat\n4,dog\n5,cat\n");
        assertThatThrownBy(() -> new TrainingJob(options(Precision.FP32).datasetDir(file).build(), cpu, TrainingJobTest.ticking(),
                events::add).run()).hasMessageContaining("--target COLUMN").hasMessageContaining("a, label");
        assertThatThrownBy(() -> new TrainingJob(options(Precision.FP32).datasetDir(file).target("price").build(), cpu,
                TrainingJobTest.ticking(), events::add).run()).hasMessageContaining("no column 'price'");
        assertThatThrownBy(() -> new TrainingJob(options(Precision.FP32).datasetDir(file).target("label").build(), cpu,
                TrainingJobTest.ticking(), events::add).run()).hasMessageContaining("holds text, a regression needs numbers");
        assertThatThrownBy(() -> new TrainingJob(options(Precision.FP32).target("y").build(), cpu, TrainingJobTest.ticking(),
                events::add).run()).hasMessageContaining("--target y names a column of a table");
        assertThat(events).as("runs that could not start publish nothing").isEmpty();
    }

    @Test
    void aDivergedRunFailsSayingSoAndARegressionsDefaultRateIsLower() {
        Dataset data = SyntheticData.friedman1(1000, 200, 10, 1.0, 7);
        assertThatThrownBy(() -> new TrainingJob(options(Precision.FP32).optimizer(OptimizerKind.SGD_MOMENTUM)
                .learningRate(50).build(), cpu, TrainingJobTest.ticking(), events::add).run(data))
                .hasMessageContaining("the loss diverged to").hasMessageContaining("a lower --learning-rate may train");
        TrainingEvent last = events.get(events.size() - 1);
        assertThat(last.getKind()).isEqualTo(EventKind.RUN_FAILED);
        assertThat(last.getFailureReason()).contains("diverged").contains("epoch 1");
        assertThat(TrainingOptions.builder().task(Task.REGRESSION).build().learningRate()).isEqualTo(0.005);
        assertThat(TrainingOptions.builder().build().learningRate()).isEqualTo(0.05);
        assertThat(TrainingOptions.builder().task(Task.REGRESSION).optimizer(OptimizerKind.ADAM).build().learningRate())
                .isEqualTo(0.001);
    }

    /** Found by a review: inference regenerated Friedman data with seed 42 and 10,000 training rows, scoring training rows. */
    @Test
    void inferenceOfAGeneratedRegressionScoresTheRunsOwnTestRows() throws Exception {
        Path file = dir.resolve("friedman.ampwmodel");
        new TrainingJob(options(Precision.FP32).epochs(1).seed(7).trainLimit(3000).testLimit(500).saveModel(file).build(), cpu,
                TrainingJobTest.ticking(), events::add).run();
        Dataset trained = dev.ampwatch.trainer.data.DatasetResolver.resolve(java.util.Optional.empty(), java.util.Optional.empty(),
                Task.REGRESSION, 3000, 500, 7);
        Dataset measured = dev.ampwatch.trainer.data.DatasetResolver.forModel(java.util.Optional.empty(),
                dev.ampwatch.trainer.model.ModelFile.read(file), 0, 500, 42);
        assertThat(measured.test().targets()).containsExactly(trained.test().targets());
    }

    @Test
    void aClassifierLearnsATablesTextLabels() throws Exception {
        Random random = new Random(9);
        StringBuilder csv = new StringBuilder("x1,x2,species\n");
        String[] names = {"setosa", "versicolor", "virginica"};
        for (int i = 0; i < 1500; i++) {
            int k = i % 3;
            csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%s%n", k * 6 + random.nextGaussian(),
                    -k * 4 + random.nextGaussian(), names[k]));
        }
        Path file = dir.resolve("flowers.csv");
        Files.writeString(file, csv);
        TrainingResult result = new TrainingJob(options(Precision.FP32).task(Task.CLASSIFICATION).epochs(4)
                .datasetDir(file).target("species").build(), cpu, TrainingJobTest.ticking(), events::add).run();
        EpochMetrics last = result.epochs().get(result.epochs().size() - 1);
        assertThat(last.getTestAccuracy()).as("three well separated classes").isGreaterThan(0.95);
        assertThat(last.getTestRmse()).isNull();
        assertThat(events.get(0).getConfig().getTask()).isEqualTo(RunTask.CLASSIFICATION);
    }
}
