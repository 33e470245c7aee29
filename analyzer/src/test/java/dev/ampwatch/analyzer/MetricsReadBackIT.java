package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

/**
 * The finished runs /metrics reads back come from the run-energy topic's tail on the real broker: each run's latest
 * record from the offset of {@code since} on, in every partition, a tombstone removing it, a record that is no run
 * energy skipped and counted, records stamped before {@code since} not read.
 */
class MetricsReadBackIT {
    static final long SINCE_MS = Instant.parse("2026-12-02T10:00:00Z").toEpochMilli();

    @Test
    void readsEachRunsLatestRecordFromTheTopicsTail() throws Exception {
        Topics topics = Topics.withPrefix("read-back.");
        BrokerFixture.createTopics(topics, 3);
        String topic = topics.runEnergy().name();
        Serializer<RunEnergy> serializer = topics.runEnergy().valueSerde().serializer();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(BrokerFixture.client(), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            send(producer, topic, SINCE_MS - 60_000, "old", serializer.serialize(topic, run("old", true))); // before: not read
            for (int i = 0; i < 12; i++) { // runs in every partition, a running total then the final one
                String id = "run-" + i;
                send(producer, topic, SINCE_MS + 1000 * i, id, serializer.serialize(topic, run(id, false)));
                send(producer, topic, SINCE_MS + 1000 * i + 500, id, serializer.serialize(topic, run(id, true)));
            }
            send(producer, topic, SINCE_MS + 20_000, "run-3", null); // deleted
            send(producer, topic, SINCE_MS + 20_000, "run-5", "not avro".getBytes(StandardCharsets.UTF_8));
            producer.flush();
        }
        Map<String, Object> c = new HashMap<>(BrokerFixture.client());
        c.put("isolation.level", "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            MetricsReadBack.Latest latest = MetricsReadBack.latest(consumer, topic, topics.runEnergy().valueSerde().deserializer(),
                    SINCE_MS, Duration.ofMinutes(1));
            assertThat(latest.runs().keySet()).hasSize(11).doesNotContain("old", "run-3");
            assertThat(latest.runs().values()).allMatch(RunEnergy::getIsFinal); // run-5's final record stands
            assertThat(latest.problem()).isEqualTo("1 records that are no run energy skipped");
        }
    }

    /**
     * A read-back's consumer closed on an interrupted thread: a consumer that has fetched and is closed with its thread
     * still interrupted logs an ERROR and a stack trace ("Failed to close fetcher"), as a rebalance stress
     * (benchmarks/rebalance.sh, 2026-12-03) showed for most instances it closed while the analyzer interrupted its
     * read-back at close. It now wakes the consumer instead (the next test); should anything else interrupt, the
     * read-back's close logs nothing and keeps the interrupt. The consumer's own close, the control, logs the ERROR.
     */
    @Test
    void closingAnInterruptedReadBackLogsNoError() throws Exception {
        Topics topics = Topics.withPrefix("read-back-close.");
        BrokerFixture.createTopics(topics, 1);
        try (CapturedLogs logs = new CapturedLogs()) {
            MetricsReadBack.closeQuietly(interruptedAfterAFetch(topics.runEnergy().name()));
            assertThat(Thread.interrupted()).as("the interrupt is kept for the executor shutting down").isTrue();
            assertThat(logs.atLeast(ch.qos.logback.classic.Level.ERROR)).isEmpty();

            KafkaConsumer<byte[], byte[]> control = interruptedAfterAFetch(topics.runEnergy().name());
            try {
                control.close(Duration.ofSeconds(10));
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                // and throws
            }
            Thread.interrupted();
            assertThat(logs.atLeast(ch.qos.logback.classic.Level.ERROR)).anyMatch(m -> m.contains("Failed to close"));
        } finally {
            Thread.interrupted();
        }
    }

    /**
     * An analyzer closing while its read-back reads the topic: the read ends without an ERROR or a WARN (the read-back
     * was shut down with interrupts before 2026-12-03: "could not read back ... InterruptException", and the consumer's
     * ERROR and stack trace when the interrupt met its close).
     */
    @Test
    void anAnalyzerClosedDuringAReadBackLogsNothingAlarming() throws Exception {
        Topics topics = Topics.withPrefix("read-back-during-close.");
        BrokerFixture.createTopics(topics, 2);
        String topic = topics.runEnergy().name();
        Serializer<RunEnergy> serializer = topics.runEnergy().valueSerde().serializer();
        long now = System.currentTimeMillis();
        Map<String, Object> one = new java.util.HashMap<>(BrokerFixture.client());
        one.put("max.in.flight.requests.per.connection", 1); // no sequence-number stall after a NOT_LEADER (KAFKA-15591)
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(one, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < 30_000; i++) { // enough to be read for a while
                String id = "run-" + i;
                send(producer, topic, now - 60_000 + i, id, serializer.serialize(topic, run(id, i % 2 == 0)));
            }
            producer.flush();
        }
        try (CapturedLogs logs = new CapturedLogs()) {
            for (int round = 0; round < 3; round++) {
                java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor();
                MetricsReadBack readBack = new MetricsReadBack(BrokerFixture.client(), topic,
                        topics.runEnergy().valueSerde().deserializer(), Duration.ofHours(1), java.time.Clock.systemUTC(),
                        new dev.ampwatch.analyzer.metrics.RunMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                                Duration.ofHours(1), java.time.Clock.systemUTC()), executor,
                        new org.apache.kafka.streams.state.HostInfo("127.0.0.1", 1));
                readBack.finishedRuns();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1)).until(readBack::reading);
                readBack.close();
                assertThat(executor.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).as("the read ended").isTrue();
            }
            assertThat(logs.atLeast(ch.qos.logback.classic.Level.WARN)).isEmpty();
        }
    }

    /** What the analyzer and the Kafka consumers log while open (the broker runs in this JVM: its lines are left out). */
    private static final class CapturedLogs implements AutoCloseable {
        private final ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();

        CapturedLogs() {
            appender.start();
            root.addAppender(appender);
        }

        /** The messages logged at {@code level} or above. */
        java.util.List<String> atLeast(ch.qos.logback.classic.Level level) {
            java.util.List<ch.qos.logback.classic.spi.ILoggingEvent> events;
            synchronized (appender) { // appends hold the appender's lock
                events = new java.util.ArrayList<>(appender.list);
            }
            return events.stream().filter(e -> e.getLevel().isGreaterOrEqual(level))
                    .filter(e -> e.getLoggerName().startsWith("dev.ampwatch") || e.getLoggerName().startsWith("org.apache.kafka.clients.consumer"))
                    .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
        }

        @Override
        public void close() {
            root.detachAppender(appender);
        }
    }

    /** A read-back's consumer that has fetched from {@code topic}, then been interrupted in a poll (its thread still is). */
    private static KafkaConsumer<byte[], byte[]> interruptedAfterAFetch(String topic) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(dev.ampwatch.analyzer.streams.RunEnergyChangelogSeed.readCommitted(BrokerFixture.client()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
        consumer.assign(java.util.List.of(tp));
        consumer.seekToBeginning(java.util.List.of(tp));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            consumer.poll(Duration.ofMillis(100));
            return consumer.position(tp) >= 0 && consumer.metrics().entrySet().stream().anyMatch(e ->
                    e.getKey().name().equals("fetch-total") && ((Number) e.getValue().metricValue()).doubleValue() > 0);
        });
        Thread.currentThread().interrupt();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(1)))
                .isInstanceOf(org.apache.kafka.common.errors.InterruptException.class);
        return consumer;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, long timestampMs, String runId, byte[] value) {
        producer.send(new ProducerRecord<>(topic, null, timestampMs, runId.getBytes(StandardCharsets.UTF_8), value));
    }

    private static RunEnergy run(String runId, boolean finished) {
        return finished ? FinishedRuns.of(runId, "rig") : FinishedRuns.running(runId, "rig");
    }
}
