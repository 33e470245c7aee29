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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Run energy larger than the broker takes (here a run-energy topic with {@code max.message.bytes=20000} and
 * a run of 700 epochs, ~27 kB a record) once failed the engine's transaction at every retry. Now it goes out
 * without its epochs, whole to the dead-letter topic with the reason, and no thread fails; on both engines.
 */
class OversizedOutputIT {
    private static final Instant T0 = Instant.parse("2026-11-30T05:00:00Z");
    private static final int EPOCHS = 700;

    @ParameterizedTest
    @EnumSource(AnalyzerConfig.Engine.class)
    void runEnergyTooLargeForTheBrokerGoesOutWithoutItsEpochs(AnalyzerConfig.Engine engine, @TempDir Path stateDir) throws Exception {
        AnalyzerConfig config = BrokerFixture.analyzer("oversized", engine, 1, stateDir);
        Topics topics = config.topics();
        Map<String, Object> client = BrokerFixture.client();
        try (AnalyzerApp app = started(config, client, topics.runEnergy().name(), 20_000)) {
            try (var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer());
                 var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer())) {
                // the trainer's events on the broker before the samples, as when both are live: a backlog whose
                // samples were written before a run's start would have that start moved (and flagged)
                List<ProducerRecord<String, PowerSample>> pending = new ArrayList<>();
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(0, EventKind.RUN_STARTED, null)));
                for (int s = 0; s <= EPOCHS + 10; s++) {
                    if (s < EPOCHS) {
                        events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(s, EventKind.EPOCH_STARTED, s + 1)));
                        events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(s + 1, EventKind.EPOCH_COMPLETED, s + 1)));
                    } else if (s == EPOCHS) {
                        events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(s, EventKind.RUN_COMPLETED, null)));
                    }
                    if (s <= EPOCHS) {
                        events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(s, EventKind.PROGRESS, null)));
                    }
                    pending.add(new ProducerRecord<>(topics.powerSamples().name(), "rig", PowerSample.newBuilder().setHost("rig")
                            .setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0").setEventTime(T0.plusSeconds(s))
                            .setPowerWatts(100.0).build()));
                }
                events.flush();
                pending.forEach(samples::send);
            }
            RunEnergy last = BrokerFixture.awaitRunEnergy(topics, RunEnergy::getIsFinal, 1, Duration.ofSeconds(90)).get("long-run");
            assertThat(last.getEnergyJoules()).isEqualTo(EPOCHS * 100.0);
            assertThat(last.getEpochs()).isEmpty();

            List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
            try (var consumer = new KafkaConsumer<>(BrokerFixture.readCommitted("oversized"), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(topics.deadLetters()));
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(dead::add);
                    return dead.stream().anyMatch(d -> {
                        RunEnergy whole = topics.runEnergy().valueSerde().deserializer().deserialize("t", d.value());
                        return whole.getIsFinal() && whole.getEpochs().size() == EPOCHS;
                    });
                });
            }
            assertThat(dead).allSatisfy(d -> {
                assertThat(DeadLetters.header(d.headers(), DeadLetters.KIND)).isEqualTo("too-large");
                assertThat(DeadLetters.header(d.headers(), DeadLetters.REASON)).contains("run energy of run long-run")
                        .contains("without its per-epoch detail").contains("17500");
            });
            String scrape = BrokerFixture.scrape(app);
            assertThat(BrokerFixture.sum(scrape, "ampwatch_analyzer_thread_failures_total")).isZero();
            assertThat(scrape).contains("ampwatch_analyzer_dead_letters_total{kind=\"too-large\",topic=\"" + topics.runEnergy().name() + "\"}");
        }
    }

    /**
     * The statistics run on Kafka Streams on both engines: statistics larger than the experiment-stats topic
     * takes (here {@code max.message.bytes=5100}) go out trimmed, saying what was left out and why; under
     * exactly-once a refused record would abort the transaction whatever a production exception handler
     * said (tried: the thread failed at every retry), so nothing is sent that the broker would refuse.
     */
    @ParameterizedTest
    @EnumSource(AnalyzerConfig.Engine.class)
    void statisticsLargerThanTheBrokerTakesGoOutTrimmed(AnalyzerConfig.Engine engine, @TempDir Path stateDir) throws Exception {
        AnalyzerConfig config = BrokerFixture.analyzer("refused-stats", engine, 1, stateDir);
        Topics topics = config.topics();
        Map<String, Object> client = BrokerFixture.client();
        try (AnalyzerApp app = started(config, client, topics.experimentStats().name(), 5_100)) {
            try (var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer());
                 var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer())) {
                // the trainer's events on the broker before the samples, as when both are live: a backlog whose
                // samples were written before a run's start would have that start moved (and flagged)
                List<ProducerRecord<String, PowerSample>> pending = new ArrayList<>();
                String[] precisions = {"fp32", "amp-fp16", "fp32", "amp-fp16"};
                for (int s = 0; s <= 4 * 20 + 10; s++) { // four runs of 10 s, two configurations, 10 s apart
                    int run = s / 20;
                    if (run < 4 && s % 20 == 0) {
                        events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", TrainingEvent.newBuilder(
                                event(s, EventKind.RUN_STARTED, null)).setRunId("run-" + run).setConfig(dev.ampwatch.schema.RunConfig.newBuilder()
                                .setPrecision(precisions[run]).setBatchSize(32).setHiddenUnits(List.of(256, 128)).setEpochs(1)
                                .setLearningRate(0.01).setOptimizer("adam").setDataset("fashion-mnist").setTrainSamples(600)
                                .setParameterCount(25_450).setDeviceName("test").setBackend("cpu").build()).build()));
                    } else if (run < 4 && s % 20 == 10) {
                        events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", TrainingEvent.newBuilder(
                                event(s, EventKind.RUN_COMPLETED, null)).setRunId("run-" + run).build()));
                    } else if (run < 4 && s % 20 < 10) {
                        events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", TrainingEvent.newBuilder(
                                event(s, EventKind.PROGRESS, null)).setRunId("run-" + run).build()));
                    }
                    pending.add(new ProducerRecord<>(topics.powerSamples().name(), "rig", PowerSample.newBuilder().setHost("rig")
                            .setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0").setEventTime(T0.plusSeconds(s))
                            .setPowerWatts(100.0 + run).build()));
                }
                events.flush();
                pending.forEach(samples::send);
            }
            java.util.Map<String, RunEnergy> finals = BrokerFixture.awaitRunEnergy(topics, RunEnergy::getIsFinal, 4, Duration.ofSeconds(90));
            assertThat(finals.get("run-3").getEnergyJoules()).isEqualTo(10 * 103.0);
            List<dev.ampwatch.schema.ExperimentStats> stats = new ArrayList<>();
            try (var consumer = new KafkaConsumer<>(BrokerFixture.readCommitted("refused-stats"), new org.apache.kafka.common.serialization.StringDeserializer(),
                    topics.experimentStats().valueSerde().deserializer())) {
                consumer.subscribe(List.of(topics.experimentStats().name()));
                await().atMost(Duration.ofSeconds(60)).until(() -> { // the statistics of all four runs
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> stats.add(r.value()));
                    return stats.stream().anyMatch(x -> x.getNotComputed().stream().anyMatch(n -> n.getReason().contains("more than the")));
                });
            }
            dev.ampwatch.schema.ExperimentStats last = stats.get(stats.size() - 1);
            assertThat(last.getExperimentId()).isEqualTo("exp");
            assertThat(last.getComparisons()).isEmpty();
            assertThat(last.getNotComputed()).singleElement().satisfies(n -> assertThat(n.getReason())
                    .contains("more than the").contains("ampwatch report --experiment computes them"));
            assertThat(BrokerFixture.sum(BrokerFixture.scrape(app), "ampwatch_analyzer_thread_failures_total")).isZero();
        }
    }

    /** An analyzer, running, after {@code topic} was given {@code max.message.bytes} of {@code limit}. */
    private static AnalyzerApp started(AnalyzerConfig config, Map<String, Object> client, String topic, int limit) throws Exception {
        try (Admin admin = Admin.create(client)) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes",
                    Integer.toString(limit)), AlterConfigOp.OpType.SET)))).all().get();
            // the broker applies an accepted change when its metadata catches up: until then the analyzer, reading the topic's
            // limit at start, could still read Kafka's default and send what the broker then refuses (a CI run on a busy machine)
            org.awaitility.Awaitility.await("max.message.bytes " + limit + " of " + topic).atMost(Duration.ofSeconds(60))
                    .until(() -> Integer.toString(limit).equals(admin.describeConfigs(List.of(resource)).all().get().get(resource)
                            .get("max.message.bytes").value()));
        }
        AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(5));
        assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
        return app;
    }

    private static TrainingEvent event(int second, EventKind kind, Integer epoch) {
        return TrainingEvent.newBuilder().setRunId("long-run").setExperimentId("exp").setHost("rig").setDevices(List.of("gpu0"))
                .setEventTime(T0.plusSeconds(second)).setKind(kind).setEpoch(epoch).build();
    }
}
