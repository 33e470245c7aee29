package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.analyzer.query.Json;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A run id used a second time ({@code follow --run-id my-run-1} twice, a user's report), on both engines, with the
 * analyzer restarted in between on a fresh state directory (its state restored from the changelog): every event of
 * the second use is dead-lettered as invalid, naming the run id, and counted; the first run's final record is the
 * only one for the id, in the topic and in {@code /runs}. Epoch events of a run that never started (an auditor's
 * report: they vanished) are dead-lettered and counted too.
 */
class RunIdsIT {
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(900);
    private static final String RUN = "my-run-1";

    @ParameterizedTest
    @EnumSource(AnalyzerConfig.Engine.class)
    void aRunIdUsedAgainIsRefusedEveryEventOfItAfterARestart(AnalyzerConfig.Engine engine, @TempDir Path first,
                                                             @TempDir Path second) throws Exception {
        AnalyzerConfig config = BrokerFixture.analyzer("run-ids", engine, 1, first);
        Topics topics = config.topics();
        Map<String, Object> client = BrokerFixture.client();
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            produce(client, topics, 0, 40, List.of(
                    event(RUN, 10, EventKind.RUN_STARTED, null, 1), event(RUN, 10, EventKind.EPOCH_STARTED, 1, 1),
                    event(RUN, 30, EventKind.EPOCH_COMPLETED, 1, 1), event(RUN, 30, EventKind.RUN_COMPLETED, null, 1)));
            RunEnergy run = BrokerFixture.awaitRunEnergy(topics, RunEnergy::getIsFinal, 1, Duration.ofSeconds(60)).get(RUN);
            assertThat(run.getEnergyJoules()).isEqualTo(2000.0); // 100 W from 10 s to 30 s
        }
        // restarted where its local state is not: what it knows comes from the changelog
        AnalyzerConfig restarted = config.toBuilder().stateDir(second).build();
        try (AnalyzerApp app = AnalyzerApp.start(restarted, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            // the second use, more than the ten minutes after the first run's end for which an ended run's straggling
            // events are recognised (the user's: its first epoch took longer; its later events opened the id again)
            List<TrainingEvent> secondUse = List.of(
                    event(RUN, 700, EventKind.RUN_STARTED, null, 2), event(RUN, 700, EventKind.EPOCH_STARTED, 1, 2),
                    event(RUN, 710, EventKind.EPOCH_COMPLETED, 1, 2), event(RUN, 710, EventKind.EPOCH_STARTED, 2, 2),
                    event(RUN, 720, EventKind.EPOCH_COMPLETED, 2, 2), event(RUN, 720, EventKind.RUN_COMPLETED, null, 2));
            List<TrainingEvent> events = new ArrayList<>(secondUse);
            events.add(event("ghost", 705, EventKind.EPOCH_COMPLETED, 3, 1)); // its start never came
            events.add(event("ghost", 706, EventKind.RUN_COMPLETED, null, 1));
            produce(client, topics, 41, 45, List.of());
            produce(client, topics, 690, 760, events);

            List<ConsumerRecord<byte[], byte[]>> dead = deadLetters(topics, 8);
            assertThat(dead).hasSize(8).allSatisfy(d -> assertThat(DeadLetters.header(d.headers(), DeadLetters.KIND)).isEqualTo("invalid"));
            List<String> reasons = dead.stream().map(d -> DeadLetters.header(d.headers(), DeadLetters.REASON)).toList();
            assertThat(reasons).filteredOn(r -> r.contains("for run " + RUN)).hasSize(6).allSatisfy(r -> assertThat(r)
                    .contains("run " + RUN + " ended already at " + T0.plusSeconds(30)).contains("a run id can be used once"));
            assertThat(reasons).filteredOn(r -> r.startsWith("EPOCH_COMPLETED 3 for run ghost")).singleElement()
                    .satisfies(r -> assertThat(r).contains("which is not open"));
            String metrics = await().atMost(Duration.ofSeconds(30)).until(() -> BrokerFixture.scrape(app),
                    m -> m.contains("ampwatch_analyzer_dead_letters_total{kind=\"invalid\",topic=\"" + topics.trainingEvents().name() + "\"} 8.0"));
            assertThat(metrics).contains("ampwatch_analyzer_dead_letters_total{kind=\"invalid\",topic=\"" + topics.trainingEvents().name() + "\"} 8.0");

            // the id's records on the topic: the first run's, ending with its one final record
            List<RunEnergy> records = runEnergy(topics);
            assertThat(records).isNotEmpty().allSatisfy(r -> assertThat(r.getStartTime()).isEqualTo(T0.plusSeconds(10)));
            assertThat(records.get(records.size() - 1).getIsFinal()).isTrue();
            assertThat(records.get(records.size() - 1).getEnergyJoules()).isEqualTo(2000.0);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + app.httpPort() + "/runs/" + RUN)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                Map<?, ?> got = Json.read(r.body(), Map.class);
                assertThat(got.get("is_final")).isEqualTo(true);
                assertThat(((Number) got.get("energy_joules")).doubleValue()).isEqualTo(2000.0);
                assertThat(((Map<?, ?>) got.get("config")).get("precision")).as("the first run's configuration").isEqualTo("fp32");
                assertThat((List<?>) got.get("epochs")).hasSize(1);
            });
        }
    }

    /** Samples at 100 W every second from {@code from} to {@code to} s, with the events at their times. */
    private static void produce(Map<String, Object> client, Topics topics, int from, int to, List<TrainingEvent> events) {
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var trainer = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer())) {
            for (int s = from; s <= to; s++) {
                for (TrainingEvent e : events) {
                    if (e.getEventTime().equals(T0.plusSeconds(s))) {
                        trainer.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", e));
                    }
                }
                trainer.flush();
                samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", PowerSample.newBuilder().setHost("rig")
                        .setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                        .setEventTime(T0.plusSeconds(s)).setPowerWatts(100.0).build()));
            }
        }
    }

    private static TrainingEvent event(String run, int second, EventKind kind, Integer epoch, int epochs) {
        RunConfig config = kind != EventKind.RUN_STARTED ? null : RunConfig.newBuilder().setPrecision(epochs == 1 ? "fp32" : "amp")
                .setBatchSize(32).setHiddenUnits(List.of(64)).setEpochs(epochs).setLearningRate(0.01).setOptimizer("sgd")
                .setDataset("test").setTrainSamples(100).setParameterCount(1000).setDeviceName("gpu0").setBackend("test").build();
        return TrainingEvent.newBuilder().setRunId(run).setExperimentId("run-ids").setHost("rig").setDevices(List.of("gpu0"))
                .setEventTime(T0.plusSeconds(second)).setKind(kind).setEpoch(epoch).setConfig(config).build();
    }

    private static List<ConsumerRecord<byte[], byte[]>> deadLetters(Topics topics, int expected) {
        try (var consumer = new KafkaConsumer<>(BrokerFixture.readCommitted("run-ids"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.deadLetters()));
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
                return got.size() >= expected;
            });
            consumer.poll(Duration.ofSeconds(2)).forEach(got::add); // nothing more
            return got;
        }
    }

    private static List<RunEnergy> runEnergy(Topics topics) {
        try (var consumer = new KafkaConsumer<>(BrokerFixture.readCommitted("run-ids-energy"), new StringDeserializer(),
                topics.runEnergy().valueSerde().deserializer())) {
            consumer.subscribe(List.of(topics.runEnergy().name()));
            List<RunEnergy> got = new ArrayList<>();
            long until = System.currentTimeMillis() + 5_000;
            while (System.currentTimeMillis() < until) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value().getRunId().equals(RUN)) {
                        got.add(r.value());
                    }
                });
            }
            return got;
        }
    }
}
