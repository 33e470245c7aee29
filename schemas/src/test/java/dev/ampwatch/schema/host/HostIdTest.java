package dev.ampwatch.schema.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HostIdTest {
    @Test
    void theEnvironmentVariableWinsOverTheResolver() {
        assertThat(HostId.local(HostId.environment(Map.of("AMPWATCH_HOST", " Rig-7 ")), () -> Optional.of("box")))
                .isEqualTo("Rig-7");
    }

    @Test
    void theResolvedNameIsLowerCasedSoAgentsAgreeWhateverTheCase() {
        assertThat(HostId.local(HostId.environment(Map.of()), () -> Optional.of("GPU-Node-3.lab")))
                .isEqualTo("gpu-node-3.lab");
    }

    @Test
    void fallsBackToHostnameVariablesThenLocalhost() {
        assertThat(HostId.local(HostId.environment(Map.of("HOSTNAME", "Box")), Optional::empty)).isEqualTo("box");
        assertThat(HostId.local(HostId.environment(Map.of()), Optional::empty)).isEqualTo("localhost");
    }

    @Test
    void localIsStable() {
        assertThat(HostId.local()).isEqualTo(HostId.local()).isNotBlank();
    }

    @Test
    void refusesBlankControlCharactersAndOverlongIds() {
        assertThatThrownBy(() -> HostId.validate(" ")).hasMessageContaining("blank");
        assertThatThrownBy(() -> HostId.validate("a\0b")).hasMessageContaining("control character (code 0) at index 1");
        assertThatThrownBy(() -> HostId.validate("x".repeat(254))).hasMessageContaining("254 characters");
        assertThat(HostId.validate("rig-1")).isEqualTo("rig-1");
        assertThat(HostId.orLocal("given")).isEqualTo("given");
    }
}
