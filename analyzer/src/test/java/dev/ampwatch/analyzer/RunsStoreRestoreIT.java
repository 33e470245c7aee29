package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.analyzer.streams.AnalyzerTopology;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store behind {@code /runs} (and the /metrics series restored at a start) keeps the runs that finished before its
 * local state was lost. A user's broker outage of 150 s failed a commit of the statistics under exactly-once; Kafka
 * Streams wiped the store, and restoring it from the run-energy topic itself (the store's changelog then) up to the
 * group's committed offset, which the restarting coordinator did not give (KAFKA-20416: read as 0), it declared the
 * empty store restored and went on from the committed offset: every run finished before the outage was gone from
 * {@code /runs} for good, though the topic held them. On the Kafka Streams engine (exactly-once) the store now has a
 * changelog of its own, restored to its end (seeded from the topic at the first start after an upgrade); the direct
 * engine's statistics run at least once, where nothing wipes a store, and restore it from the run-energy topic (a
 * changelog of its own took a paused instance's stale writes: AnalyzerTopology.statisticsOptimizations).
 */
class RunsStoreRestoreIT {
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(300);

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(AnalyzerConfig.Engine.class)
    void finishedRunsOutliveTheLossOfTheLocalStoreAndAnUpgrade(AnalyzerConfig.Engine engine, @TempDir Path stateDir) throws Exception {
        AnalyzerConfig config = BrokerFixture.analyzer("runs-store", engine, 1, stateDir);
        Topics topics = config.topics();
        Map<String, Object> client = BrokerFixture.client();
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            produce(client, topics, "run-1", 0);
            produce(client, topics, "run-2", 60);
            BrokerFixture.awaitRunEnergy(topics, RunEnergy::getIsFinal, 2, Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).until(() -> runs(app), r -> r.contains("\"run-1\"") && r.contains("\"run-2\""));
        }

        // what the exactly-once wipe leaves: no local state; the group's committed offsets are at the end of run-energy
        BrokerFixture.wipe(stateDir);
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            assertFinishedRunsServed(app);
        }

        String ownChangelog = config.applicationId() + AnalyzerTopology.RUN_ENERGY_CHANGELOG_SUFFIX;
        try (Admin admin = Admin.create(client)) {
            Set<String> names = admin.listTopics().names().get();
            if (engine == AnalyzerConfig.Engine.DIRECT) { // restored from the topic: a changelog of its own would take zombie writes
                String leftOver = config.applicationId() + AnalyzerApp.STATISTICS_SUFFIX + AnalyzerTopology.RUN_ENERGY_CHANGELOG_SUFFIX;
                assertThat(names).doesNotContain(leftOver);
                // one an earlier version left is not the direct engine's to fill (a review: it read and wrote it at start)
                admin.createTopics(Set.of(new org.apache.kafka.clients.admin.NewTopic(leftOver, 1, (short) 1))).all().get();
                try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
                    assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                }
                var end = admin.listOffsets(Map.of(new org.apache.kafka.common.TopicPartition(leftOver, 0),
                        org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get();
                assertThat(end.values()).allSatisfy(o -> assertThat(o.offset()).isZero());
                return;
            }
            // an analyzer of the earlier layout had no changelog for the store (it restored from run-energy up to the
            // committed offset): the first start of this one creates it, and must fill it, or the store starts empty
            assertThat(names).contains(ownChangelog);
            admin.deleteTopics(Set.of(ownChangelog)).all().get();
            await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(ownChangelog));
        }
        BrokerFixture.wipe(stateDir);
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            assertFinishedRunsServed(app);
        }

        // a first start that died between creating the changelog and seeding it: the next start finds it, empty, and
        // no record of a seeding (before 2026-12-03 only the start that created it seeded: /runs lost the runs for good);
        // a run the changelog holds keeps its record (here a marked copy of run-2's), the others come from the topic
        String seeded = dev.ampwatch.analyzer.streams.ExperimentRunsSeed.runEnergySeededGroup(config.applicationId());
        try (Admin admin = Admin.create(client)) {
            assertThat(admin.listConsumerGroupOffsets(seeded).partitionsToOffsetAndMetadata().get()).as("recorded").isNotEmpty();
            admin.deleteTopics(Set.of(ownChangelog)).all().get();
            await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(ownChangelog));
            admin.deleteConsumerGroups(Set.of(seeded)).all().get();
            admin.createTopics(Set.of(new org.apache.kafka.clients.admin.NewTopic(ownChangelog, 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
        RunEnergy run2 = BrokerFixture.awaitRunEnergy(topics, RunEnergy::getIsFinal, 2, Duration.ofSeconds(30)).get("run-2");
        RunEnergy held = RunEnergy.newBuilder(run2).setExperimentId("held-by-the-changelog").build();
        try (var producer = new KafkaProducer<>(client, new StringSerializer(), topics.runEnergy().valueSerde().serializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(ownChangelog, 0, run2.getAttributedUntil()
                    .toEpochMilli(), "run-2", held)).get();
        }
        BrokerFixture.wipe(stateDir);
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            assertFinishedRunsServed(app);
            assertThat(get(app, "/runs/run-2").body()).contains("held-by-the-changelog");
        }
    }

    private static void assertFinishedRunsServed(AnalyzerApp app) throws Exception {
        // nothing new comes: a store that restored nothing never lists them (the loss this guards against is for good)
        String all = await().atMost(Duration.ofSeconds(30)).until(() -> runs(app),
                r -> r.startsWith("[") && r.contains("\"run-1\"") && r.contains("\"run-2\""));
        assertThat(all).as("/runs").contains("\"run-1\"").contains("\"run-2\"");
        assertThat(get(app, "/runs/run-1").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> BrokerFixture.scrape(app), m -> m.contains("run_id=\"run-1\"")
                && m.contains("run_id=\"run-2\""));
    }

    private static String runs(AnalyzerApp app) throws Exception {
        return get(app, "/runs?limit=1000").body();
    }

    private static HttpResponse<String> get(AnalyzerApp app, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A run of 20 s at 100 W, from {@code offset} + 10 s to + 30 s, readings every second until + 40 s. */
    private static void produce(Map<String, Object> client, Topics topics, String run, int offset) {
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer())) {
            for (int s = offset; s <= offset + 40; s++) {
                int t = s - offset;
                EventKind kind = t == 10 ? EventKind.RUN_STARTED : t == 30 ? EventKind.RUN_COMPLETED : t > 10 && t < 30 ? EventKind.PROGRESS : null;
                if (kind != null) {
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", TrainingEvent.newBuilder().setRunId(run)
                            .setExperimentId("runs-store-exp").setHost("rig").setDevices(List.of("gpu0")).setEventTime(T0.plusSeconds(s))
                            .setKind(kind).build()));
                }
                samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", PowerSample.newBuilder().setHost("rig")
                        .setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                        .setEventTime(T0.plusSeconds(s)).setPowerWatts(100.0).build()));
            }
        }
    }
}
