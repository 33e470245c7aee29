package dev.ampwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.gpu.GpuBackend;
import dev.ampwatch.trainer.precision.Precision;
import org.junit.jupiter.api.Test;

/** --device: cpu, auto falling back with the reason, a GPU asked for by name failing with it, a typo refused. */
class DeviceChoiceTest {
    @Test
    void cpuIsTakenWhenAskedFor() throws Exception {
        DeviceChoice c = DeviceChoice.pick("cpu", Precision.FP32, 1);
        try (var backend = c.backend()) {
            assertThat(backend).isInstanceOf(CpuBackend.class);
            assertThat(c.explanation()).endsWith(": chosen with --device cpu");
        }
    }

    @Test
    void autoFallsBackToTheCpuSayingWhyAndANamedGpuFails() throws Exception {
        assumeFalse(GpuBackend.probe(Precision.AMP_BF16).available(), "a GPU works here: nothing to fall back from");
        DeviceChoice c = DeviceChoice.pick("auto", Precision.AMP_BF16, 1);
        try (var backend = c.backend()) {
            assertThat(backend).isInstanceOf(CpuBackend.class);
            assertThat(c.explanation()).contains("no usable GPU for amp-bf16");
        }
        assertThatThrownBy(() -> DeviceChoice.pick("gpu1", Precision.FP32, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--device gpu1: ");
    }

    @Test
    void inferenceRunsPickByTheirPrecisionAndFp8FallsBackLikeTheRest() throws Exception {
        assumeFalse(GpuBackend.probe(Precision.FP32).available(), "a GPU works here (GpuSmoke experiment checks that side)");
        for (String precision : InferenceJob.PRECISIONS) {
            DeviceChoice c = DeviceChoice.pickForInference("auto", precision, 1);
            try (var backend = c.backend()) {
                assertThat(backend).as(precision).isInstanceOf(CpuBackend.class); // no GPU here
                assertThat(c.explanation()).as("names the inference precision, not the GEMMs' training precision")
                        .contains("no usable GPU for " + precision + " inference");
            }
        }
        assertThatThrownBy(() -> DeviceChoice.pickForInference("gpu", "fp8", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--device gpu: ");
    }

    @Test
    void anExperimentRunsOnOneDeviceAutoTakingTheCpuForAllWhenAnyPrecisionCannotUseTheGpu() {
        assumeFalse(GpuBackend.probe(Precision.FP32).available(), "a GPU works here");
        DeviceChoice.Resolved auto = DeviceChoice.forExperiment("auto", java.util.List.of(Precision.FP32, Precision.AMP_BF16),
                java.util.List.of("int8"), 1);
        assertThat(auto.device()).isEqualTo("cpu");
        assertThat(auto.explanation()).contains("no usable GPU for fp32")
                .endsWith("so every run of the experiment is on the CPU, to compare its configurations on one device");
        assertThat(DeviceChoice.forExperiment("cpu", java.util.List.of(Precision.AMP_FP16), java.util.List.of(), 1))
                .isEqualTo(new DeviceChoice.Resolved("cpu", "cpu: chosen with --device cpu"));
        assertThatThrownBy(() -> DeviceChoice.forExperiment("gpu", java.util.List.of(Precision.FP32), java.util.List.of(), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--device gpu: ");
        assertThatThrownBy(() -> DeviceChoice.forExperiment("tpu", java.util.List.of(Precision.FP32), java.util.List.of(), 1))
                .hasMessage("--device tpu: expected auto, cpu, gpu or gpuN (e.g. gpu1)");
    }

    @Test
    void anUnknownDeviceIsRefused() {
        assertThatThrownBy(() -> DeviceChoice.pick("tpu", Precision.FP32, 1))
                .hasMessage("--device tpu: expected auto, cpu, gpu or gpuN (e.g. gpu1)");
    }
}
