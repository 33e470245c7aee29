package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.analyzer.query.Json;
import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two analyzer instances sharing the work: totals are right and either answers for any run. */
class TwoInstancesIT {
    static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");
    static final List<String> HOSTS = List.of("h1", "h2", "h3", "h4", "h5");
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void twoInstancesAttributeEveryRunAndAnswerForAnyRun(@TempDir Path a, @TempDir Path b) throws Exception {
        Topics topics = Topics.withPrefix("two.");
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        try (Admin admin = Admin.create(client)) {
            List<NewTopic> all = new ArrayList<>();
            topics.names().forEach(n -> all.add(new NewTopic(n, Optional.of(2), Optional.empty())));
            admin.createTopics(all).all().get();
        }
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId("two-instances").withTopics(topics)
                .withStateDir(a);
        try (AnalyzerApp first = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(5));
             AnalyzerApp second = AnalyzerApp.start(config.withStateDir(b), client, "127.0.0.1", 0, Duration.ofMinutes(5))) {
            assertThat(first.awaitRunning(Duration.ofSeconds(60))).isTrue();
            assertThat(second.awaitRunning(Duration.ofSeconds(60))).isTrue();
            produce(client, topics);

            for (AnalyzerApp app : List.of(first, second)) {
                for (String host : HOSTS) {
                    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                        HttpResponse<String> r = get(app, "/runs/run-" + host);
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                        Map<?, ?> run = Json.read(r.body(), Map.class);
                        assertThat(run.get("is_final")).isEqualTo(true);
                        assertThat(((Number) run.get("energy_joules")).doubleValue()).isCloseTo(1000.0, within(1e-6));
                    });
                }
                HttpResponse<String> list = get(app, "/runs");
                assertThat(list.statusCode()).isEqualTo(200);
                List<?> runs = Json.read(list.body(), List.class);
                assertThat(runs).hasSize(HOSTS.size());
            }
            assertThat(get(first, "/runs/no-such-run").statusCode()).isEqualTo(404);

            // a third instance: with two partitions one instance holds none of the statistics' partitions, and every
            // instance, that one too, lists every run (it answered 503 for good: an operator review)
            try (AnalyzerApp third = AnalyzerApp.start(config.withStateDir(a.resolveSibling(a.getFileName() + "-third")), client,
                    "127.0.0.1", 0, Duration.ofMinutes(5))) {
                assertThat(third.awaitRunning(Duration.ofSeconds(60))).isTrue();
                for (AnalyzerApp app : List.of(first, second, third)) {
                    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                        HttpResponse<String> list = get(app, "/runs");
                        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
                        assertThat(Json.read(list.body(), List.class)).hasSize(HOSTS.size());
                    });
                }
            }
        }
    }

    private HttpResponse<String> get(AnalyzerApp app, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Per host: 100 W on gpu0 every second for 20 s, one run from 2 s to 12 s using gpu0: 1000 J. */
    private static void produce(Map<String, Object> client, Topics topics) {
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer())) {
            for (String host : HOSTS) {
                String run = "run-" + host;
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), host, event(run, host, 2, EventKind.RUN_STARTED)));
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), host, event(run, host, 12, EventKind.RUN_COMPLETED)));
                for (int s = 0; s <= 20; s++) {
                    samples.send(new ProducerRecord<>(topics.powerSamples().name(), host, PowerSample.newBuilder()
                            .setHost(host).setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                            .setEventTime(T0.plusSeconds(s)).setPowerWatts(100.0).build()));
                }
            }
        }
    }

    private static TrainingEvent event(String run, String host, int second, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId(run).setExperimentId("two").setHost(host).setDevices(List.of("gpu0"))
                .setEventTime(T0.plusSeconds(second)).setKind(kind).build();
    }
}
