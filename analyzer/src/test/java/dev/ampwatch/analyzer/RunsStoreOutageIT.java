package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.InProcessBroker;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunsStoreOutageIT {
    private static final int FINISHED = 10;
    private static final Duration OUTAGE = Duration.ofSeconds(25);

    @Test
    void finishedRunsStayOnRunsAfterAnOutageFailedACommitOfTheStatistics(@TempDir Path dir) throws Exception {
        InProcessBroker broker = InProcessBroker.start(dir.resolve("broker"));
        String bootstrap = broker.bootstrapServers();
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        Map<String, Object> client = new HashMap<>(Map.of("bootstrap.servers", bootstrap));
        Topics topics = Topics.withPrefix("rso.");
        BrokerFixture.createTopics(client, topics, 1);
        Map<String, Object> analyzerClient = new HashMap<>(client);
        analyzerClient.put("producer.max.block.ms", 5000);
        AnalyzerConfig config = AnalyzerConfig.defaults().toBuilder().applicationId("rso").topics(topics)
                .stateDir(dir.resolve("state")).engine(AnalyzerConfig.Engine.DIRECT).build();
        AtomicBoolean busy = new AtomicBoolean(true);
        try (AnalyzerApp app = AnalyzerApp.start(config, analyzerClient, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            try (var p = new KafkaProducer<>(client, new StringSerializer(), topics.runEnergy().valueSerde().serializer())) {
                for (int i = 0; i < FINISHED; i++) {
                    p.send(new ProducerRecord<>(topics.runEnergy().name(), "run-" + i, FinishedRuns.of("run-" + i, "rig")));
                }
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> runs(app), r -> count(r) == FINISHED);
            Thread feeder = new Thread(() -> {
                Map<String, Object> c = new HashMap<>(client);
                c.put("max.block.ms", 2000);
                try (var p = new KafkaProducer<>(c, new StringSerializer(), topics.runEnergy().valueSerde().serializer())) {
                    int n = 0;
                    while (busy.get()) {
                        RunEnergy e = FinishedRuns.running("live", "rig");
                        e.setEnergyJoules(n++);
                        try {
                            p.send(new ProducerRecord<>(topics.runEnergy().name(), "live", e));
                        } catch (RuntimeException ignored) {
                            // the broker is down
                        }
                    }
                }
            });
            feeder.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> runs(app), r -> r.contains("\"live\""));
            broker.close();
            busy.set(false);
            long downUntil = System.nanoTime() + OUTAGE.toNanos();
            await("the outage").atMost(OUTAGE.plusSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() -> System.nanoTime() > downUntil);
            broker = InProcessBroker.start(dir.resolve("broker"), "127.0.0.1", port);
            feeder.join();
            try (var p = new KafkaProducer<>(client, new StringSerializer(), topics.runEnergy().valueSerde().serializer())) {
                p.send(new ProducerRecord<>(topics.runEnergy().name(), "after", FinishedRuns.of("after", "rig")));
            }
            String all = await().atMost(Duration.ofSeconds(120)).until(() -> runs(app), r -> r.contains("\"after\""));
            System.err.println("RUNS AFTER: " + count(all) + " " + all.replaceAll("\\s+", " ").substring(0, Math.min(300, all.length())));
            assertThat(count(all)).isEqualTo(FINISHED + 2);
        } finally {
            busy.set(false);
            broker.close();
        }
    }

    private static int count(String runs) {
        return runs.split("\"run_id\"", -1).length - 1;
    }

    private static String runs(AnalyzerApp app) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + "/runs?limit=1000")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
