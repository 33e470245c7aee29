package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A {@link TopologyTestDriver} over the analyzer's topology with the inputs, outputs and record makers its tests share
 * (host rig-1, one CPU package): records are piped one at a time, in the order given.
 */
abstract class TopologyDriverFixture {
    static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    final Topics topics = Topics.defaults();
    TopologyTestDriver driver;
    TestInputTopic<String, PowerSample> samples;
    TestInputTopic<String, TrainingEvent> events;
    TestInputTopic<String, byte[]> rawSamples;
    TestOutputTopic<String, RunEnergy> energy;
    TestOutputTopic<String, byte[]> dead;

    @BeforeEach
    void start() {
        AnalyzerConfig config = AnalyzerConfig.defaults()
                .withStateDir(Path.of("target", "streams-state", "topology-test"))
                .withTiming(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(1))
                .withInputIdle(Duration.ofSeconds(20)); // quiet flush stays at 30 s
        Properties props = AnalyzerTopology.streamsProperties(config, Map.of("bootstrap.servers", "unused:9092"),
                AnalyzerListener.NONE);
        // the driver pipes one record at a time, in the order given: no partition ever lags behind
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0");
        driver = new TopologyTestDriver(AnalyzerTopology.buildTopology(config, AnalyzerListener.NONE), props, T0);
        samples = driver.createInputTopic(topics.powerSamples().name(), new StringSerializer(),
                topics.powerSamples().valueSerde().serializer());
        rawSamples = driver.createInputTopic(topics.powerSamples().name(), new StringSerializer(), new ByteArraySerializer());
        events = driver.createInputTopic(topics.trainingEvents().name(), new StringSerializer(),
                topics.trainingEvents().valueSerde().serializer());
        energy = driver.createOutputTopic(topics.runEnergy().name(), new StringDeserializer(),
                topics.runEnergy().valueSerde().deserializer());
        dead = driver.createOutputTopic(topics.deadLetters(), new StringDeserializer(), Serdes.ByteArray().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    RunEnergy finalRecord() {
        List<RunEnergy> all = energy.readValuesToList();
        assertThat(all).isNotEmpty();
        assertThat(all.stream().filter(RunEnergy::getIsFinal)).hasSize(1);
        RunEnergy last = all.get(all.size() - 1);
        assertThat(last.getIsFinal()).isTrue();
        return last;
    }

    void sample(double second, double watts) {
        Instant t = T0.plusNanos((long) (second * 1e9));
        samples.pipeInput("rig-1", PowerSample.newBuilder().setHost("rig-1").setSource(SourceType.ESTIMATE)
                .setComponent(Component.CPU_PACKAGE).setDevice("package-0").setEventTime(t).setPowerWatts(watts)
                .build(), t);
    }

    void event(String run, double second, EventKind kind, Integer epoch) {
        Instant t = T0.plusNanos((long) (second * 1e9));
        events.pipeInput("rig-1", TrainingEvent.newBuilder().setRunId(run).setExperimentId("e").setHost("rig-1")
                .setEventTime(t).setKind(kind).setEpoch(epoch)
                .setMetrics(kind == EventKind.EPOCH_COMPLETED ? EpochMetrics.newBuilder().setLoss(1).setSamples(100)
                        .setSamplesPerSecond(20).setDurationMs(5000).build() : null)
                .build(), t);
    }
}
