package dev.ampwatch.power.nvml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.PowerKind;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** What needs no library: NVML's struct layouts and which power reading an architecture gives. */
class GpuArchitectureTest {

    @Test
    void structLayoutsMatchNvmlH() {
        assertThat(FieldValues.SIZE).isEqualTo(40);
        assertThat(new NvmlLibrary.Utilization().size()).isEqualTo(8);
        assertThat(new NvmlLibrary.Memory().size()).isEqualTo(24);
    }

    @Test
    void usageKindFollowsNvidiasDocumentation() {
        assertThat(GpuArchitecture.usageKind(OptionalInt.empty(), "NVIDIA H100")).isEqualTo(PowerKind.UNKNOWN);
        assertThat(GpuArchitecture.usageKind(OptionalInt.of(NvmlLibrary.NVML_DEVICE_ARCH_BLACKWELL), "NVIDIA B200"))
                .isEqualTo(PowerKind.WINDOW_AVERAGE);
        assertThat(GpuArchitecture.usageKind(OptionalInt.of(7), "NVIDIA A800-SXM4-80GB")).isEqualTo(PowerKind.INSTANT);
        assertThat(GpuArchitecture.usageKind(OptionalInt.of(7), "NVIDIA A100X")).isEqualTo(PowerKind.INSTANT);
        assertThat(GpuArchitecture.usageKind(OptionalInt.of(7), "NVIDIA GeForce RTX 3090"))
                .isEqualTo(PowerKind.WINDOW_AVERAGE);
        assertThat(GpuArchitecture.usageKind(OptionalInt.of(2), "Tesla K80")).isEqualTo(PowerKind.INSTANT);
    }
}
