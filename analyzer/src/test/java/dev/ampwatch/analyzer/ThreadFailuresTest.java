package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ThreadFailuresTest {
    final TestClock clock = new TestClock(Instant.parse("2026-11-30T00:00:00Z"));
    final ThreadFailures failures = new ThreadFailures(clock);

    @Test
    void threadsThatKeepFailingMakeTheAnalyzerUnhealthyWithTheLastReasonAndItRecovers() {
        failures.failed(new IllegalStateException("one"));
        failures.failed(new IllegalStateException("two"));
        assertThat(failures.problem()).isEmpty(); // a thread replaced now and then is not a fault
        clock.advance(Duration.ofSeconds(60));
        failures.failed(new org.apache.kafka.common.errors.RecordTooLargeException("the broker refused a record"));
        assertThat(failures.problem()).hasValueSatisfying(why -> assertThat(why)
                .contains("failed 3 times in the last 5 min").contains("RecordTooLargeException: the broker refused a record"));
        clock.advance(ThreadFailures.WINDOW.minusSeconds(30)); // the first two are out of the window
        assertThat(failures.problem()).isEmpty();
    }

    @Test
    void failuresAreCountedPerRuntimeFromZero() {
        var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        var direct = failures.recorder(registry, "direct");
        failures.recorder(registry, "kafka-streams");
        assertThat(registry.scrape()).contains("ampwatch_analyzer_thread_failures_total{runtime=\"direct\"} 0.0")
                .contains("ampwatch_analyzer_thread_failures_total{runtime=\"kafka-streams\"} 0.0");
        direct.accept(new IllegalStateException("one"));
        assertThat(registry.scrape()).contains("ampwatch_analyzer_thread_failures_total{runtime=\"direct\"} 1.0");
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
