package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

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

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, long timestampMs, String runId, byte[] value) {
        producer.send(new ProducerRecord<>(topic, null, timestampMs, runId.getBytes(StandardCharsets.UTF_8), value));
    }

    private static RunEnergy run(String runId, boolean finished) {
        return finished ? FinishedRuns.of(runId, "rig") : FinishedRuns.running(runId, "rig");
    }
}
