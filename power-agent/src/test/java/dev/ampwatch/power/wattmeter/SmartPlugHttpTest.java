package dev.ampwatch.power.wattmeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.power.FakeClock;
import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSampleMapper;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The smart-plug sources against a local HTTP server answering as the devices do. */
class SmartPlugHttpTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    /** Shelly Plus Plug S, firmware 1.x: {@code GET /rpc/Switch.GetStatus?id=0}. */
    static final String SHELLY = """
            {"id":0, "source":"init", "output":true, "apower":8.9, "voltage":237.5, "freq":50.0,
             "current":0.069, "aenergy":{"total":6.532,"by_minute":[45.199,47.141,88.397],
             "minute_ts":1654511972}, "temperature":{"tC":36.4, "tF":97.5}}""";

    /** Tasmota 12.x with an energy monitor: {@code GET /cm?cmnd=Status%2010}. */
    static final String TASMOTA = """
            {"StatusSNS":{"Time":"2026-03-01T13:00:00","ENERGY":{"TotalStartTime":"2025-11-02T10:11:12",
             "Total":12.345,"Yesterday":1.203,"Today":0.456,"Power":312,"ApparentPower":330,
             "ReactivePower":107,"Factor":0.95,"Voltage":231,"Current":1.428}}}""";

    /** myStrom WiFi Switch, firmware 3.82+: {@code GET /report}. */
    static final String MYSTROM = """
            {"power":51.63, "Ws":51.2, "relay":true, "temperature":23.9, "boot_id":"7CA8E1C4",
             "energy_since_boot":12345.6, "time_since_boot":4711}""";

    private PlugServer server;
    private final FakeClock clock = new FakeClock(T0);

    @BeforeEach
    void start() throws IOException {
        server = new PlugServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private PowerSession open(String type, String... more) throws PowerSourceException {
        return server.open(clock, type, more);
    }

    private static PowerReading only(List<PowerReading> readings) {
        assertThat(readings).hasSize(1);
        return readings.get(0);
    }

    @Test
    void shellyPowerAndItsOwnEnergyTotalConvertedExactly() throws Exception {
        server.json("/rpc/Switch.GetStatus?id=0", SHELLY);
        try (PowerSession session = open("shelly")) {
            PowerReading r = only(session.read(T0));
            assertThat(r.component()).isEqualTo(Component.WALL);
            assertThat(r.device()).isEqualTo("wall");
            assertThat(r.eventTime()).isEqualTo(T0);
            assertThat(r.powerWatts()).hasValue(8.9);
            assertThat(r.powerKind()).isEqualTo(PowerKind.INSTANT);
            assertThat(r.energyUj()).hasValue(23_515_200_000L); // 6.532 Wh × 3.6e9 µJ/Wh
            assertThat(r.energyRangeUj()).isEmpty();

            PowerSample sample = new PowerSampleMapper("rig-1").toRecord(SourceType.WATTMETER, r);
            assertThat(sample.getSource()).isEqualTo(SourceType.WATTMETER);
            assertThat(sample.getComponent()).isEqualTo(Component.WALL);
            assertThat(sample.getEnergyUj()).isEqualTo(23_515_200_000L);
        }
    }

    @Test
    void shellyChannelAndDeviceNameAreConfigurable() throws Exception {
        server.json("/rpc/Switch.GetStatus?id=2", SHELLY.replace("\"id\":0", "\"id\":2"));
        try (PowerSession session = open("shelly", WattmeterSource.SWITCH_ID, "2", WattmeterSource.DEVICE, "rig-psu")) {
            assertThat(only(session.read(T0)).device()).isEqualTo("rig-psu");
        }
        assertThat(server.requests).containsOnly("/rpc/Switch.GetStatus?id=2");
    }

    @Test
    void shellyWithoutApowerIsNotAMeter() {
        server.json("/rpc/Switch.GetStatus?id=0", "{\"id\":0, \"output\":true}");
        assertThatThrownBy(() -> open("shelly")).isInstanceOf(PowerSourceException.class)
                .hasMessageContaining(server.base() + "/rpc/Switch.GetStatus?id=0")
                .hasMessageContaining("no number at apower");
    }

    @Test
    void tasmotaStatus10PowerAndKwhTotal() throws Exception {
        server.json("/cm?cmnd=Status%2010", TASMOTA);
        try (PowerSession session = open("tasmota")) {
            PowerReading r = only(session.read(T0));
            assertThat(r.powerWatts()).hasValue(312.0);
            assertThat(r.energyUj()).hasValue(44_442_000_000_000L); // 12.345 kWh × 3.6e12 µJ/kWh
        }
    }

    @Test
    void olderTasmotaAnswersOnlyStatus8() throws Exception {
        server.json("/cm?cmnd=Status%2010", "{\"Command\":\"Unknown\"}").json("/cm?cmnd=Status%208", TASMOTA);
        try (PowerSession session = open("tasmota")) {
            assertThat(only(session.read(T0)).energyUj()).hasValue(44_442_000_000_000L);
            session.read(T0.plusSeconds(1));
        }
        assertThat(server.requests).containsExactly("/cm?cmnd=Status%2010", "/cm?cmnd=Status%208",
                "/cm?cmnd=Status%208", "/cm?cmnd=Status%208");
    }

    @Test
    void tasmotaMultiChannelValuesAreAddedUp() throws Exception {
        server.json("/cm?cmnd=Status%2010", """
                {"StatusSNS":{"ENERGY":{"Total":[1.5,0.25],"Power":[100,23.5]}}}""");
        try (PowerSession session = open("tasmota")) {
            PowerReading r = only(session.read(T0));
            assertThat(r.powerWatts()).hasValue(123.5);
            assertThat(r.energyUj()).hasValue(6_300_000_000_000L); // 1.75 kWh
        }
    }

    @Test
    void tasmotaWithoutEnergyMonitorSaysSo() {
        server.json("/cm?cmnd=Status%2010", "{\"StatusSNS\":{\"Time\":\"2026-03-01T13:00:00\"}}")
                .json("/cm?cmnd=Status%208", "{\"StatusSNS\":{\"Time\":\"2026-03-01T13:00:00\"}}");
        assertThatThrownBy(() -> open("tasmota")).isInstanceOf(PowerSourceException.class)
                .hasMessageContaining("cannot read the Tasmota plug at " + server.base())
                .hasMessageContaining("/cm?cmnd=Status%2010: no StatusSNS.ENERGY");
    }

    @Test
    void myStromPowerAndEnergySinceBootInWattSeconds() throws Exception {
        server.json("/report", MYSTROM);
        try (PowerSession session = open("mystrom")) {
            PowerReading r = only(session.read(T0));
            assertThat(r.powerWatts()).hasValue(51.63);
            assertThat(r.energyUj()).hasValue(12_345_600_000L); // 12345.6 Ws = J
        }
    }

    @Test
    void olderMyStromFirmwareHasPowerOnly() throws Exception {
        server.json("/report", "{\"power\":51.630947,\"relay\":true}");
        try (PowerSession session = open("mystrom")) {
            PowerReading r = only(session.read(T0));
            assertThat(r.powerWatts()).hasValue(51.630947);
            assertThat(r.energyUj()).isEqualTo(OptionalLong.empty());
        }
    }

    @Test
    void eachReadAsksAgainAndStampsTheSamplersTime() throws Exception {
        server.json("/report", MYSTROM);
        try (PowerSession session = open("mystrom")) {
            session.read(T0);
            server.json("/report", MYSTROM.replace("51.63", "250.5").replace("12345.6", "12596.1"));
            PowerReading r = only(session.read(T0.plusSeconds(1)));
            assertThat(r.eventTime()).isEqualTo(T0.plusSeconds(1));
            assertThat(r.powerWatts()).hasValue(250.5);
            assertThat(r.energyUj()).hasValue(12_596_100_000L);
        }
    }

    @Test
    void anErrorStatusFailsTheReadNamingTheUrl() throws Exception {
        server.json("/report", MYSTROM);
        try (PowerSession session = open("mystrom")) {
            server.status("/report", 500, "internal error");
            assertThatThrownBy(() -> session.read(T0)).isInstanceOf(PowerSourceException.class)
                    .hasMessage(server.base() + "/report answered HTTP 500: internal error");
            server.json("/report", MYSTROM);
            assertThat(session.read(T0.plusSeconds(1))).hasSize(1); // the next read works again
        }
    }

    @Test
    void malformedJsonFailsTheReadNamingTheUrl() throws Exception {
        server.json("/rpc/Switch.GetStatus?id=0", SHELLY);
        try (PowerSession session = open("shelly")) {
            server.json("/rpc/Switch.GetStatus?id=0", "{\"id\":0, \"apower\":8.9, ");
            assertThatThrownBy(() -> session.read(T0)).isInstanceOf(PowerSourceException.class)
                    .hasMessageStartingWith(server.base() + "/rpc/Switch.GetStatus?id=0: malformed JSON");
        }
    }

    @Test
    void aFieldOfTheWrongTypeFailsTheReadNamingTheField() throws Exception {
        server.json("/rpc/Switch.GetStatus?id=0", SHELLY);
        try (PowerSession session = open("shelly")) {
            server.json("/rpc/Switch.GetStatus?id=0", "{\"id\":0, \"apower\":8.9, \"aenergy\":{\"total\":\"n/a\"}}");
            assertThatThrownBy(() -> session.read(T0)).isInstanceOf(PowerSourceException.class)
                    .hasMessage(server.base() + "/rpc/Switch.GetStatus?id=0: field aenergy.total is not a number: \"n/a\"");
            server.json("/rpc/Switch.GetStatus?id=0", "{\"id\":0, \"apower\":-3.5}");
            assertThatThrownBy(() -> session.read(T0)).isInstanceOf(PowerSourceException.class)
                    .hasMessageContaining("field apower: power must be finite and >= 0: -3.5 W");
        }
    }

    /**
     * A negative power (a bidirectional plug's noise around 0 W at idle) beside a valid energy total: the total is the
     * measurement, published without the power (a review: such readings were dropped whole, and a plug that kept
     * reporting -0.3 W published nothing).
     */
    @Test
    void aNegativePowerBesideAValidTotalKeepsTheTotal() throws Exception {
        server.json("/rpc/Switch.GetStatus?id=0", SHELLY);
        try (PowerSession session = open("shelly")) {
            server.json("/rpc/Switch.GetStatus?id=0", "{\"id\":0, \"apower\":-0.3, \"aenergy\":{\"total\":6.532}}");
            PowerReading r = only(session.read(T0));
            assertThat(r.energyUj()).hasValue(23_515_200_000L);
            assertThat(r.powerWatts()).isEmpty();
            assertThat(r.powerKind()).isEqualTo(PowerKind.UNKNOWN);
        }
    }

    @Test
    void aSlowPlugFailsTheReadAfterTheTimeout() throws Exception {
        server.json("/report", MYSTROM);
        try (PowerSession session = open("mystrom")) {
            server.hang("/report");
            assertThatThrownBy(() -> session.read(T0)).isInstanceOf(PowerSourceException.class)
                    .hasMessage(server.base() + "/report did not answer within 500 ms");
        }
    }

    @Test
    void anUnknownPathIsAnOpenFailureNamingTheUrl() {
        assertThatThrownBy(() -> open("mystrom")).isInstanceOf(PowerSourceException.class)
                .hasMessage("cannot read the myStrom plug at " + server.base() + ": " + server.base()
                        + "/report answered HTTP 404: not found");
    }
}
