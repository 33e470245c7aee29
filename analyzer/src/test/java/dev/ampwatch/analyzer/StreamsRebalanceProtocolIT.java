package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.broker.InProcessBroker;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka Streams engine with Kafka's streams rebalance protocol ({@code -X group.protocol=streams}, KIP-1071,
 * production-ready since Kafka 4.2): the group is a streams group the broker assigns, and Kafka Streams makes its main
 * consumer itself, not through the analyzer's client supplier, so the analyzer judges its tasks receiving by that
 * consumer's metrics as a whole (AnalyzerApp#receivingFor). A whole run is attributed exactly, and a trainer killed 10
 * s in has its run closed as silent at its last heartbeat (the quiet-flush rule, which needs the analyzer to see that
 * it is receiving), as with the classic protocol (PartialOutageIT's partition 0).
 */
class StreamsRebalanceProtocolIT {
    @Test
    void theStreamsEngineAttributesRunsAndClosesSilentOnesUnderTheStreamsRebalanceProtocol(@TempDir Path dir) throws Exception {
        try (InProcessBroker broker = InProcessBroker.start(dir.resolve("broker"))) {
            Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
            Topics topics = Topics.withPrefix("streams-protocol.");
            BrokerFixture.createTopics(client, topics, 2);
            AnalyzerConfig config = AnalyzerConfig.defaults().toBuilder().applicationId("streams-protocol").topics(topics)
                    .stateDir(dir.resolve("state")).engine(AnalyzerConfig.Engine.STREAMS).inputIdle(Duration.ofSeconds(5))
                    .quietFlush(Duration.ofSeconds(5)).build();
            Map<String, Object> analyzerClient = Map.of("bootstrap.servers", broker.bootstrapServers(), "group.protocol", "streams");
            try (AnalyzerApp app = AnalyzerApp.start(config, analyzerClient, "127.0.0.1", 0, Duration.ofMinutes(5))) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                PartialOutageIT.produce(client, topics, "rig-a", 0, 0, 20, true);
                PartialOutageIT.produce(client, topics, "rig-c", 0, 0, 10, true);
                PartialOutageIT.assertRunsOfPartition0(client, topics);
            }
        }
    }
}
