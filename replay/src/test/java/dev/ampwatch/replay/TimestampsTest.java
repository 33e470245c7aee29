package dev.ampwatch.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TimestampsTest {

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "2026-11-23T10:00:00.250Z;        2026-11-23T10:00:00.250Z",
        "2026-11-23 10:00:00.250Z;        2026-11-23T10:00:00.250Z",
        "2026-11-23T11:00:00.250+01:00;   2026-11-23T10:00:00.250Z",
        "2026-11-23T10:00:00.123456789Z;  2026-11-23T10:00:00.123456Z",
        "1795428000;                      2026-11-23T10:00:00Z",
        "1795428000.25;                   2026-11-23T10:00:00.250Z",
        "1795428000.0000019;              2026-11-23T10:00:00.000001Z",
        "1795428000250;                   2026-11-23T10:00:00.250Z",
        "100000000000;                    5138-11-16T09:46:40Z",
        "100000000001;                    1973-03-03T09:46:40.001Z",
    })
    void readsInstantsEpochSecondsAndEpochMillis(String text, String expected) {
        assertThat(Timestamps.parse("timestamp", text, null)).isEqualTo(Instant.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-23T10:00:00", "2026-11-23 10:00"})
    void refusesLocalTimesUnlessAZoneIsGiven(String text) {
        assertThatThrownBy(() -> Timestamps.parse("timestamp", text, null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("has no UTC offset").hasMessageContaining("--time-zone");
        assertThat(Timestamps.parse("timestamp", "2026-11-23 11:00", ZoneId.of("Europe/Berlin")))
                .isEqualTo(Instant.parse("2026-11-23T10:00:00Z"));
    }

    /** Found by a user review: both were resolved silently, the first to a time that never was, the second a guess. */
    @org.junit.jupiter.api.Test
    void localTimesThatAClockChangeSkippedOrRepeatedAreRefused() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        assertThatThrownBy(() -> Timestamps.parse("timestamp", "2026-03-29 02:30:00", berlin))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("does not exist in Europe/Berlin (the clocks jumped from 02:00 to 03:00)");
        assertThatThrownBy(() -> Timestamps.parse("timestamp", "2026-10-25 02:30:00", berlin))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("happens twice in Europe/Berlin")
                .hasMessageContaining("2026-10-25T02:30:00+02:00 or 2026-10-25T02:30:00+01:00");
        assertThat(Timestamps.parse("timestamp", "2026-10-25 03:30:00", berlin)).isEqualTo(Instant.parse("2026-10-25T02:30:00Z"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "yesterday;                 is not a timestamp",
        "-5;                        is negative",
        "1795428000250000;          microseconds or nanoseconds",
        "1795428000250.5;           must be written as an integer",
        "2026-13-01T10:00:00;       is not a valid date",
        "'';                        is empty",
    })
    void saysWhatIsWrongAndWhatIsAccepted(String text, String problem) {
        assertThatThrownBy(() -> Timestamps.parse("timestamp", text, null))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.field()).isEqualTo("timestamp");
                    assertThat(e.detail()).contains(problem);
                })
                .hasMessageContaining("2026-11-23T10:00:00.250Z");
    }
}
