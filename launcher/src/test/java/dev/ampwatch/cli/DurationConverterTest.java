package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Durations read as typed (250ms, 2s, 5m, 1h, ISO-8601) and written back the way they were typed in messages. */
class DurationConverterTest {
    @Test
    void readsTheShortFormsAndIso() {
        assertThat(DurationConverter.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(DurationConverter.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(DurationConverter.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(DurationConverter.parse("PT2S")).isEqualTo(Duration.ofSeconds(2));
        assertThatThrownBy(() -> DurationConverter.parse("2 sec")).hasMessageContaining("'2 sec' is not a duration");
    }

    /** "within 10s", not "within PT10S" (a user review of profile and report). */
    @Test
    void writesDurationsAsOneWouldTypeThem() {
        for (String typed : new String[] {"250ms", "10s", "90s", "5m", "2h", "1.5s"}) {
            assertThat(DurationConverter.text(DurationConverter.parse(typed))).isEqualTo(typed);
        }
        assertThat(DurationConverter.text(Duration.ofSeconds(120))).isEqualTo("2m");
        assertThat(DurationConverter.text(Duration.ZERO)).isEqualTo("0s");
    }
}
