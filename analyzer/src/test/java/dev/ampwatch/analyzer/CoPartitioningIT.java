package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The analyzer refuses to start on input topics that are not co-partitioned, and says how to fix it. */
class CoPartitioningIT {
    @Test
    void inputTopicsWithDifferentPartitionCountsStopTheStartWithBothCounts(@TempDir Path stateDir) throws Exception {
        Topics topics = Topics.withPrefix("copart.");
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(topics.trainingEvents().name(), Optional.of(1), Optional.empty()),
                    new NewTopic(topics.powerSamples().name(), Optional.of(3), Optional.empty()))).all().get();
        }
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId("copart").withTopics(topics).withStateDir(stateDir);
        assertThatThrownBy(() -> AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not co-partitioned")
                .hasMessageContaining("copart.training-events has 1 partition,")
                .hasMessageContaining("copart.power-samples has 3")
                .hasMessageContaining("--partitions 3");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(AnalyzerConfig.Engine.class)
    void internalTopicsAreCreatedBeforeKafkaStreamsStartsAndItNeedsNoOthers(AnalyzerConfig.Engine engine, @TempDir Path stateDir)
            throws Exception {
        String id = "internal-" + engine.name().toLowerCase(java.util.Locale.ROOT);
        Topics topics = Topics.withPrefix(id + ".");
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(java.util.stream.Stream.of(topics.trainingEvents().name(), topics.powerSamples().name(),
                    topics.runEnergy().name(), topics.experimentStats().name(), topics.deadLetters())
                    .map(t -> new NewTopic(t, Optional.of(3), Optional.empty())).toList()).all().get();
        }
        AnalyzerConfig config = AnalyzerConfig.defaults().toBuilder().applicationId(id + "-up-front").topics(topics)
                .stateDir(stateDir).engine(engine).build();
        // on the direct engine Kafka Streams runs the statistics only, under the application id + "-stats"
        String stats = engine == AnalyzerConfig.Engine.DIRECT ? id + "-up-front" + AnalyzerApp.STATISTICS_SUFFIX : id + "-up-front";
        Set<String> expected = new java.util.HashSet<>(Set.of(id + "-up-front-host-timelines-changelog", stats + "-runs-by-experiment-repartition",
                stats + "-experiment-run-store-changelog", stats + "-experiment-stats-store-changelog",
                stats + "-experiment-exclusion-store-changelog", stats + "-run-experiment-store-changelog"));
        if (engine == AnalyzerConfig.Engine.STREAMS) { // exactly-once: its own since 2026-12-02 (RunsStoreRestoreIT); the
            expected.add(stats + "-run-energy-store-changelog"); // direct engine's restores from run-energy (2026-12-03)
        }
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(1));
             Admin admin = Admin.create(client)) {
            // created by the start itself (the broker's metadata may take a moment to list them)
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> internal(admin, id).equals(expected));
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            assertThat(internal(admin, id)).as("Kafka Streams created no internal topic of its own").isEqualTo(expected);
            admin.describeTopics(expected).allTopicNames().get().values()
                    .forEach(d -> assertThat(d.partitions()).as(d.name()).hasSize(3));
            Map<String, String> policies = new java.util.TreeMap<>();
            admin.describeConfigs(expected.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList())
                    .all().get().forEach((r, c) -> policies.put(r.name(), c.get("cleanup.policy").value()));
            assertThat(policies).containsEntry(stats + "-runs-by-experiment-repartition", "delete")
                    .containsEntry(id + "-up-front-host-timelines-changelog", "compact");
            if (engine == AnalyzerConfig.Engine.STREAMS) {
                assertThat(policies).containsEntry(stats + "-run-energy-store-changelog", "compact");
            }
            // the run exclusions (an input of the statistics, new on 2026-12-03) were missing: the analyzer made them
            ConfigResource exclusions = new ConfigResource(ConfigResource.Type.TOPIC, topics.runExclusions().name());
            assertThat(admin.describeConfigs(List.of(exclusions)).all().get().get(exclusions).get("cleanup.policy").value())
                    .isEqualTo("compact");
        }
    }

    private static Set<String> internal(Admin admin, String id) throws Exception {
        return admin.listTopics().names().get().stream().filter(t -> t.startsWith(id + "-up-front"))
                .collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void missingInputTopicsAreLeftToKafkaStreams(@TempDir Path stateDir) throws Exception {
        Topics topics = Topics.withPrefix("copart-missing.");
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId("copart-missing").withTopics(topics)
                .withStateDir(stateDir);
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(1))) {
            assertThat(app.state()).isNotNull();
        }
    }
}
