package dev.ampwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.trainer.backend.StepResult;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.LabeledData;
import dev.ampwatch.trainer.model.LearningRateSchedule;
import dev.ampwatch.trainer.model.ModelParameters;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the model is fed: the scheduled learning rate before every step, and standardized inputs. */
class EpochRunnerTest {

    /** Records what it is given; learns nothing. */
    static final class Recorder implements TrainableModel {
        final List<Double> rates = new ArrayList<>();
        final List<Float> firstInputs = new ArrayList<>();

        @Override
        public StepResult trainStep(float[] features, int[] labels, int n) {
            firstInputs.add(features[0]);
            return new StepResult(1.0, true);
        }

        final List<float[]> targets = new ArrayList<>();

        @Override
        public StepResult trainStep(float[] features, float[] t, int n) {
            firstInputs.add(features[0]);
            targets.add(java.util.Arrays.copyOf(t, n));
            return new StepResult(1.0, true);
        }

        @Override
        public void predict(float[] features, int n, int[] out) {
            firstInputs.add(features[0]);
        }

        @Override
        public void logits(float[] features, int n, float[] out) {
            firstInputs.add(features[0]);
        }

        @Override
        public void setLearningRate(double learningRate) {
            rates.add(learningRate);
        }

        @Override
        public float lossScale() {
            return 1;
        }

        @Override
        public ModelParameters parameters() {
            throw new UnsupportedOperationException("a recorder has no parameters");
        }

        @Override
        public void setParameters(ModelParameters parameters) {
            throw new UnsupportedOperationException("a recorder has no parameters");
        }
    }

    @org.junit.jupiter.api.Test
    void aRegressionTrainsOnStandardizedTargetsAndIsScoredInTheTargetsUnits() {
        float[] x = new float[10];
        float[] t = new float[10];
        for (int i = 0; i < 10; i++) {
            x[i] = i;
            t[i] = 2 * i + 1; // mean 10, deviation sqrt(33)
        }
        LabeledData train = LabeledData.withTargets(x, t, 1);
        Dataset data = new Dataset("line", true, 1, train, train.rows(0, 0), train, dev.ampwatch.trainer.model.Task.REGRESSION);
        Recorder model = new Recorder();
        EpochRunner runner = new EpochRunner(model, data, 10, 1, () -> { });
        runner.trainEpoch();
        float[] fed = model.targets.get(0);
        java.util.Arrays.sort(fed); // shuffled
        for (int i = 0; i < 10; i++) {
            org.assertj.core.api.Assertions.assertThat((double) fed[i])
                    .isCloseTo((2 * i + 1 - 10) / Math.sqrt(33), org.assertj.core.data.Offset.offset(1e-6));
        }
        // the recorder's outputs are 0: every prediction is the training mean, 10
        EpochRunner.Fit fit = runner.fit(train);
        org.assertj.core.api.Assertions.assertThat(fit.rmse()).isCloseTo(Math.sqrt(33), org.assertj.core.data.Offset.offset(1e-9));
        org.assertj.core.api.Assertions.assertThat(fit.mae()).isCloseTo(5, org.assertj.core.data.Offset.offset(1e-9));
        org.assertj.core.api.Assertions.assertThat(fit.r2()).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-9));
        org.assertj.core.api.Assertions.assertThat(runner.fit(train.rows(0, 0)).rmse()).isNaN();
    }

    /** 10 rows of one feature each: the row number; 4 per batch gives 3 steps per epoch. */
    static Dataset rows() {
        float[] x = new float[10];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        LabeledData train = new LabeledData(x, new int[10], 1);
        return new Dataset("rows", true, 2, train, train.rows(0, 0), train.rows(0, 2));
    }

    @Test
    void cosineMovesTheRateEveryStepOverThePlannedEpochs() {
        Recorder model = new Recorder();
        EpochRunner runner = new EpochRunner(model, rows(), 4, 1, () -> { }, LearningRateSchedule.COSINE, 0.1, 2);
        runner.trainEpoch();
        runner.trainEpoch();
        assertThat(model.rates).hasSize(6);
        for (int t = 0; t < 6; t++) {
            assertThat(model.rates.get(t)).as("step %d of 6", t).isCloseTo(0.1 * 0.5 * (1 + Math.cos(Math.PI * t / 6)), within(1e-15));
        }
    }

    @Test
    void aConstantRateIsLeftToTheModel() {
        Recorder model = new Recorder();
        new EpochRunner(model, rows(), 4, 1, () -> { }, LearningRateSchedule.CONSTANT, 0.1, 2).trainEpoch();
        assertThat(model.rates).isEmpty();
    }

    @Test
    void trainingAndEvaluationSeeInputsStandardizedWithTheTrainingStatistics() {
        Recorder model = new Recorder();
        EpochRunner runner = new EpochRunner(model, rows(), 10, 1, () -> { }, LearningRateSchedule.CONSTANT, 0.1, 1);
        runner.accuracy(rows().test()); // rows 0 and 1; training mean 4.5, deviation sqrt(8.25)
        assertThat((double) model.firstInputs.get(0)).isCloseTo(-4.5 / Math.sqrt(8.25), within(1e-6));
    }
}
