package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
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

    /** A consumer's reach under the test's control: leaders, paused partitions and answers per broker. */
    private static final class FakeReach implements Reach {
        final Map<TopicPartition, Integer> leaders = new HashMap<>();
        final Set<TopicPartition> paused = new HashSet<>();
        final Map<Integer, Long> responses = new HashMap<>();

        @Override
        public boolean paused(TopicPartition tp) {
            return paused.contains(tp);
        }

        @Override
        public int source(TopicPartition tp) {
            return leaders.getOrDefault(tp, -1);
        }

        @Override
        public long responses(int node) {
            return responses.getOrDefault(node, -1L);
        }

        void answer(int... nodes) {
            for (int n : nodes) {
                responses.merge(n, 1L, Long::sum);
            }
        }
    }

    private static final TopicPartition SAMPLES_0 = new TopicPartition("samples", 0);
    private static final TopicPartition EVENTS_0 = new TopicPartition("events", 0);
    private static final TopicPartition SAMPLES_1 = new TopicPartition("samples", 1);
    private static final TopicPartition EVENTS_1 = new TopicPartition("events", 1);

    @Test
    void aTaskWhosePartitionsLostTheirLeaderIsNotReceivingWhileTheOthersAre() {
        FakeReach reach = new FakeReach();
        reach.leaders.putAll(Map.of(SAMPLES_0, 1, EVENTS_0, 1, SAMPLES_1, 2, EVENTS_1, 2));
        Receiving r = new Receiving(responses::get, 1500, reach);
        Receiving.Since task0 = r.task(List.of(SAMPLES_0, EVENTS_0));
        Receiving.Since task1 = r.task(List.of(SAMPLES_1, EVENTS_1));
        long t = 10_000;
        for (; t < 12_000; t += 100) { // both brokers answer
            responses.incrementAndGet();
            reach.answer(1, 2);
            task0.since(t);
            task1.since(t);
        }
        assertThat(task0.since(t)).isEqualTo(10_000);
        assertThat(task1.since(t)).isEqualTo(10_000);
        for (; t <= 13_400; t += 100) { // broker 2 goes away (last answer at 11,900): the consumer still hears from broker 1
            responses.incrementAndGet();
            reach.answer(1);
            assertThat(task0.since(t)).isEqualTo(10_000);
            assertThat(task1.since(t)).isEqualTo(10_000); // within the break
        }
        for (; t <= 40_000; t += 100) {
            responses.incrementAndGet();
            reach.answer(1);
            if (t == 20_000) {
                reach.leaders.putAll(Map.of(SAMPLES_1, -1, EVENTS_1, -1)); // its partitions fenced: no leader
            }
            assertThat(task0.since(t)).isEqualTo(10_000);
            assertThat(task1.since(t)).as("at %d", t).isEqualTo(t); // nothing counted as silence while away
        }
        reach.leaders.putAll(Map.of(SAMPLES_1, 2, EVENTS_1, 2)); // back, leading again
        responses.incrementAndGet();
        reach.answer(1, 2);
        long back = t; // its count has grown since the last one seen before the outage: receiving since last judged not
        for (; t <= 45_000; t += 100) {
            responses.incrementAndGet();
            reach.answer(1, 2);
            assertThat(task1.since(t)).isEqualTo(back - 100);
            assertThat(task0.since(t)).isEqualTo(10_000);
        }
    }

    @Test
    void aPausedPartitionNeedNotBeAnsweredAndAnUnknownLeaderIsNotReceiving() {
        FakeReach reach = new FakeReach();
        reach.leaders.putAll(Map.of(SAMPLES_0, 1, EVENTS_0, 3));
        Receiving r = new Receiving(responses::get, 1500, reach);
        Receiving.Since task = r.task(List.of(SAMPLES_0, EVENTS_0));
        reach.paused.add(EVENTS_0); // its queue is full: not fetched, so broker 3 is not asked
        reach.answer(1);
        assertThat(task.since(10_000)).isEqualTo(10_000); // a broker's first count is only a baseline
        for (long t = 10_100; t <= 20_000; t += 100) {
            responses.incrementAndGet();
            reach.answer(1);
            assertThat(task.since(t)).isEqualTo(10_000);
        }
        reach.paused.clear();
        reach.leaders.put(EVENTS_0, -1); // not known (a topic not in the consumer's metadata)
        for (long t = 20_100; t <= 25_000; t += 100) {
            responses.incrementAndGet();
            reach.answer(1);
            assertThat(task.since(t)).isEqualTo(t);
        }
        // without a reach a task is judged as the whole consumer
        Receiving plain = new Receiving(responses::get, 1500);
        Receiving.Since whole = plain.task(List.of(SAMPLES_0, EVENTS_0));
        assertThat(whole.since(30_000)).isEqualTo(30_000);
        responses.incrementAndGet();
        assertThat(whole.since(30_100)).isEqualTo(30_000);
    }

    @Test
    void aPartitionThatStopsAnsweringIsLoggedOnceWithItsBrokerAndAgainWhenItAnswers() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Receiving.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs = new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            FakeReach reach = new FakeReach();
            reach.leaders.putAll(Map.of(SAMPLES_1, 2, EVENTS_1, 2));
            AtomicLong now = new AtomicLong();
            UnansweredPartitions unanswered = new UnansweredPartitions(now::get);
            Receiving.Since task = new Receiving(responses::get, 1500, reach, unanswered).task(List.of(SAMPLES_1, EVENTS_1));
            long t = 10_000;
            for (; t < 12_000; t += 100) { // starting up: the first count is a baseline, not logged
                responses.incrementAndGet();
                reach.answer(2);
                task.since(t);
            }
            assertThat(logs.list).isEmpty();
            for (; t < 30_000; t += 100) { // broker 2 away
                responses.incrementAndGet();
                task.since(t);
                now.set(t);
                assertThat(unanswered.count()).as("at %d", t).isEqualTo(t < 15_000 ? 0 : 2); // counted once logged
            }
            assertThat(logs.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).containsExactly(
                    "input partition samples-1: broker 2, which it is fetched from, has not answered the analyzer's consumer for "
                            + "3100 ms; the hosts on partition 1 are not judged idle or quiet until it answers (what they send waits in Kafka)",
                    "input partition events-1: broker 2, which it is fetched from, has not answered the analyzer's consumer for "
                            + "3100 ms; the hosts on partition 1 are not judged idle or quiet until it answers (what they send waits in Kafka)");
            reach.leaders.putAll(Map.of(SAMPLES_1, 3, EVENTS_1, 3)); // moved to broker 3
            for (; t < 32_000; t += 100) {
                responses.incrementAndGet();
                reach.answer(3);
                task.since(t);
            }
            assertThat(logs.list).hasSize(4);
            assertThat(unanswered.count()).isZero();
            // a partition no task judges any more (its task moved, its thread stalled) is forgotten after a minute
            unanswered.unanswered(SAMPLES_0, t);
            now.set(t + UnansweredPartitions.FORGET_MS);
            assertThat(unanswered.count()).isEqualTo(1);
            now.set(t + UnansweredPartitions.FORGET_MS + 1);
            assertThat(unanswered.count()).isZero();
            // judged not answering from 13,500 (1.6 s after its last answer) to 30,100 (broker 3's first count is a baseline)
            assertThat(logs.list.get(2).getFormattedMessage()).isEqualTo("input partition samples-1 answers again after 16600 ms");
        } finally {
            logger.detachAppender(logs);
        }
    }
}
