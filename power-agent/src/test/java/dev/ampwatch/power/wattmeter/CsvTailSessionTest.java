package dev.ampwatch.power.wattmeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.ampwatch.power.FakeClock;
import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.SourceContext;
import dev.ampwatch.schema.Component;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTailSessionTest {

    private static final Instant NOW = Instant.parse("2026-11-23T10:05:00Z"); // 11:05 in Berlin

    @TempDir
    Path tmp;

    private final FakeClock clock = new FakeClock(NOW);

    private PowerSession open(Path file, String... more) throws PowerSourceException {
        Map<String, String> settings = new HashMap<>(Map.of(WattmeterSource.TYPE, "csv",
                WattmeterSource.FILE, file.toString(), WattmeterSource.TIME_ZONE, "Europe/Berlin"));
        for (int i = 0; i < more.length; i += 2) {
            settings.put(more[i], more[i + 1]);
        }
        return new WattmeterSource(Map.of()).open(new SourceContext("rig-1", clock, settings));
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private List<PowerReading> read(PowerSession session) throws PowerSourceException {
        return session.read(clock.advance(Duration.ofSeconds(1)));
    }

    @Test
    void handTypedReadingsAreEmittedOnceEachWithItsOwnTime() throws Exception {
        Path file = tmp.resolve("readings.csv");
        append(file, """
                # wall power of rig-1, read off the meter by hand
                timestamp,watts
                2026-11-23 10:59:30,96
                """);
        try (PowerSession session = open(file)) {
            assertThat(read(session)).isEmpty(); // rows there at open are history
            append(file, "2026-11-23 11:00:00,97.5\n11:00:30,312\n");
            List<PowerReading> rows = read(session);
            assertThat(rows).extracting(PowerReading::eventTime, PowerReading::powerWatts).containsExactly(
                    tuple(Instant.parse("2026-11-23T10:00:00Z"), OptionalDouble.of(97.5)),
                    tuple(Instant.parse("2026-11-23T10:00:30Z"), OptionalDouble.of(312.0)));
            assertThat(rows).allSatisfy(r -> {
                assertThat(r.component()).isEqualTo(Component.WALL);
                assertThat(r.device()).isEqualTo("wall");
                assertThat(r.energyUj()).isEmpty();
            });
            assertThat(read(session)).isEmpty();
        }
    }

    @Test
    void fromStartPublishesTheRowsAlreadyThere() throws Exception {
        Path file = tmp.resolve("export.csv");
        append(file, "timestamp,watts\n2026-11-23T10:00:00Z,100\n2026-11-23T10:00:01Z,101\n");
        try (PowerSession session = open(file, WattmeterSource.FROM_START, "true")) {
            assertThat(read(session)).hasSize(2);
            assertThat(read(session)).isEmpty();
        }
    }

    @Test
    void aMeterTotalInWattHoursBecomesTheEnergyCounter() throws Exception {
        Path file = tmp.resolve("export.csv");
        append(file, "time;kwh;power\n");
        try (PowerSession session = open(file)) {
            append(file, "2026-11-23T10:00:00Z;12.345;312\n2026-11-23T10:00:10Z;12.346;\n");
            assertThat(read(session)).extracting(PowerReading::powerWatts, PowerReading::energyUj).containsExactly(
                    tuple(OptionalDouble.of(312.0), OptionalLong.of(44_442_000_000_000L)),
                    tuple(OptionalDouble.empty(), OptionalLong.of(44_445_600_000_000L)));
        }
        Path wh = tmp.resolve("wh.csv");
        append(wh, "timestamp,wh\n");
        try (PowerSession session = open(wh)) {
            append(wh, "10:00:00,6.532\n");
            assertThat(read(session)).singleElement().satisfies(r -> {
                assertThat(r.energyUj()).hasValue(23_515_200_000L);
                assertThat(r.eventTime()).isEqualTo("2026-11-23T09:00:00Z");
            });
        }
    }

    @Test
    void withoutAHeaderTheColumnsAreTimestampAndWatts() throws Exception {
        Path file = tmp.resolve("plain.csv");
        try (PowerSession session = open(file)) { // not there yet: waited for
            assertThat(read(session)).isEmpty();
            append(file, "11:00:00,250\n");
            assertThat(read(session)).singleElement()
                    .satisfies(r -> assertThat(r.powerWatts()).hasValue(250.0));
        }
    }

    @Test
    void anUnterminatedLastLineIsUsedOnceItStaysTheSame() throws Exception {
        Path file = tmp.resolve("typed.csv");
        append(file, "timestamp,watts\n");
        try (PowerSession session = open(file)) {
            append(file, "11:00:00,250\n11:00:30,260");
            assertThat(read(session)).extracting(PowerReading::powerWatts).containsExactly(OptionalDouble.of(250.0));
            assertThat(read(session)).extracting(PowerReading::powerWatts).containsExactly(OptionalDouble.of(260.0));
            append(file, "\n11:01:00,270\n");
            assertThat(read(session)).extracting(PowerReading::powerWatts).containsExactly(OptionalDouble.of(270.0));
        }
    }

    @Test
    void aFileRewrittenByAnEditorPublishesNoRowTwice() throws Exception {
        Path file = tmp.resolve("typed.csv");
        append(file, "timestamp,watts\n11:00:00,250\n");
        try (PowerSession session = open(file)) {
            append(file, "11:00:30,260\n");
            assertThat(read(session)).hasSize(1);
            // the editor saves a new file (write elsewhere, rename over), with a typo fixed above
            Path saved = tmp.resolve("typed.csv.swp");
            Files.writeString(saved, "timestamp,watts\n11:00:00,251\n11:00:30,260\n11:01:00,270\n11:01:30,280\n");
            Files.move(saved, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertThat(read(session)).extracting(PowerReading::powerWatts)
                    .containsExactly(OptionalDouble.of(270.0), OptionalDouble.of(280.0));
            // and a shorter rewrite (rows deleted) is read again from the top, too
            Files.writeString(file, "timestamp,watts\n11:02:00,290\n");
            assertThat(read(session)).extracting(PowerReading::powerWatts).containsExactly(OptionalDouble.of(290.0));
        }
    }

    @Test
    void aRowNotAfterThePreviousIsSkipped() throws Exception {
        Path file = tmp.resolve("typed.csv");
        append(file, "timestamp,watts\n");
        try (PowerSession session = open(file)) {
            append(file, "11:00:30,260\n11:00:00,250\n11:00:30,261\n11:01:00,270\n");
            assertThat(read(session)).extracting(PowerReading::powerWatts)
                    .containsExactly(OptionalDouble.of(260.0), OptionalDouble.of(270.0));
        }
    }

    @Test
    void badRowsFailTheReadNamingFileAndLineWhenNothingElseIsUsable() throws Exception {
        Path file = tmp.resolve("typed.csv");
        append(file, "timestamp,watts\n");
        try (PowerSession session = open(file)) {
            append(file, "11:00:00,2x0\n");
            assertThatThrownBy(() -> read(session)).isInstanceOf(PowerSourceException.class)
                    .hasMessage(file + ":2: watts is not a number: '2x0'");
            append(file, "noon,300\n11:01:00,270\n");
            // a usable row among bad ones is published; the bad one is logged
            assertThat(read(session)).extracting(PowerReading::powerWatts).containsExactly(OptionalDouble.of(270.0));
        }
    }

    @Test
    void aRowWithMoreFieldsThanItsHeaderIsRefusedNotReadAsItsFirstFields() throws Exception {
        // a decimal comma in a comma-separated log: "250,5" was published as 250 W (an operator review)
        Path file = tmp.resolve("comma.csv");
        append(file, "timestamp,watts\n");
        try (PowerSession session = open(file)) {
            append(file, "11:00:00,250,5\n");
            assertThatThrownBy(() -> read(session)).isInstanceOf(PowerSourceException.class)
                    .hasMessage(file + ":2: 3 fields where the header has 2 in '11:00:00,250,5' (a decimal comma? write 120.5, "
                            + "or separate the fields with ';')");
            append(file, "11:00:30,251.5,\n"); // an empty trailing field is no value
            assertThat(read(session)).extracting(PowerReading::powerWatts).containsExactly(OptionalDouble.of(251.5));
        }
        Path plain = tmp.resolve("plain.csv");
        append(plain, "11:00:00,250,5\n");
        try (PowerSession session = open(plain, WattmeterSource.FROM_START, "true")) {
            assertThatThrownBy(() -> read(session)).isInstanceOf(PowerSourceException.class)
                    .hasMessageContaining("3 fields where the rows have 2");
        }
    }

    @Test
    void aHeaderWithoutValuesIsReported() throws Exception {
        Path file = tmp.resolve("odd.csv");
        append(file, "when,volts\n");
        try (PowerSession session = open(file)) {
            append(file, "11:00:00,230\n");
            assertThatThrownBy(() -> read(session)).isInstanceOf(PowerSourceException.class)
                    .hasMessage(file + ":2: header 'when,volts' needs a timestamp column and watts, wh, kwh or joules");
        }
    }

    @Test
    void aMissingDirectoryFailsAtOpen() {
        assertThatThrownBy(() -> open(tmp.resolve("nope/readings.csv"))).isInstanceOf(PowerSourceException.class)
                .hasMessage("directory of " + tmp.resolve("nope/readings.csv") + " does not exist");
    }

    @Test
    void theExampleLogOfTheDocsParses() throws Exception {
        Path file = tmp.resolve("wattmeter.csv");
        try (var in = getClass().getResourceAsStream("/wattmeter/hand-typed.csv")) {
            Files.copy(in, file);
        }
        try (PowerSession session = open(file, WattmeterSource.FROM_START, "yes")) {
            List<PowerReading> rows = read(session);
            assertThat(rows).hasSize(6);
            assertThat(rows.get(0).eventTime()).isEqualTo("2026-11-23T09:59:30Z");
            assertThat(rows.get(5).powerWatts()).hasValue(101.0);
        }
    }
}
