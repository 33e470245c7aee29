package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Since when an engine has been receiving: fetch responses and its own turns, each at most the break time (1.5 s here) apart. */
class ReceivingTest {
    private final AtomicLong responses = new AtomicLong();
    private final Receiving receiving = new Receiving(responses::get, 1500);

    @Test
    void responsesComingAndTurnsTakenKeepTheSameStart() {
        assertThat(receiving.since(10_000)).isEqualTo(10_000);
        for (long t = 10_100; t <= 60_000; t += 100) {
            if (t % 500 == 0) {
                responses.incrementAndGet(); // a caught-up consumer: a response every fetch.max.wait.ms
            }
            assertThat(receiving.since(t)).isEqualTo(10_000);
        }
    }

    @Test
    void noResponseForLongerThanTheBreakStartsAgainWhenTheyComeBack() {
        receiving.since(10_000);
        responses.incrementAndGet();
        assertThat(receiving.since(10_100)).isEqualTo(10_000);
        long t = 10_100;
        for (; t <= 11_600; t += 100) { // the broker went away: turns go on, responses stop
            assertThat(receiving.since(t)).isEqualTo(10_000);
        }
        for (; t <= 40_000; t += 100) {
            assertThat(receiving.since(t)).isEqualTo(t); // nothing is counted as silence while it is away
        }
        responses.incrementAndGet();
        assertThat(receiving.since(40_100)).isEqualTo(40_000);
        assertThat(receiving.since(40_200)).isEqualTo(40_000);
    }

    @Test
    void aTurnThatCameLateIsABreakEvenWithResponses() {
        receiving.since(10_000);
        responses.incrementAndGet();
        assertThat(receiving.since(10_100)).isEqualTo(10_000);
        responses.incrementAndGet(); // the consumer got answers, but the engine's thread was blocked (a commit) for 30 s
        assertThat(receiving.since(40_100)).isEqualTo(40_100);
        responses.incrementAndGet();
        assertThat(receiving.since(40_200)).isEqualTo(40_100);
    }

    @Test
    void aQuietTaskLookingOnlyAtItsTicksSeesNoBreakWhileResponsesCome() {
        Receiving ticks = new Receiving(responses::get, 2000); // the floor: two 500 ms fetch waits and a 500 ms tick, at least 2 s
        assertThat(ticks.since(10_000)).isEqualTo(10_000);
        long nextResponse = 10_000;
        for (long t = 10_000; t <= 70_000; t += 550) { // ticks a little late, responses every 500 ms + 120 ms round trip
            while (nextResponse <= t) {
                responses.incrementAndGet();
                nextResponse += 620;
            }
            assertThat(ticks.since(t)).isEqualTo(10_000);
        }
    }

    @Test
    void theBreakIsAThirdOfTheShorterIdleOrQuietTimeWithin2To5SecondsAndAboveTheFetchWait() {
        dev.ampwatch.analyzer.AnalyzerConfig defaults = dev.ampwatch.analyzer.AnalyzerConfig.defaults();
        assertThat(Receiving.breakFor(defaults, 500)).isEqualTo(5000); // 30 s each
        assertThat(Receiving.breakFor(defaults.toBuilder().quietFlush(java.time.Duration.ofSeconds(9)).build(), 500)).isEqualTo(3000);
        assertThat(Receiving.breakFor(defaults.toBuilder().inputIdle(java.time.Duration.ofSeconds(1)).build(), 500)).isEqualTo(2000);
        assertThat(Receiving.breakFor(defaults.toBuilder().inputIdle(java.time.Duration.ZERO).quietFlush(java.time.Duration.ZERO).build(), 500))
                .isEqualTo(5000);
        // a consumer answered only every 5 s when caught up: a break must be longer than that, or every pause would be one
        assertThat(Receiving.breakFor(defaults, 5000)).isEqualTo(10_500);
        assertThat(Receiving.fetchMaxWaitMs(java.util.Map.of("consumer.fetch.max.wait.ms", "800"), "main.consumer.fetch.max.wait.ms",
                "consumer.fetch.max.wait.ms")).isEqualTo(800);
        assertThat(Receiving.fetchMaxWaitMs(java.util.Map.of(), "fetch.max.wait.ms")).isEqualTo(500);
    }
}
