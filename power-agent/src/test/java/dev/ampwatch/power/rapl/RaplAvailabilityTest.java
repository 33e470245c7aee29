package dev.ampwatch.power.rapl;

import static dev.ampwatch.power.rapl.RaplSourceTest.PKG_MAX;
import static dev.ampwatch.power.rapl.RaplSourceTest.open;
import static dev.ampwatch.power.rapl.RaplSourceTest.source;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.power.Availability;
import dev.ampwatch.power.FakeClock;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.PowerSourceRegistry;
import dev.ampwatch.power.SourceContext;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.SourceType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the RAPL source looks (the sysfs root, its setting) and why it says it is unavailable; RaplSourceTest reads zones. */
class RaplAvailabilityTest {
    @TempDir
    Path tmp;

    private final FakeClock clock = new FakeClock(Instant.parse("2025-01-01T00:00:00Z"));

    private SourceContext context(SysfsFixture fixture) {
        return new SourceContext("host-a", clock, Map.of(RaplSource.SYSFS_ROOT, fixture.root().toString()));
    }

    @Test
    void noPowercapTreeSaysWhy() throws Exception {
        Path root = java.nio.file.Files.createDirectories(tmp.resolve("empty-root"));
        Availability availability = new RaplSource(root, SysfsReader.files()).availability();
        assertThat(availability.available()).isFalse();
        assertThat(availability.reason()).isEqualTo("no powercap tree at " + root.resolve("sys/class/powercap")
                + ": no RAPL driver loaded (modprobe intel_rapl_msr) or not an x86 host");
        // a root that does not exist is a typo in the setting: no driver advice (found by a user review)
        Path typo = tmp.resolve("no-such-root");
        assertThat(new RaplSource(typo, SysfsReader.files()).availability().reason())
                .isEqualTo("the sysfs root " + typo + " (" + RaplSource.SYSFS_ROOT + ") does not exist or is not a directory");
    }

    @Test
    void powercapWithoutRaplZonesSaysWhy() {
        SysfsFixture arm = SysfsFixture.empty(tmp.resolve("arm")).zone("dtpm:0", "soc", 1, 10)
                .zone("intel-rapl-mmio:0", "package-0", 5, PKG_MAX);
        Availability availability = source(arm).availability();
        assertThat(availability.available()).isFalse();
        assertThat(availability.reason()).startsWith("no RAPL zone (intel-rapl:N) under ")
                .contains("dtpm:0", "intel-rapl-mmio:0", "modprobe intel_rapl_msr");
    }

    @Test
    void maskedContainerSysfsPointsAtTheBindMountFix() throws IOException {
        // what runc's default mask of /sys/devices/virtual/powercap leaves: empty zone directories
        SysfsFixture masked = SysfsFixture.empty(tmp.resolve("container"));
        Files.createDirectories(masked.zone("intel-rapl:0"));
        Files.createDirectories(masked.zone("intel-rapl:0:0"));
        Availability availability = source(masked).availability();
        assertThat(availability.available()).isFalse();
        assertThat(availability.reason()).startsWith("no readable RAPL zone under ")
                .contains("intel-rapl:0: cannot read " + masked.zone("intel-rapl:0").resolve("name"))
                .contains("-v /sys:/host/sys:ro", RaplSource.SYSFS_ROOT + "=/host");
    }

    @Test
    void sysfsRootSettingOverridesTheDefaultRoot() throws Exception {
        SysfsFixture laptop = SysfsFixture.copy("laptop", tmp);
        RaplSource elsewhere = new RaplSource(tmp.resolve("nothing-here"), SysfsReader.files());
        assertThat(elsewhere.availability().available()).isFalse();
        try (RaplSession session = open(elsewhere, context(laptop))) {
            assertThat(session.zones()).hasSize(4);
        }
        assertThatThrownBy(() -> elsewhere.open(new SourceContext("h", clock, Map.of())))
                .isInstanceOf(PowerSourceException.class).hasMessageStartingWith("the sysfs root ");
        assertThatThrownBy(() -> elsewhere.open(new SourceContext("h", clock, Map.of(RaplSource.SYSFS_ROOT, " "))))
                .isInstanceOf(PowerSourceException.class).hasMessageContaining(RaplSource.SYSFS_ROOT);
    }

    @Test
    void sourceDescribesItselfAndIsDiscovered() {
        RaplSource rapl = new RaplSource();
        assertThat(rapl.name()).isEqualTo("rapl");
        assertThat(rapl.sourceType()).isEqualTo(SourceType.RAPL);
        assertThat(rapl.defaultInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(rapl.components()).containsExactlyInAnyOrder(Component.CPU_PACKAGE, Component.CPU_CORE,
                Component.CPU_UNCORE, Component.DRAM, Component.PSYS);
        assertThat(PowerSourceRegistry.discover().names()).contains("rapl", "estimate");
    }
}
