package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ampwatch.analyzer.streams.ExperimentRunsSeed;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An experiment's runs are kept one store entry per run (ExperimentRunsProcessor); an analyzer that kept one list per
 * experiment had no such store, so the first start after the upgrade creates its changelog and must fill it from the
 * run-energy topic (ExperimentRunsSeed): without that, the experiment's next run would make its statistics those of
 * that one run. Here the changelog is emptied, its seeding forgotten and the local state wiped (what the upgrade finds,
 * or what a first start that died before it had seeded left), on a real broker.
 */
class ExperimentRunsUpgradeIT {
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);
    private static final String EXPERIMENT = "upgrade-exp";

    @ParameterizedTest
    @EnumSource(AnalyzerConfig.Engine.class)
    void theFirstStartAfterTheUpgradeKeepsEveryRunOfAnExperiment(AnalyzerConfig.Engine engine, @TempDir Path stateDir) throws Exception {
        AnalyzerConfig config = BrokerFixture.analyzer("experiment-runs", engine, 2, stateDir);
        Topics topics = config.topics();
        Map<String, Object> client = BrokerFixture.client();
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            for (int i = 0; i < 3; i++) {
                produce(client, topics, "run-" + i, 60 * i);
            }
            BrokerFixture.awaitRunEnergy(topics, RunEnergy::getIsFinal, 3, Duration.ofSeconds(60));
            awaitCompletedRuns(app, 3);
        }

        String statistics = config.applicationId() + (engine == AnalyzerConfig.Engine.DIRECT ? AnalyzerApp.STATISTICS_SUFFIX : "");
        String changelog = ExperimentRunsSeed.changelog(statistics);
        String seeded = ExperimentRunsSeed.seededGroup(statistics);
        try (Admin admin = Admin.create(client)) {
            assertThat(admin.listTopics().names().get()).contains(changelog);
            assertThat(admin.listConsumerGroupOffsets(seeded).partitionsToOffsetAndMetadata().get()).as("seeding recorded").isNotEmpty();
            admin.deleteTopics(Set.of(changelog)).all().get();
            admin.deleteConsumerGroups(Set.of(seeded)).all().get();
            await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(changelog));
            // what a first start after the upgrade leaves when it dies after creating the changelog, before seeding it: an
            // empty changelog that the next start does not create (before, only the start that created it seeded it)
            admin.createTopics(Set.of(new org.apache.kafka.clients.admin.NewTopic(changelog, 2, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
        BrokerFixture.wipe(stateDir);

        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            produce(client, topics, "run-3", 180);
            BrokerFixture.awaitRunEnergy(topics, RunEnergy::getIsFinal, 4, Duration.ofSeconds(60));
            // not seeded, the store would hold run-3 alone and the statistics would say 1
            awaitCompletedRuns(app, 4);
            JsonNode stats = experiment(app);
            assertThat(stats.get("configurations")).hasSize(1);
            assertThat(stats.get("configurations").get(0).get("runs").asInt()).isEqualTo(4);
        }
    }

    private static void awaitCompletedRuns(AnalyzerApp app, int n) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> completedRuns(app), c -> c == n);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("expected " + n + " completed runs; /experiments/" + EXPERIMENT + ": " + experiment(app)
                    + "\n/runs: " + HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + app.httpPort() + "/runs")).build(), HttpResponse.BodyHandlers.ofString()).body(), e);
        }
    }

    private static JsonNode experiment(AnalyzerApp app) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort()
                + "/experiments/" + EXPERIMENT)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? new ObjectMapper().readTree(r.body()) : null;
    }

    /** Completed runs over the experiment's configurations on /experiments; -1 while it has none. */
    private static int completedRuns(AnalyzerApp app) throws Exception {
        JsonNode stats = experiment(app);
        if (stats == null) {
            return -1;
        }
        int n = 0;
        for (JsonNode c : stats.get("configurations")) {
            n += c.get("runs").asInt();
        }
        return n;
    }

    /**
     * An fp32 run of 20 s at 100 W, from {@code offset} + 10 s to + 30 s, readings every second until + 40 s. Its events
     * are sent before its readings: a live trainer sends a run's start as it happens, so between runs the readings do
     * not wait for events (InputProgress), and readings that came first would be attributed as idle time.
     */
    private static void produce(Map<String, Object> client, Topics topics, String run, int offset) {
        RunConfig config = RunConfig.newBuilder().setPrecision("fp32").setBatchSize(32).setHiddenUnits(List.of(64)).setEpochs(1)
                .setLearningRate(0.01).setOptimizer("sgd").setDataset("test").setTrainSamples(100).setParameterCount(1000)
                .setDeviceName("gpu0").setBackend("test").build();
        try (var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer())) {
            for (int t = 10; t <= 30; t++) {
                EventKind kind = t == 10 ? EventKind.RUN_STARTED : t == 30 ? EventKind.RUN_COMPLETED : EventKind.PROGRESS;
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", TrainingEvent.newBuilder().setRunId(run)
                        .setExperimentId(EXPERIMENT).setHost("rig").setDevices(List.of("gpu0")).setEventTime(T0.plusSeconds(offset + t))
                        .setKind(kind).setConfig(kind == EventKind.RUN_STARTED ? config : null).build()));
            }
        }
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer())) {
            for (int s = offset; s <= offset + 40; s++) {
                samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", PowerSample.newBuilder().setHost("rig")
                        .setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                        .setEventTime(T0.plusSeconds(s)).setPowerWatts(100.0).build()));
            }
        }
    }
}
