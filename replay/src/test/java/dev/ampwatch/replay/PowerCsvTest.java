package dev.ampwatch.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PowerCsvTest {
    static final PowerCsv.Defaults NO_DEFAULTS = new PowerCsv.Defaults(null, null, SourceType.REPLAY, null);

    static PowerCsv.Result parse(String csv, PowerCsv.Defaults defaults) {
        try {
            return PowerCsv.parse("p.csv", new BufferedReader(new StringReader(csv)), defaults);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static PowerSample only(String csv, PowerCsv.Defaults defaults) {
        PowerCsv.Result r = parse(csv, defaults);
        assertThat(r.problems()).isEmpty();
        assertThat(r.rows()).hasSize(1);
        return r.rows().get(0).sample();
    }

    @Test
    void readsColumnsByNameInAnyOrderAndCase() {
        PowerSample s = only("""
                # recorded on rig-1
                Watts , DEVICE,Component,HOST,timestamp
                212.5,gpu1,gpu,rig-1,2026-11-23T10:00:00.250Z
                """, NO_DEFAULTS);
        assertThat(s.getHost()).isEqualTo("rig-1");
        assertThat(s.getComponent()).isEqualTo(Component.GPU);
        assertThat(s.getDevice()).isEqualTo("gpu1");
        assertThat(s.getPowerWatts()).isEqualTo(212.5);
        assertThat(s.getEnergyUj()).isNull();
        assertThat(s.getSource()).isEqualTo(SourceType.REPLAY);
        assertThat(s.getPowerKind()).isEqualTo(PowerKind.UNKNOWN);
        assertThat(s.getEventTime()).isEqualTo(Instant.parse("2026-11-23T10:00:00.250Z"));
    }

    @Test
    void aHandTypedWattmeterLogNeedsOnlyTimestampAndWatts() {
        PowerCsv.Result r = parse("""
                timestamp,watts
                2026-11-23 11:00:00,97.5

                2026-11-23 11:00:30, 312
                """, new PowerCsv.Defaults("rig-1", Component.WALL, SourceType.WATTMETER, ZoneId.of("Europe/Berlin")));
        assertThat(r.problems()).isEmpty();
        assertThat(r.rows()).extracting(PowerCsv.Row::line).containsExactly(2, 4);
        PowerSample s = r.rows().get(1).sample();
        assertThat(s.getHost()).isEqualTo("rig-1");
        assertThat(s.getComponent()).isEqualTo(Component.WALL);
        assertThat(s.getDevice()).isEqualTo("wall");
        assertThat(s.getSource()).isEqualTo(SourceType.WATTMETER);
        assertThat(s.getPowerWatts()).isEqualTo(312.0);
        assertThat(s.getEventTime()).isEqualTo(Instant.parse("2026-11-23T10:00:30Z"));
    }

    @ParameterizedTest
    @CsvSource({
        "energy_j,  12.5,        12500000",
        "energy_j,  0.0000015,   2",
        "energy_wh, 1.5,         5400000000",
        "energy_wh, 0.000001,    3600",
        "energy_uj, 262143328849, 262143328849",
    })
    void convertsEnergyCountersToMicrojoules(String column, String value, long expectedUj) {
        PowerSample s = only("timestamp,host,component," + column + "\n1795428000,h,DRAM," + value + "\n", NO_DEFAULTS);
        assertThat(s.getEnergyUj()).isEqualTo(expectedUj);
        assertThat(s.getPowerWatts()).isNull();
        assertThat(s.getDevice()).isEqualTo("dram");
    }

    @Test
    void keepsWattsAndCounterTogetherAndTheRangeAndWindow() {
        PowerSample s = only("""
                timestamp,host,component,device,source,watts,power_window_ms,energy_uj,energy_range_uj
                1795428000.5,h,CPU-PACKAGE,package-0,rapl,35.5,1000,1000,262143328850
                """, NO_DEFAULTS);
        assertThat(s.getComponent()).isEqualTo(Component.CPU_PACKAGE);
        assertThat(s.getSource()).isEqualTo(SourceType.RAPL);
        assertThat(s.getPowerWatts()).isEqualTo(35.5);
        assertThat(s.getPowerKind()).isEqualTo(PowerKind.WINDOW_AVERAGE);
        assertThat(s.getPowerWindowMs()).isEqualTo(1000);
        assertThat(s.getEnergyUj()).isEqualTo(1000L);
        assertThat(s.getEnergyRangeUj()).isEqualTo(262143328850L);
    }

    @Test
    void quotedFieldsMayHoldCommas() {
        PowerSample s = only("timestamp,host,component,device,watts\n1795428000,\"rack 3, slot \"\"a\"\"\",GPU, \"gpu0\" ,5\n",
                NO_DEFAULTS);
        assertThat(s.getHost()).isEqualTo("rack 3, slot \"a\"");
        assertThat(s.getDevice()).isEqualTo("gpu0");
    }

    @Test
    void emptyHostAndComponentFallBackToTheDefaults() {
        PowerSample s = only("timestamp,host,component,watts\n1795428000,,,5\n",
                new PowerCsv.Defaults("dflt", Component.OTHER, SourceType.REPLAY, null));
        assertThat(s.getHost()).isEqualTo("dflt");
        assertThat(s.getComponent()).isEqualTo(Component.OTHER);
    }

    @Test
    void badRowsNameLineColumnAndValueAndTheOtherRowsAreStillRead() {
        PowerCsv.Result r = parse("""
                timestamp,host,component,watts,energy_j
                2026-11-23T10:00:00Z,h,GPU,200,
                2026-11-23T10:00:01Z,h,GPU,4o.5,
                2026-11-23T10:00:02Z,h,GPUS,100,
                2026-11-23T10:00:03Z,h,GPU,,
                2026-11-23T10:00:04Z,h,GPU,25000,
                2026-11-23T10:00:05Z,h,GPU,-1,
                2026-11-23T10:00:06Z,h,GPU,,-3
                2026-11-23T10:00:07Z,h,GPU
                2026-11-23T10:00:08Z,h,GPU,120,
                """, NO_DEFAULTS);
        assertThat(r.rows()).extracting(PowerCsv.Row::line).containsExactly(2, 10);
        List<String> messages = r.problems().stream().map(Problem::toString).toList();
        assertThat(messages).containsExactly(
                "p.csv:3: column 'watts' (4): \"4o.5\" is not a number; expected watts as a decimal number with a dot, e.g. 41.5",
                "p.csv:4: column 'component' (3): \"GPUS\" is not a component; accepted (any case): GPU, CPU_PACKAGE, "
                        + "CPU_CORE, CPU_UNCORE, DRAM, PSYS, WALL, OTHER",
                "p.csv:5: has neither watts nor energy_j; a sample needs at least one",
                "p.csv:6: column 'watts' (4): \"25000\" is more than 20000 W for one device (milliwatts or kilowatts?); expected watts",
                "p.csv:7: column 'watts' (4): \"-1\" is out of range; expected watts from 0 to 20000",
                "p.csv:8: column 'energy_j' (5): \"-3\" is negative; an energy counter counts up from 0",
                "p.csv:9: has 3 fields but the header (line 1) has 5: timestamp,host,component,watts,energy_j");
        assertThat(r.problems().get(0)).isEqualTo(new Problem("p.csv", 3, "watts", 4, "4o.5",
                "is not a number; expected watts as a decimal number with a dot, e.g. 41.5"));
    }

    @Test
    void aTimestampWithoutOffsetIsABadRowNamingTheOption() {
        PowerCsv.Result r = parse("timestamp,host,component,watts\n2026-11-23T10:00:03,h,GPU,1\n", NO_DEFAULTS);
        assertThat(r.problems()).singleElement().asString()
                .startsWith("p.csv:2: column 'timestamp' (1): \"2026-11-23T10:00:03\" has no UTC offset")
                .contains("--time-zone");
    }

    @Test
    void aHeaderThatCannotWorkRejectsTheWholeFile() {
        assertThatThrownBy(() -> parse("timestamp,wats\n1,2\n", NO_DEFAULTS))
                .isInstanceOf(PowerCsv.InvalidFileException.class)
                .hasMessageContaining("p.csv:1: header: column 2 \"wats\" is not a known column")
                .hasMessageContaining("timestamp, host, component, device, source, watts");
        assertThatThrownBy(() -> parse("timestamp,watts\n1,2\n", NO_DEFAULTS))
                .hasMessageContaining("no 'host' column; add one or pass --host");
        assertThatThrownBy(() -> parse("timestamp,host,watts\n1,h,2\n", NO_DEFAULTS))
                .hasMessageContaining("pass --component");
        assertThatThrownBy(() -> parse("timestamp,host,component\n1,h,GPU\n", NO_DEFAULTS))
                .hasMessageContaining("no 'watts' and no energy column");
        assertThatThrownBy(() -> parse("timestamp,host,component,energy_j,energy_wh\n", NO_DEFAULTS))
                .hasMessageContaining("more than one energy column");
        assertThatThrownBy(() -> parse("timestamp,host,host,watts\n", NO_DEFAULTS))
                .hasMessageContaining("'host' appears twice");
        assertThatThrownBy(() -> parse("# only a comment\n\n", NO_DEFAULTS))
                .hasMessageContaining("p.csv: no header line");
    }

    @Test
    void readsTheDocumentedExample() throws IOException {
        try (BufferedReader in = Files.newBufferedReader(Path.of("../docs/examples/power.csv"))) {
            PowerCsv.Result r = PowerCsv.parse("power.csv", in, NO_DEFAULTS);
            assertThat(r.problems()).isEmpty();
            assertThat(r.rows()).hasSize(36);
            assertThat(r.rows()).extracting(row -> row.sample().getComponent()).containsOnly(Component.GPU, Component.CPU_PACKAGE);
        }
        try (BufferedReader in = Files.newBufferedReader(Path.of("../docs/examples/wattmeter.csv"))) {
            PowerCsv.Result r = PowerCsv.parse("wattmeter.csv", in,
                    new PowerCsv.Defaults("rig-1", Component.WALL, SourceType.WATTMETER, ZoneId.of("Europe/Berlin")));
            assertThat(r.problems()).isEmpty();
            assertThat(r.rows()).hasSize(6);
        }
    }
}
