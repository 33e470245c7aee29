package dev.ampwatch.trainer.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.trainer.backend.StepResult;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.LabeledData;
import dev.ampwatch.trainer.data.SyntheticData;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Trains small models directly on the CPU backend in each precision. */
class MixedPrecisionTrainingTest {
    /** Overlapping classes, so accuracy is well below 100% and differences between modes could show. */
    private static final Dataset DATA = SyntheticData.generate(4000, 4000, 64, 10, 0.5f, 0.35f, 17);
    private static final ModelSpec SPEC = new ModelSpec(64, List.of(64, 32), 10);
    private static CpuBackend backend;

    @BeforeAll
    static void start() {
        backend = new CpuBackend(2);
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @Test
    void lossFallsOnAFixedSeed() {
        TrainableModel model = backend.createModel(SPEC, hyper(Precision.FP32, OptimizerKind.SGD_MOMENTUM, 0.05));
        double first = epoch(model);
        double second = epoch(model);
        double third = epoch(model);
        assertThat(first).isLessThan(Math.log(10));
        assertThat(second).isLessThan(first);
        assertThat(third).isLessThan(second);
    }

    @Test
    void adamLearnsToo() {
        TrainableModel model = backend.createModel(SPEC, hyper(Precision.FP32, OptimizerKind.ADAM, 0.001));
        double first = epoch(model);
        epoch(model);
        assertThat(epoch(model)).isLessThan(first);
        assertThat(accuracy(model, DATA.test())).isGreaterThan(0.5);
    }

    @Test
    void mixedPrecisionMatchesFp32AccuracyWithinOnePoint() {
        Map<Precision, Double> accuracy = new EnumMap<>(Precision.class);
        for (Precision p : Precision.values()) {
            // a small learning rate converges smoothly, so the comparison is not epoch-to-epoch jitter
            TrainableModel model = backend.createModel(SPEC, hyper(p, OptimizerKind.SGD_MOMENTUM, 0.01));
            for (int e = 0; e < 10; e++) {
                epoch(model);
            }
            accuracy.put(p, accuracy(model, DATA.test()));
        }
        System.out.println("test accuracy by precision: " + accuracy);
        double fp32 = accuracy.get(Precision.FP32);
        assertThat(fp32).as("a problem that is neither trivial nor hopeless").isBetween(0.6, 0.98);
        assertThat(accuracy.get(Precision.AMP_FP16)).isCloseTo(fp32, org.assertj.core.data.Offset.offset(0.01));
        assertThat(accuracy.get(Precision.AMP_BF16)).isCloseTo(fp32, org.assertj.core.data.Offset.offset(0.01));
        assertThat(accuracy.get(Precision.TF32)).isCloseTo(fp32, org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void fp16OverflowSkipsStepsHalvesTheScaleAndGrowsItBack() {
        // 2^40 makes the scaled gradients overflow half's 65504 at once; growth after 5 good steps
        HyperParameters hyper = new HyperParameters(Precision.AMP_FP16, OptimizerKind.SGD_MOMENTUM, 0.05, 5, 0x1p40f, 5);
        TrainableModel model = backend.createModel(SPEC, hyper);
        float[] x = Arrays.copyOf(DATA.train().features(), 64 * 64);
        int[] y = Arrays.copyOf(DATA.train().labels(), 64);
        List<Float> scales = new ArrayList<>();
        List<Boolean> applied = new ArrayList<>();
        for (int step = 0; step < 60; step++) {
            StepResult r = model.trainStep(x, y, 64);
            applied.add(r.applied());
            scales.add(model.lossScale());
        }
        assertThat(applied.get(0)).as("first step overflows and is skipped").isFalse();
        assertThat(scales.get(0)).isEqualTo(0x1p39f);
        int firstGood = applied.indexOf(true);
        assertThat(firstGood).as("the scale comes down until steps apply").isPositive();
        assertThat(applied.subList(0, firstGood)).containsOnly(false);
        float lowest = scales.get(firstGood);
        assertThat(scales.subList(firstGood, scales.size())).as("5 good steps double the scale")
                .anyMatch(s -> s > lowest);
    }

    @Test
    void fp32NeverSkips() {
        TrainableModel model = backend.createModel(SPEC, hyper(Precision.FP32, OptimizerKind.SGD_MOMENTUM, 0.05));
        assertThat(model.trainStep(DATA.train().features(), DATA.train().labels(), 32).applied()).isTrue();
        assertThat(model.lossScale()).isEqualTo(1f);
    }

    private static HyperParameters hyper(Precision p, OptimizerKind o, double lr) {
        return HyperParameters.of(p, o, lr, 99);
    }

    /** One unshuffled pass in batches of 64; returns the mean loss. */
    private static double epoch(TrainableModel model) {
        LabeledData train = DATA.train();
        int batch = 64;
        float[] x = new float[batch * 64];
        int[] y = new int[batch];
        double sum = 0;
        for (int from = 0; from < train.size(); from += batch) {
            int n = Math.min(batch, train.size() - from);
            System.arraycopy(train.features(), from * 64, x, 0, n * 64);
            System.arraycopy(train.labels(), from, y, 0, n);
            sum += model.trainStep(x, y, n).loss() * n;
        }
        return sum / train.size();
    }

    private static double accuracy(TrainableModel model, LabeledData data) {
        int[] predicted = new int[data.size()];
        model.predict(data.features(), data.size(), predicted);
        int correct = 0;
        for (int i = 0; i < predicted.length; i++) {
            correct += predicted[i] == data.labels()[i] ? 1 : 0;
        }
        return (double) correct / data.size();
    }
}
