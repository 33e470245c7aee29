package dev.ampwatch.bench;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.streams.AnalyzerTopology;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One stream thread's share of the whole analyzer topology (serdes, the RocksDB-backed stores, the
 * grace buffer, emission), driven by {@link TopologyTestDriver}: power readings of 8 GPUs and a CPU
 * package for 1 or 100 hosts, 1 run per host. No broker: this bounds what one task can do.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TopologyBenchmark {
    static final Instant T0 = Instant.parse("2026-11-23T00:00:00Z");
    static final int DEVICES = 9;

    @Param({"1", "100"})
    int hosts;

    private Path stateDir;
    private TopologyTestDriver driver;
    private TestInputTopic<String, PowerSample> samples;
    private long tick;
    private String[] hostNames;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        stateDir = Files.createTempDirectory("ampwatch-bench");
        Topics topics = Topics.defaults();
        AnalyzerConfig config = AnalyzerConfig.defaults().withStateDir(stateDir);
        Properties props = AnalyzerTopology.streamsProperties(config, Map.of("bootstrap.servers", "unused:9092"),
                AnalyzerListener.NONE);
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0");
        driver = new TopologyTestDriver(AnalyzerTopology.buildTopology(config, AnalyzerListener.NONE), props, T0);
        samples = driver.createInputTopic(topics.powerSamples().name(), new StringSerializer(),
                topics.powerSamples().valueSerde().serializer());
        TestInputTopic<String, TrainingEvent> events = driver.createInputTopic(topics.trainingEvents().name(),
                new StringSerializer(), topics.trainingEvents().valueSerde().serializer());
        hostNames = new String[hosts];
        for (int h = 0; h < hosts; h++) {
            hostNames[h] = "rig-" + h;
            List<String> gpus = new ArrayList<>();
            for (int g = 0; g < DEVICES - 1; g++) {
                gpus.add("gpu" + g);
            }
            events.pipeInput("run-" + h, TrainingEvent.newBuilder().setRunId("run-" + h).setExperimentId("bench")
                    .setHost(hostNames[h]).setDevices(gpus).setEventTime(T0).setKind(EventKind.RUN_STARTED).build(), T0);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        driver.close();
        try (var paths = Files.walk(stateDir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One power reading; hosts and devices in turn, each device every 100 ms of event time. */
    @Benchmark
    public void pipeOneReading() {
        tick++;
        int host = (int) (tick % hosts);
        long round = tick / hosts;
        int device = (int) (round % DEVICES);
        Instant t = T0.plusNanos((round / DEVICES) * 100_000_000L + device * 1_000_000L + 1_000_000L);
        samples.pipeInput(hostNames[host], PowerSample.newBuilder().setHost(hostNames[host]).setEventTime(t)
                .setSource(device < DEVICES - 1 ? SourceType.NVML : SourceType.RAPL)
                .setComponent(device < DEVICES - 1 ? Component.GPU : Component.CPU_PACKAGE)
                .setDevice(device < DEVICES - 1 ? "gpu" + device : "package-0")
                .setPowerWatts(200.0 + (tick % 17)).build(), t);
    }

}
