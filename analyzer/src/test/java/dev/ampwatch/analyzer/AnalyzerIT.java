package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.analyzer.streams.DeadLetters;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.io.TempDir;

/** The analyzer on a real broker: produce, stream, assert on the output topics and on /metrics. */
class AnalyzerIT {
    static final Instant T0 = Instant.parse("2026-11-23T09:00:00Z");

    /** Both engines: the direct one (the default) and Kafka Streams, which stays the reference. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(AnalyzerConfig.Engine.class)
    void attributesEnergyEndToEndDeadLettersGarbageAndServesMetrics(AnalyzerConfig.Engine engine, @TempDir Path stateDir)
            throws Exception {
        AnalyzerConfig config = BrokerFixture.analyzer("it1", engine, 1, stateDir);
        String id = config.applicationId();
        Topics topics = config.topics();
        Map<String, Object> client = BrokerFixture.client();
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(5))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
                 var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer());
                 var raw = new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer())) {
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event("run-a", 1, EventKind.RUN_STARTED)));
                for (int s = 0; s <= 20; s++) {
                    samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", sample(s, 120.0)));
                    if (s == 10) {
                        raw.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", "not avro".getBytes()));
                        events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event("run-a", 9, EventKind.RUN_COMPLETED)));
                    }
                }
            }
            RunEnergy result = awaitFinal(client, topics.runEnergy().name(), topics);
            assertThat(result.getEnergyJoules()).isCloseTo(120.0 * 8, within(1e-6));
            assertThat(result.getConfig().getPrecision()).isEqualTo("amp-bf16");

            ConsumerRecord<byte[], byte[]> dead = awaitOne(client, topics.deadLetters());
            assertThat(new String(dead.value())).isEqualTo("not avro");
            assertThat(DeadLetters.header(dead.headers(), DeadLetters.KIND)).isEqualTo("deserialization");
            assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo(topics.powerSamples().name());

            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("ampwatch_run_energy_joules_total{")
                    .contains("run_id=\"run-a\"")
                    .contains("precision=\"amp-bf16\"")
                    .contains("ampwatch_analyzer_dead_letters_total{");
            // every kind is on /metrics from the start, at 0 until it happens: alerts on increase() see the first
            assertThat(metrics.body()).containsPattern("ampwatch_analyzer_dead_letters_total\\{kind=\"deserialization\",topic=\""
                    + java.util.regex.Pattern.quote(topics.powerSamples().name()) + "\"} 1\\.0")
                    .containsPattern("ampwatch_analyzer_dead_letters_total\\{kind=\"late\",topic=\""
                    + java.util.regex.Pattern.quote(topics.powerSamples().name()) + "\"} 0\\.0")
                    .containsPattern("ampwatch_analyzer_dead_letters_total\\{kind=\"wrong-key\",topic=\""
                    + java.util.regex.Pattern.quote(topics.trainingEvents().name()) + "\"} 0\\.0")
                    // Kafka clients named after the instance, not a new UUID per start: the same series after a restart
                    .contains("client_id=\"" + id + "-127.0.0.1-" + app.httpPort() + "-StreamThread-1-consumer\"");
            if (engine == AnalyzerConfig.Engine.DIRECT) { // and the direct engine's own clients
                assertThat(metrics.body()).contains("client_id=\"" + id + "-127.0.0.1-" + app.httpPort() + "-hosts-0-consumer\"")
                        .contains("client_id=\"" + id + "-127.0.0.1-" + app.httpPort() + "-hosts-0-producer\"");
            }

            // live power from the attributed stream: what the rig measured up to its attributed time, the
            // part that went to the run, and the power of the latest stretch
            String device = "{component=\"GPU\",device=\"gpu0\",host=\"rig\"}";
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + app.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                double until = value(body, "ampwatch_host_attributed_until_timestamp_seconds{host=\"rig\"}") - T0.getEpochSecond();
                assertThat(until).isBetween(18.0, 21.0);
                // the last sample is at 20 s; a quiet host is flushed to 1 us past it; the gauge is epoch seconds
                assertThat(value(body, "ampwatch_device_energy_joules_total" + device))
                        .isCloseTo(120.0 * Math.min(until, 20.0), within(1e-3));
                assertThat(value(body, "ampwatch_device_run_energy_joules_total" + device)).isCloseTo(120.0 * 8, within(1e-6));
                assertThat(value(body, "ampwatch_device_power_watts" + device)).isCloseTo(120.0, within(1e-3)); // over the last 5 s
            });
        }
    }

    private static RunEnergy awaitFinal(Map<String, Object> client, String topic, Topics topics) {
        Map<String, Object> props = consumerProps(client, "final");
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), topics.runEnergy().valueSerde().deserializer())) {
            consumer.subscribe(List.of(topic));
            List<RunEnergy> finals = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value().getIsFinal()) {
                        finals.add(r.value());
                    }
                });
                return !finals.isEmpty();
            });
            return finals.get(0);
        }
    }

    private static ConsumerRecord<byte[], byte[]> awaitOne(Map<String, Object> client, String topic) {
        try (var consumer = new KafkaConsumer<>(consumerProps(client, "dlq"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Set.of(topic));
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
                return !got.isEmpty();
            });
            return got.get(0);
        }
    }

    private static Map<String, Object> consumerProps(Map<String, Object> client, String group) {
        Map<String, Object> props = new HashMap<>(client);
        props.put("group.id", "it-" + group);
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        return props;
    }

    /** The value of the series named exactly {@code series} (name and labels) in a Prometheus scrape. */
    static double value(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("no series " + series + " on /metrics"));
    }

    private static PowerSample sample(int second, double watts) {
        return PowerSample.newBuilder().setHost("rig").setSource(SourceType.NVML).setComponent(Component.GPU)
                .setDevice("gpu0").setEventTime(T0.plusSeconds(second)).setPowerWatts(watts).build();
    }

    private static TrainingEvent event(String run, int second, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId(run).setExperimentId("exp").setHost("rig").setDevices(List.of("gpu0"))
                .setEventTime(T0.plusSeconds(second)).setKind(kind)
                .setConfig(kind != EventKind.RUN_STARTED ? null : RunConfig.newBuilder().setPrecision("amp-bf16")
                        .setBatchSize(64).setHiddenUnits(List.of(128)).setEpochs(1).setLearningRate(0.01)
                        .setOptimizer("adam").setDataset("synthetic").setTrainSamples(1000).setParameterCount(1000)
                        .setDeviceName("gpu").setBackend("jcuda").build())
                .build();
    }
}
