package dev.ampwatch.analyzer.accuracy;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.streams.AnalyzerTopology;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Drives the real analyzer topology with a {@link TopologyTestDriver}, one record at a time in the order
 * given, with microsecond-exact event times relative to {@link #T0}. Collects every run-energy record.
 */
final class TopologyHarness implements AutoCloseable {
    static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    static final String HOST = "rig-1";
    static final Duration GRACE = Duration.ofSeconds(2);
    static final Duration MAX_GAP = Duration.ofSeconds(10);

    private final TopologyTestDriver driver;
    private final AnalyzerConfig config;
    private final TestInputTopic<String, PowerSample> samples;
    private final TestInputTopic<String, TrainingEvent> events;
    private final TestOutputTopic<String, RunEnergy> energy;
    private final TestOutputTopic<String, byte[]> dead;
    private final TestOutputTopic<String, dev.ampwatch.schema.ExperimentStats> stats;
    private final List<RunEnergy> outputs = new ArrayList<>();

    TopologyHarness(String name) {
        this(defaultConfig(name));
    }

    TopologyHarness(AnalyzerConfig config) {
        this.config = config;
        Topics topics = config.topics();
        Properties props = AnalyzerTopology.streamsProperties(config, Map.of("bootstrap.servers", "unused:9092"),
                AnalyzerListener.NONE);
        // the driver pipes one record at a time, in the order given: no partition ever lags behind
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0");
        driver = new TopologyTestDriver(AnalyzerTopology.buildTopology(config, AnalyzerListener.NONE), props, T0);
        samples = driver.createInputTopic(topics.powerSamples().name(), new StringSerializer(),
                topics.powerSamples().valueSerde().serializer());
        events = driver.createInputTopic(topics.trainingEvents().name(), new StringSerializer(),
                topics.trainingEvents().valueSerde().serializer());
        energy = driver.createOutputTopic(topics.runEnergy().name(), new StringDeserializer(),
                topics.runEnergy().valueSerde().deserializer());
        dead = driver.createOutputTopic(topics.deadLetters(), new StringDeserializer(), Serdes.ByteArray().deserializer());
        stats = driver.createOutputTopic(topics.experimentStats().name(), new StringDeserializer(),
                topics.experimentStats().valueSerde().deserializer());
    }

    /** A run exclusion (ampwatch exclude's record) of {@code run} of experiment "exp", stated at {@code atMillis}. */
    void exclude(String run, boolean excluded, String reason, long atMillis) {
        driver.createInputTopic(config.topics().runExclusions().name(), new StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())
                .pipeInput(run, config.topics().runExclusions().valueSerde().serializer().serialize("t",
                        dev.ampwatch.schema.RunExclusion.newBuilder().setRunId(run).setExperimentId("exp").setExcluded(excluded)
                                .setReason(reason).setStatedAt(java.time.Instant.ofEpochMilli(atMillis)).setStatedBy(null).build()),
                        java.time.Instant.ofEpochMilli(atMillis));
    }

    /** Raw bytes on the run-exclusions topic (a record that does not decode). */
    void excludeRaw(String key, byte[] value, long atMillis) {
        driver.createInputTopic(config.topics().runExclusions().name(), new StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())
                .pipeInput(key, value, java.time.Instant.ofEpochMilli(atMillis));
    }

    /** A tombstone on run-energy: {@code run} deleted by hand. */
    void deleteRun(String run, long atMillis) {
        driver.createInputTopic(config.topics().runEnergy().name(), new StringSerializer(), config.topics().runEnergy().valueSerde().serializer())
                .pipeInput(run, null, java.time.Instant.ofEpochMilli(atMillis));
    }

    /** Every experiment-statistics record so far. */
    List<dev.ampwatch.schema.ExperimentStats> experimentStats() {
        return stats.readValuesToList();
    }

    /** A run started with a configuration naming its precision (what the statistics group by). */
    void startWithPrecision(String run, long tUs, String precision) {
        pipe(TrainingEvent.newBuilder(event(run, tUs, EventKind.RUN_STARTED, null, List.of()))
                .setConfig(dev.ampwatch.schema.RunConfig.newBuilder().setPrecision(precision).setBatchSize(128)
                        .setHiddenUnits(List.of(256, 128)).setEpochs(1).setLearningRate(0.05).setOptimizer("sgd-momentum")
                        .setDataset("synthetic").setTrainSamples(1000).setParameterCount(1000).setDeviceName("cpu")
                        .setBackend("cpu").build())
                .build());
    }

    static AnalyzerConfig defaultConfig(String name) {
        return AnalyzerConfig.defaults()
                .withApplicationId("ampwatch-accuracy-" + name)
                .withStateDir(Path.of("target", "streams-state", "accuracy-" + name))
                .withTiming(GRACE, MAX_GAP, Duration.ofSeconds(1))
                .withInputIdle(Duration.ZERO); // never declare an input idle: attribution by what the inputs show alone
    }

    static Instant at(long us) {
        return T0.plus(us, ChronoUnit.MICROS);
    }

    static long us(double seconds) {
        return Math.round(seconds * 1e6);
    }

    // --- samples -------------------------------------------------------------------------------------

    static PowerSample.Builder sample(Component component, String device, long tUs) {
        SourceType source = switch (component) {
            case GPU -> SourceType.NVML;
            case WALL -> SourceType.WATTMETER;
            default -> SourceType.RAPL;
        };
        return PowerSample.newBuilder().setHost(HOST).setSource(source).setComponent(component).setDevice(device)
                .setEventTime(at(tUs));
    }

    void pipe(PowerSample s) {
        samples.pipeInput(s.getHost(), s, s.getEventTime());
    }

    void power(Component component, String device, long tUs, double watts) {
        pipe(sample(component, device, tUs).setPowerWatts(watts).setPowerKind(PowerKind.INSTANT).build());
    }

    /** Instant power of {@code watts} from one device at every whole second of {@code [fromSecond, toSecond]}. */
    void powerEachSecond(Component component, String device, int fromSecond, int toSecond, double watts) {
        for (int s = fromSecond; s <= toSecond; s++) {
            power(component, device, us(s), watts);
        }
    }

    void counter(Component component, String device, long tUs, long energyUj, Long rangeUj) {
        pipe(sample(component, device, tUs).setEnergyUj(energyUj).setEnergyRangeUj(rangeUj).build());
    }

    void windowAverage(Component component, String device, long tUs, double watts, int windowMs) {
        pipe(sample(component, device, tUs).setPowerWatts(watts).setPowerKind(PowerKind.WINDOW_AVERAGE)
                .setPowerWindowMs(windowMs).build());
    }

    // --- training events -----------------------------------------------------------------------------

    static TrainingEvent event(String run, long tUs, EventKind kind, Integer epoch, List<String> devices) {
        return TrainingEvent.newBuilder().setRunId(run).setExperimentId("exp").setHost(HOST)
                .setDevices(devices == null ? List.of() : devices).setEventTime(at(tUs)).setKind(kind).setEpoch(epoch)
                .setMetrics(kind == EventKind.EPOCH_COMPLETED ? EpochMetrics.newBuilder().setLoss(1).setSamples(100)
                        .setSamplesPerSecond(20).setDurationMs(1000).build() : null)
                .build();
    }

    void pipe(TrainingEvent e) {
        events.pipeInput(e.getHost(), e, e.getEventTime());
    }

    void start(String run, long tUs, String... gpus) {
        pipe(event(run, tUs, EventKind.RUN_STARTED, null, List.of(gpus)));
    }

    void complete(String run, long tUs) {
        pipe(event(run, tUs, EventKind.RUN_COMPLETED, null, null));
    }

    // --- results -------------------------------------------------------------------------------------

    /** Every run-energy record so far, in output order. */
    List<RunEnergy> outputs() {
        outputs.addAll(energy.readValuesToList());
        return outputs;
    }

    /** The final record of each run; fails if a run has more than one. */
    Map<String, RunEnergy> finals() {
        Map<String, RunEnergy> finals = new LinkedHashMap<>();
        for (RunEnergy r : outputs()) {
            if (r.getIsFinal() && finals.put(r.getRunId(), r) != null) {
                throw new AssertionError("two final records for run " + r.getRunId());
            }
        }
        return finals;
    }

    RunEnergy finalOf(String run) {
        RunEnergy r = finals().get(run);
        if (r == null) {
            throw new AssertionError("no final record for run " + run + "; outputs: " + outputs());
        }
        return r;
    }

    List<TestRecord<String, byte[]>> deadLetters() {
        return dead.readRecordsToList();
    }

    @Override
    public void close() {
        driver.close();
    }
}
