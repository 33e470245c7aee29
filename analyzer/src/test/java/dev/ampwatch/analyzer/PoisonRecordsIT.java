package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.analyzer.streams.DeadLetters;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poison records that once stopped all attribution (issue 11), on a real broker, ahead of a real run,
 * on both engines: each is dead-lettered with its reason, the run after them completes exactly, and the
 * analyzer stays healthy.
 */
class PoisonRecordsIT {
    private static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");
    private static final int FUTURE_PAIRS = 200;

    @ParameterizedTest
    @EnumSource(AnalyzerConfig.Engine.class)
    void poisonRecordsAreSetAsideAndTheRunAfterThemCompletes(AnalyzerConfig.Engine engine, @TempDir Path stateDir) throws Exception {
        AnalyzerConfig config = BrokerFixture.analyzer("poison", engine, 1, stateDir);
        Topics topics = config.topics();
        Map<String, Object> client = BrokerFixture.client();
        Map<String, Object> big = new HashMap<>(client);
        big.put("max.request.size", 2 * 1024 * 1024);
        byte[] header = new byte[10];
        header[0] = (byte) 0xC3;
        header[1] = 0x01;
        ByteBuffer.wrap(header, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(SchemaNormalization.parsingFingerprint64(
                PowerSample.getClassSchema()));
        byte[] claimsHuge = ByteBuffer.allocate(18).put(header).put(new byte[] {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                0x0b, 0, 0, 0}).array(); // a host string claiming ~1.5 GB
        byte[] nearLimit = new byte[1_040_000]; // undecodable, at the broker's record size limit
        java.util.Arrays.fill(nearLimit, (byte) 7);
        byte[] future = topics.powerSamples().valueSerde().serializer().serialize("t", sample("rig", Instant.now().plus(Duration.ofHours(4)), 50));
        byte[] hugeHost = topics.powerSamples().valueSerde().serializer().serialize("t", sample("h".repeat(1_000_000), T0, 50));
        List<byte[]> poison = java.util.Arrays.asList(claimsHuge, nearLimit, null, future, hugeHost);

        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(5))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            try (var raw = new KafkaProducer<>(big, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (byte[] p : poison) {
                    raw.send(new ProducerRecord<>(topics.powerSamples().name(), "rig".getBytes(), p)).get();
                }
                raw.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig".getBytes(), null)).get();
                var events = topics.trainingEvents().valueSerde().serializer();
                var samples = topics.powerSamples().valueSerde().serializer();
                for (int s = 0; s <= 40; s++) {
                    if (s == 5 || s == 30) {
                        raw.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig".getBytes(), events.serialize("t",
                                event(s, s == 5 ? EventKind.RUN_STARTED : EventKind.RUN_COMPLETED)))).get();
                    }
                    raw.send(new ProducerRecord<>(topics.powerSamples().name(), "rig".getBytes(),
                            samples.serialize("t", sample("rig", T0.plusSeconds(s), 100)))).get();
                }
            }
            // Far-future samples, each right behind a good one in one batch: Kafka Streams stamps the changelog
            // writes of a commit with the time of the record it processed last, which the broker refuses when it
            // is more than an hour ahead (log.message.timestamp.after.max.ms); that once failed the task (FuzzIT)
            Map<String, Object> batched = new HashMap<>(client);
            batched.put("linger.ms", 60_000);
            try (var raw = new KafkaProducer<>(batched, new ByteArraySerializer(), new ByteArraySerializer())) {
                var samples = topics.powerSamples().valueSerde().serializer();
                for (int s = 41; s < 41 + FUTURE_PAIRS; s++) {
                    raw.send(new ProducerRecord<>(topics.powerSamples().name(), "rig".getBytes(),
                            samples.serialize("t", sample("rig", T0.plusSeconds(s), 100))));
                    raw.send(new ProducerRecord<>(topics.powerSamples().name(), "rig".getBytes(), future));
                    raw.flush();
                }
            }
            RunEnergy last = BrokerFixture.awaitRunEnergy(topics, RunEnergy::getIsFinal, 1, Duration.ofSeconds(90)).get("after-poison");
            assertThat(last.getEnergyJoules()).isEqualTo(2500.0); // 100 W for 25 s
            List<ConsumerRecord<byte[], byte[]>> dead = deadLetters(client, topics, 6 + FUTURE_PAIRS);
            assertThat(dead).allSatisfy(d -> assertThat(DeadLetters.header(d.headers(), DeadLetters.REASON)).isNotBlank());
            List<String> kinds = dead.stream().map(d -> DeadLetters.header(d.headers(), DeadLetters.KIND)).toList();
            assertThat(kinds).filteredOn("deserialization"::equals).hasSize(2);
            assertThat(kinds).filteredOn("invalid"::equals).hasSize(4 + FUTURE_PAIRS);
            assertThat(dead).allSatisfy(d -> assertThat(d.serializedValueSize()).isLessThanOrEqualTo(DeadLetters.MAX_VALUE_BYTES));
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.httpPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.body()).isEqualTo("UP\n");
            assertThat(BrokerFixture.sum(BrokerFixture.scrape(app), "ampwatch_analyzer_thread_failures_total"))
                    .as("threads failed and started over").isZero();
        }
    }

    private static PowerSample sample(String host, Instant t, double watts) {
        return PowerSample.newBuilder().setHost(host).setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                .setEventTime(t).setPowerWatts(watts).build();
    }

    private static TrainingEvent event(int second, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId("after-poison").setExperimentId("exp").setHost("rig").setDevices(List.of("gpu0"))
                .setEventTime(T0.plusSeconds(second)).setKind(kind).build();
    }

    private static List<ConsumerRecord<byte[], byte[]>> deadLetters(Map<String, Object> client, Topics topics, int expected) {
        Map<String, Object> p = BrokerFixture.readCommitted("poison");
        p.put("max.partition.fetch.bytes", 4 * 1024 * 1024);
        try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.deadLetters()));
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
                return got.size() >= expected;
            });
            return got;
        }
    }
}
