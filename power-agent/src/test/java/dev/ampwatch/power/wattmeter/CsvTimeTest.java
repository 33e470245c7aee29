package dev.ampwatch.power.wattmeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class CsvTimeTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final Instant NOW = Instant.parse("2026-11-23T10:05:00Z"); // 11:05 in Berlin

    private static Instant parse(String text) {
        return CsvTime.parse(text, BERLIN, NOW);
    }

    @Test
    void isoWithOffsetOrZone() {
        assertThat(parse("2026-11-23T10:59:30Z")).isEqualTo("2026-11-23T10:59:30Z");
        assertThat(parse("2026-11-23T10:59:30.250+01:00")).isEqualTo("2026-11-23T09:59:30.250Z");
        assertThat(parse("2026-11-23 10:59:30+01:00")).isEqualTo("2026-11-23T09:59:30Z");
        assertThat(parse("2026-11-23T10:59:30+01:00[Europe/Berlin]")).isEqualTo("2026-11-23T09:59:30Z");
    }

    @Test
    void localDateTimeInTheConfiguredZone() {
        assertThat(parse("2026-11-23 10:59:30")).isEqualTo("2026-11-23T09:59:30Z");
        assertThat(parse("2026-07-01T10:00")).isEqualTo("2026-07-01T08:00:00Z"); // summer time
    }

    @Test
    void timeOfDayIsToday() {
        assertThat(parse("10:59:30")).isEqualTo("2026-11-23T09:59:30Z");
        assertThat(parse("11:04")).isEqualTo("2026-11-23T10:04:00Z");
        assertThat(parse("09:05:00")).isEqualTo("2026-11-23T08:05:00Z");
        assertThat(parse("11:30:00")).isEqualTo("2026-11-23T10:30:00Z"); // ahead, but within the hour
    }

    @Test
    void aTimeOfDayMoreThanAnHourAheadIsYesterdays() {
        Instant justAfterMidnight = Instant.parse("2026-11-22T23:00:10Z"); // 00:00:10 on the 23rd in Berlin
        assertThat(CsvTime.parse("23:59:50", BERLIN, justAfterMidnight)).isEqualTo("2026-11-22T22:59:50Z");
    }

    @Test
    void epochSeconds() {
        assertThat(parse("1795431570")).isEqualTo(Instant.ofEpochSecond(1_795_431_570L));
        assertThat(parse("1795431570.25")).isEqualTo(Instant.ofEpochSecond(1_795_431_570L, 250_000_000));
    }

    @Test
    void anythingElseIsAnError() {
        assertThatIllegalArgumentException().isThrownBy(() -> parse("yesterday"))
                .withMessageStartingWith("'yesterday' is not a timestamp");
        assertThatIllegalArgumentException().isThrownBy(() -> parse("25:00"));
    }
}
