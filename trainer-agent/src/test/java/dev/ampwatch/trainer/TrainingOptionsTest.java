package dev.ampwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.host.HostId;
import org.junit.jupiter.api.Test;

class TrainingOptionsTest {
    @Test
    void theDefaultHostIsTheSharedHostIdSoPowerSamplesJoin() {
        assertThat(TrainingOptions.builder().build().host()).isEqualTo(HostId.local());
        assertThat(TrainingOptions.builder().host("rig-7").build().host()).isEqualTo("rig-7");
    }

    @Test
    void aHostIdThatCannotBeAKeyIsRefused() {
        assertThatThrownBy(() -> TrainingOptions.builder().host(" ").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host id is blank");
        assertThatThrownBy(() -> TrainingOptions.builder().host("rig\0one").build()).hasMessageContaining("control character");
    }
}
