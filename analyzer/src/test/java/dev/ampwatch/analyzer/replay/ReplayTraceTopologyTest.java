package dev.ampwatch.analyzer.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.streams.AnalyzerTopology;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

/** The determinism trace through the topology in one thread, in replay order: the IT's baseline. */
class ReplayTraceTopologyTest {
    @Test
    void theReplayTraceInReplayOrderGivesTheReference() {
        AnalyzerConfig config = AnalyzerConfig.defaults().withStateDir(Path.of("target", "streams-state", "replay-trace"));
        Topics topics = config.topics();
        Properties props = AnalyzerTopology.streamsProperties(config, Map.of("bootstrap.servers", "unused:9092"),
                AnalyzerListener.NONE);
        try (TopologyTestDriver driver = new TopologyTestDriver(AnalyzerTopology.buildTopology(config, AnalyzerListener.NONE),
                props, ReplayTrace.T0)) {
            var samples = driver.createInputTopic(topics.powerSamples().name(), new StringSerializer(),
                    topics.powerSamples().valueSerde().serializer());
            var events = driver.createInputTopic(topics.trainingEvents().name(), new StringSerializer(),
                    topics.trainingEvents().valueSerde().serializer());
            var out = driver.createOutputTopic(topics.runEnergy().name(), new StringDeserializer(),
                    topics.runEnergy().valueSerde().deserializer());
            ReplayDeterminismIT.replay(ReplayDeterminismIT.TRACE, (sample) -> samples.pipeInput(sample.getHost(), sample,
                    sample.getEventTime()), (event) -> events.pipeInput(event.getHost(), event, event.getEventTime()));
            Map<String, RunEnergy> finals = new java.util.LinkedHashMap<>();
            out.readValuesToList().stream().filter(RunEnergy::getIsFinal).forEach(r -> finals.put(r.getRunId(), r));
            assertThat(ReplayDeterminismIT.problems(finals)).isEmpty();
        }
    }
}
