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
