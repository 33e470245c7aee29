package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ThreadFailuresTest {
    Instant now = Instant.parse("2026-11-30T00:00:00Z");
    final ThreadFailures failures = new ThreadFailures(new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    });

    @Test
    void threadsThatKeepFailingMakeTheAnalyzerUnhealthyWithTheLastReasonAndItRecovers() {
        failures.failed(new IllegalStateException("one"));
        failures.failed(new IllegalStateException("two"));
        assertThat(failures.problem()).isEmpty(); // a thread replaced now and then is not a fault
        now = now.plusSeconds(60);
        failures.failed(new org.apache.kafka.common.errors.RecordTooLargeException("the broker refused a record"));
        assertThat(failures.problem()).hasValueSatisfying(why -> assertThat(why)
                .contains("failed 3 times in the last 5 min").contains("RecordTooLargeException: the broker refused a record"));
        now = now.plus(ThreadFailures.WINDOW).minusSeconds(30); // the first two are out of the window
        assertThat(failures.problem()).isEmpty();
    }

    @Test
    void aHugeMessageIsClipped() {
        for (int i = 0; i < 3; i++) {
            failures.failed(new IllegalStateException("x".repeat(100_000)));
        }
        assertThat(failures.problem().orElseThrow()).hasSizeLessThan(400);
    }
}
