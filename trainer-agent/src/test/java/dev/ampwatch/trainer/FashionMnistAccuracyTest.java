package dev.ampwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ampwatch.trainer.data.FashionMnist;
import org.junit.jupiter.api.Test;

/**
 * The default MLP on the real Fashion-MNIST, when the dataset is installed. Two epochs of the
 * default SGD-momentum run take about 30 s on 2 cores; training is deterministic (fixed seed, and
 * the GEMM's result does not depend on the thread count), so the accuracy is reproducible.
 */
class FashionMnistAccuracyTest {

    @Test
    void defaultMlpReaches85PercentTestAccuracy() {
        assumeTrue(FashionMnist.isPresent(FashionMnist.DEFAULT_DIR), "Fashion-MNIST not installed");
        TrainingOptions options = TrainingOptions.builder().epochs(2).runId("fashion-mnist-test").build();
        TrainingResult result = TrainingJob.runOnCpu(options, TrainingListener.none());
        assertThat(result.last().getTestAccuracy()).isGreaterThanOrEqualTo(0.85);
        assertThat(result.parameterCount()).isEqualTo(235_146);
    }
}
