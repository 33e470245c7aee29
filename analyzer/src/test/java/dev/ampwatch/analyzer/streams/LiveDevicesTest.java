package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.LiveDevice;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

/**
 * The live device figures a host reports (ampwatch_device_power_watts) are of the devices that read within the max
 * gap of its attributed time: a rig whose agent moved from the estimate source to RAPL kept the estimate's last
 * watts next to RAPL's in the fleet's sums as long as it reported (an operator review).
 */
class LiveDevicesTest {
    static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    @Test
    void aDeviceThatStoppedReadingLeavesTheHostsLiveFigures() {
        Topics topics = Topics.defaults();
        AnalyzerConfig config = AnalyzerConfig.defaults().withStateDir(Path.of("target", "streams-state", "live-devices-test"))
                .withTiming(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(1));
        AtomicReference<List<LiveDevice>> latest = new AtomicReference<>(List.of());
        AnalyzerListener listener = new AnalyzerListener() {
            @Override
            public void onRunEnergy(RunEnergy energy) {}

            @Override
            public void onDeadLetter(String sourceTopic, String kind) {}

            @Override
            public void onHostProgress(String host, long attributedUntilUs, List<LiveDevice> devices) {
                latest.set(devices);
            }
        };
        Properties props = AnalyzerTopology.streamsProperties(config, Map.of("bootstrap.servers", "unused:9092"), listener);
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0");
        try (TopologyTestDriver driver = new TopologyTestDriver(AnalyzerTopology.buildTopology(config, listener), props, T0)) {
            TestInputTopic<String, PowerSample> samples = driver.createInputTopic(topics.powerSamples().name(), new StringSerializer(),
                    topics.powerSamples().valueSerde().serializer());
            for (int s = 0; s <= 10; s++) { // the estimate source's modelled CPU power
                samples.pipeInput("rig-1", sample(SourceType.ESTIMATE, "cpu", s, 22.7), T0.plusSeconds(s));
            }
            driver.advanceWallClockTime(Duration.ofSeconds(31)); // quiet: attributed to the last reading
            assertThat(latest.get()).extracting(LiveDevice::device).containsExactly("cpu");
            for (int s = 11; s <= 40; s++) { // then RAPL, once the agent may read it
                samples.pipeInput("rig-1", sample(SourceType.RAPL, "package-0", s, 9.5), T0.plusSeconds(s));
            }
            driver.advanceWallClockTime(Duration.ofSeconds(31));
            assertThat(latest.get()).extracting(LiveDevice::device).containsExactly("package-0");
            assertThat(latest.get()).extracting(LiveDevice::powerWatts).containsExactly(9.5);
        }
    }

    private static PowerSample sample(SourceType source, String device, int second, double watts) {
        return PowerSample.newBuilder().setHost("rig-1").setSource(source).setComponent(Component.CPU_PACKAGE).setDevice(device)
                .setEventTime(T0.plusSeconds(second)).setPowerWatts(watts).build();
    }
}
