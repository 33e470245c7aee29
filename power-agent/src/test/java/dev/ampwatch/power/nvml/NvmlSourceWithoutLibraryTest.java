package dev.ampwatch.power.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.power.Availability;
import dev.ampwatch.power.FakeClock;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.PowerSourceRegistry;
import dev.ampwatch.power.SourceContext;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.SourceType;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NVML source where no library loads: its description and a library that is not there. These load no
 * {@code libnvidia-ml.so.1}, so they may run in any order with {@link NvmlSourceTest} (whose default-library test must
 * run before the fake is loaded).
 */
class NvmlSourceWithoutLibraryTest {

    @TempDir
    Path tmp;

    private final FakeClock clock = new FakeClock(Instant.parse("2025-01-01T00:00:00Z"));

    @Test
    void describesTheSource() {
        NvmlSource source = new NvmlSource("nvidia-ml");
        assertThat(source.name()).isEqualTo("nvml");
        assertThat(source.sourceType()).isEqualTo(SourceType.NVML);
        assertThat(source.components()).containsExactly(Component.GPU);
        assertThat(source.defaultInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(PowerSourceRegistry.discover().names()).contains("nvml");
    }

    @Test
    void missingLibraryMakesTheSourceUnavailableNamingTheLibrary() {
        Path missing = tmp.resolve("no-driver/libnvidia-ml.so.1");
        Availability a = new NvmlSource(missing.toString()).availability();
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).startsWith("NVML library " + missing + " not found").contains("nvml.library");

        Availability byName = new NvmlSource("ampwatch-no-such-nvml").availability();
        assertThat(byName.available()).isFalse();
        assertThat(byName.reason()).startsWith("NVML library ampwatch-no-such-nvml not found");

        assertThatThrownBy(() -> new NvmlSource("nvidia-ml").open(new SourceContext("host-a", clock,
                Map.of(NvmlSource.LIBRARY, missing.toString()))))
                .isInstanceOf(PowerSourceException.class).hasMessageContaining(missing.toString());
    }
}
