package dev.ampwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.host.HostId;
import org.junit.jupiter.api.Test;

class TrainingOptionsTest {
    @Test
    void tableColumnsNeedATargetAndAreChecked() {
        assertThatThrownBy(() -> TrainingOptions.builder().excludeColumns(java.util.List.of("id")).build())
                .hasMessageContaining("--exclude, --split-by and --split-by-time name columns of a table");
        assertThatThrownBy(() -> TrainingOptions.builder().target("y").splitBy("y").build()).hasMessageContaining("other than the target");
        org.assertj.core.api.Assertions.assertThat(TrainingOptions.builder().target("y").excludeColumns(java.util.List.of("id"))
                .splitBy("site").build().tableColumns()).contains(new dev.ampwatch.trainer.data.TableColumns("y",
                        java.util.List.of("id"), java.util.Optional.of("site")));
    }

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
