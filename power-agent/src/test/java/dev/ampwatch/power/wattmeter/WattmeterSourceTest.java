package dev.ampwatch.power.wattmeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.power.Availability;
import dev.ampwatch.power.FakeClock;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.PowerSourceRegistry;
import dev.ampwatch.power.SourceContext;
import dev.ampwatch.power.SourceStatus;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.SourceType;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WattmeterSourceTest {

    @TempDir
    Path tmp;

    private final FakeClock clock = new FakeClock(Instant.parse("2026-03-01T12:00:00Z"));

    private static Availability availability(Map<String, String> settings) {
        return new WattmeterSource(settings).availability();
    }

    @Test
    void describesItself() {
        WattmeterSource source = new WattmeterSource(Map.of());
        assertThat(source.name()).isEqualTo("wattmeter");
        assertThat(source.sourceType()).isEqualTo(SourceType.WATTMETER);
        assertThat(source.components()).containsExactly(Component.WALL);
        assertThat(source.defaultInterval()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void withoutATypeItIsNotAvailable() {
        assertThat(availability(Map.of())).isEqualTo(Availability.unavailable(
                "no wattmeter configured: set wattmeter.type and its address"));
        assertThat(availability(Map.of(WattmeterSource.URL, "http://192.0.2.1")).reason())
                .isEqualTo("no wattmeter configured: set wattmeter.type and its address");
    }

    @Test
    void anUnknownTypeIsNamedWithTheKnownOnes() {
        assertThat(availability(Map.of(WattmeterSource.TYPE, "kasa")).reason())
                .isEqualTo("unknown wattmeter.type 'kasa'; one of shelly, tasmota, mystrom, serial, csv");
    }

    @Test
    void eachTypeNeedsItsAddress() {
        assertThat(availability(Map.of(WattmeterSource.TYPE, "shelly")).reason())
                .isEqualTo("wattmeter.type=shelly needs wattmeter.url, the plug's address, e.g. http://192.168.1.50");
        assertThat(availability(Map.of(WattmeterSource.TYPE, "serial")).reason())
                .startsWith("wattmeter.type=serial needs wattmeter.port");
        assertThat(availability(Map.of(WattmeterSource.TYPE, "csv")).reason())
                .startsWith("wattmeter.type=csv needs wattmeter.file");
        assertThat(availability(Map.of(WattmeterSource.TYPE, "Tasmota", WattmeterSource.URL, "http://")).reason())
                .startsWith("setting wattmeter.url is not a URL: 'http://'");
    }

    @Test
    void availabilityContactsNothingButChecksLocalPaths() {
        // 192.0.2.0/24 is TEST-NET-1: nothing is there, and availability must not try.
        assertThat(availability(Map.of(WattmeterSource.TYPE, "shelly", WattmeterSource.URL, "192.0.2.1")).available())
                .isTrue();
        assertThat(availability(Map.of(WattmeterSource.TYPE, "serial", WattmeterSource.PORT, "/dev/ttyNOPE9")).reason())
                .isEqualTo("serial port /dev/ttyNOPE9 not found (is the meter plugged in?)");
        assertThat(availability(Map.of(WattmeterSource.TYPE, "csv", WattmeterSource.FILE,
                tmp.resolve("no-such-dir/power.csv").toString())).reason())
                .isEqualTo("directory of " + tmp.resolve("no-such-dir/power.csv") + " does not exist");
        assertThat(availability(Map.of(WattmeterSource.TYPE, "csv", WattmeterSource.FILE,
                tmp.resolve("power.csv").toString())).available()).isTrue();
        assertThat(availability(Map.of(WattmeterSource.TYPE, "serial", WattmeterSource.PORT, "/dev/null",
                WattmeterSource.LINE_FORMAT, "no groups")).reason())
                .startsWith("setting wattmeter.line-format: 'no groups' has no named group");
    }

    @Test
    void theServiceLoaderInstanceIsConfiguredFromTheEnvironment() {
        assertThat(WattmeterSource.settingsFromEnvironment(Map.of("AMPWATCH_WATTMETER_TYPE", "shelly",
                "AMPWATCH_WATTMETER_URL", "http://192.0.2.1", "AMPWATCH_WATTMETER_SWITCH_ID", "1",
                "AMPWATCH_RAPL_SYSFS_ROOT", "/host", "PATH", "/usr/bin"))).isEqualTo(Map.of("wattmeter.type", "shelly",
                "wattmeter.url", "http://192.0.2.1", "wattmeter.switch-id", "1"));
    }

    @Test
    void isInstalledThroughTheServiceLoader() {
        assertThat(PowerSourceRegistry.discover().names()).contains("wattmeter");
    }

    @Test
    void theRegistryListsTheReason() {
        List<SourceStatus> statuses = new PowerSourceRegistry(List.of(new WattmeterSource(Map.of())))
                .describe(List.of("wattmeter"));
        assertThat(statuses).containsExactly(new SourceStatus("wattmeter", SourceStatus.State.UNAVAILABLE,
                "no wattmeter configured: set wattmeter.type and its address"));
    }

    @Test
    void anUnreachablePlugFailsAtOpenNamingTheUrl() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: connections to it are refused
        }
        String url = "http://127.0.0.1:" + port;
        WattmeterSource source = new WattmeterSource(Map.of(WattmeterSource.TYPE, "shelly", WattmeterSource.URL, url));
        assertThat(source.availability().available()).isTrue();
        assertThatThrownBy(() -> source.open(new SourceContext("rig-1", clock, Map.of())))
                .isInstanceOf(PowerSourceException.class)
                .hasMessageStartingWith("cannot read the Shelly plug at " + url + ": cannot connect to " + url
                        + "/rpc/Switch.GetStatus?id=0");
    }

    @Test
    void contextSettingsOverrideTheSourcesOwn() throws Exception {
        WattmeterSource source = new WattmeterSource(Map.of(WattmeterSource.TYPE, "shelly",
                WattmeterSource.URL, "http://192.0.2.1"));
        Path csv = tmp.resolve("power.csv");
        try (var session = source.open(new SourceContext("rig-1", clock, Map.of(WattmeterSource.TYPE, "csv",
                WattmeterSource.FILE, csv.toString(), "estimate.cpu-tdp-watts", "65")))) {
            assertThat(session).isInstanceOf(CsvTailSession.class);
        }
    }
}
