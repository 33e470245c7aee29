package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.trainer.precision.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The GPU smoke script's Java steps ({@link GpuSmoke}, benchmarks/gpu-smoke.sh) at small sizes, so that a GPU session's
 * few minutes are not lost to a step that no longer runs: the probe, training of an MLP and of the cnn preset in
 * every precision, inference in every inference precision of an MLP and of a CNN, every GEMM kernel on one product. A step returns 0 when it passed
 * and 2 when it skipped for want of the GPU's capability (FP8 before sm_89), which is allowed; 1 fails the test.
 * Runs where a GPU works (in CI: the fake driver); skipped elsewhere, failed with {@code -Dampwatch.requireGpu=true}.
 */
@EnabledIf("dev.ampwatch.trainer.gpu.GpuParityTest#gpuWorks")
class GpuSmokeTest {

    @Test
    void probe() {
        assertThat(GpuSmoke.run("probe")).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "tf32", "amp-fp16", "amp-bf16"})
    void train(String precision) {
        GpuRequirement.assumeBackend(Precision.fromCliName(precision));
        assertThat(GpuSmoke.run("train", precision, "2", "32", "0", "16")).as("MLP").isZero();
        assertThat(GpuSmoke.run("train", precision, "2", "cnn", "0", "4")).as("the cnn preset").isZero();
    }

    @Test
    void gemm() {
        GpuRequirement.assumeBackend(Precision.FP32);
        assertThat(GpuSmoke.run("gemm", "136", "0.01")).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "fp16", "bf16", "int8", "int8-dp4a", "fp8"})
    void infer(String precision) {
        GpuRequirement.assumeBackend(Precision.FP32);
        assertThat(GpuSmoke.run("infer", precision, "2", "32", "0", "64")).as("MLP").isIn(0, 2);
        assertThat(GpuSmoke.run("infer", precision, "2", "cnn", "0", "8")).as("the cnn preset").isIn(0, 2);
    }
}
