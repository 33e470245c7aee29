package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.schema.kafka.AvroSerde;
import dev.ampwatch.schema.kafka.Topics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Materialized;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.analyzer.state.ExperimentRuns;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * The analyzer's topology: host-keyed training events and power samples (co-partitioned) meet in one
 * stateful step per host ({@link HostProcessor}); run energy goes to its topic, rejected records to the
 * dead-letter topic. Every stateful piece is named (see the golden test of {@code describe()}).
 */
public final class AnalyzerTopology {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AnalyzerTopology.class);
    /** Latest run energy per run id, read back from the output topic; answers the REST API. */
    public static final String RUN_ENERGY_STORE = "run-energy-store";
    /** Statistics per experiment id; answers {@code /experiments/{id}}. */
    public static final String EXPERIMENT_STATS_STORE = "experiment-stats-store";

    private AnalyzerTopology() {}

    public static Topology buildTopology(AnalyzerConfig config, AnalyzerListener listener) {
        return buildTopology(config, listener, null);
    }

    /**
     * @param receivingFor since when the Kafka Streams consumer with a client id has been receiving
     *     (Receiving), or null; null for none: always receiving (tests)
     */
    public static Topology buildTopology(AnalyzerConfig config, AnalyzerListener listener,
                                         java.util.function.Function<String, Receiving> receivingFor) {
        Topics topics = config.topics();
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(new TimelineStoreBuilder(HostProcessor.TIMELINE_STORE, TimelineCache.Factory.of(config)));

        // both inputs are keyed by host with the same partition count (checked at start): one task sees
        // both of a host's streams, and no repartition hop puts one behind the other
        KStream<String, HostInput> events = builder
                .stream(topics.trainingEvents().name(), Consumed.with(topics.trainingEvents().keySerde(),
                        topics.trainingEvents().valueSerde()).withName("training-events")
                        .withTimestampExtractor(new EventTimeExtractor(config.maxFutureSkew())))
                .mapValues(HostInput.Event::new, Named.as("wrap-events"));
        // samples keep their bytes: one waiting in the grace buffer at a commit is stored as it came
        KStream<String, HostInput> samples = builder
                .stream(topics.powerSamples().name(), Consumed.with(topics.powerSamples().keySerde(),
                        SampleInputSerde.of(topics.powerSamples().valueSerde())).withName("power-samples")
                        .withTimestampExtractor(new EventTimeExtractor(config.maxFutureSkew())));

        events.merge(samples, Named.as("host-inputs"))
                .process(() -> new HostProcessor(config, listener, receivingFor), Named.as("attribute-energy"), HostProcessor.TIMELINE_STORE)
                .split(Named.as("route-"))
                .branch((k, v) -> v instanceof AnalyzerOutput.Energy, Branched.withConsumer(energy -> {
                    KStream<String, RunEnergy> runs = energy
                            .mapValues(v -> ((AnalyzerOutput.Energy) v).runEnergy(), Named.as("unwrap-energy"))
                            .peek((k, v) -> listener.onRunEnergy(v), Named.as("energy-metrics"));
                    runs.to(topics.runEnergy().name(), Produced.with(topics.runEnergy().keySerde(),
                            topics.runEnergy().valueSerde()).withName("run-energy"));
                }, "energy"))
                .defaultBranch(Branched.withConsumer(dead -> dead
                        .processValues(() -> new DeadLetterHeaders(listener), Named.as("dead-letter-headers"))
                        .to(topics.deadLetters(), Produced.with(Serdes.String(), Serdes.ByteArray())
                                .withName("dead-letters")), "dead"));
        // the statistics take their final runs from the table, as on the direct engine: a tombstone (a run deleted by hand)
        // is seen there, and the statistics see only what was committed to run-energy
        KStream<String, RunEnergy> changes = builder.table(topics.runEnergy().name(), Consumed.with(topics.runEnergy().keySerde(),
                        topics.runEnergy().valueSerde()).withName("run-energy-table"),
                Materialized.<String, RunEnergy, KeyValueStore<Bytes, byte[]>>as(RUN_ENERGY_STORE)
                        .withKeySerde(topics.runEnergy().keySerde()).withValueSerde(topics.runEnergy().valueSerde()))
                .toStream(Named.as("run-energy-changes"));
        experimentStatistics(builder, changes, config, listener);
        return builder.build(optimizations());
    }

    /**
     * The statistics side of the direct engine ({@link dev.ampwatch.analyzer.direct.DirectEngine}), which
     * writes run energy itself: the run-energy table (answers the REST API) and, from its changes, the
     * experiments' statistics, as {@link #buildTopology} derives them.
     */
    public static Topology statisticsTopology(AnalyzerConfig config, AnalyzerListener listener) {
        Topics topics = config.topics();
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, RunEnergy> runs = builder.table(topics.runEnergy().name(), Consumed.with(topics.runEnergy().keySerde(),
                        topics.runEnergy().valueSerde()).withName("run-energy-table"),
                Materialized.<String, RunEnergy, KeyValueStore<Bytes, byte[]>>as(RUN_ENERGY_STORE)
                        .withKeySerde(topics.runEnergy().keySerde()).withValueSerde(topics.runEnergy().valueSerde()))
                .toStream(Named.as("run-energy-changes"));
        experimentStatistics(builder, runs, config, listener);
        return builder.build(statisticsOptimizations());
    }

    /**
     * The statistics app of the direct engine (at least once) keeps no changelog of the run-energy table: the store
     * restores from the run-energy topic itself, which only the exactly-once attribution writes (fenced). With a
     * changelog of its own, an instance paused past its session timeout (a GC or VM stall; a review's SIGSTOP of 65 s)
     * wrote, when it resumed, the running total it held into that changelog after the new owner's final record: no
     * producer fencing at least once, and the changelog is compacted, so {@code /runs} showed the run RUNNING at 27 % of
     * its joules on every instance, for good. What the store holds is now the topic's latest record of each run, on
     * every restore. (The trap of {@link #optimizations()} is an exactly-once one: a store wiped by a dirty close; at
     * least once nothing wipes it.)
     */
    public static Properties statisticsOptimizations() {
        Properties p = new Properties();
        p.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.REUSE_KTABLE_SOURCE_TOPICS);
        return p;
    }

    /** The stores of {@link #statisticsTopology} that restore from their source topic (no changelog of their own). */
    public static final Set<String> STATISTICS_SOURCE_BACKED_STORES = Set.of(RUN_ENERGY_STORE);

    /**
     * No optimization: the run-energy table keeps a changelog of its own ({@link #RUN_ENERGY_CHANGELOG_SUFFIX}) instead
     * of restoring from its source topic. A source-topic store restores only up to the group's committed offset, and
     * Kafka Streams 4.3 reads a committed offset the coordinator cannot give just then (a broker restarting) as 0
     * (KAFKA-20416): after a broker outage longer than {@code max.block.ms} had failed a commit under exactly-once, the
     * wiped store was declared restored while empty and went on from the committed offset, so {@code /runs} and the
     * restored {@code /metrics} series lost every run finished before the outage for good. A changelog restores to its
     * end offset, whatever the group's offsets. The price: each running total is written twice (compacted).
     */
    private static Properties optimizations() {
        Properties p = new Properties();
        p.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.NO_OPTIMIZATION);
        return p;
    }

    /** The run-energy store's changelog: {@code <application id>} followed by this. */
    public static final String RUN_ENERGY_CHANGELOG_SUFFIX = "-" + RUN_ENERGY_STORE + "-changelog";

    /**
     * Final runs and run exclusions, repartitioned by experiment, are kept one entry per run and become the experiment's
     * statistics (topic and store) at each final run and each exclusion ({@link ExperimentRunsProcessor}).
     *
     * @param runs the changes of the run-energy table: running totals, final runs, tombstones
     */
    private static void experimentStatistics(StreamsBuilder builder, KStream<String, RunEnergy> runs, AnalyzerConfig config,
                                             AnalyzerListener listener) {
        Topics topics = config.topics();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ExperimentRunsProcessor.RUNS_STORE),
                Serdes.String(), experimentRunsSerde()).withCachingDisabled());
        builder.addStateStore(Stores.timestampedKeyValueStoreBuilder(Stores.persistentTimestampedKeyValueStore(EXPERIMENT_STATS_STORE),
                Serdes.String(), topics.experimentStats().valueSerde()).withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ExperimentRunsProcessor.EXCLUSIONS_STORE),
                Serdes.String(), topics.runExclusions().valueSerde()).withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RunsToExperiments.STORE),
                Serdes.String(), Serdes.String()).withCachingDisabled());
        // a tombstone on run-energy (a run deleted by hand) becomes an exclusion of the run: its experiment is remembered
        // from its final record (before 2026-12-03 it stayed in its experiment's statistics; before 2026-12-02 it stopped them)
        KStream<String, SpecificRecord> finals = runs.process(() -> new RunsToExperiments(topics.runEnergy().name()),
                Named.as("key-by-experiment"), RunsToExperiments.STORE, RUN_ENERGY_STORE);
        // exclusions, from ampwatch exclude (or any producer): one without a run or an experiment says nothing
        KStream<String, SpecificRecord> exclusions = builder.stream(topics.runExclusions().name(),
                        Consumed.with(topics.runExclusions().keySerde(), topics.runExclusions().valueSerde()).withName("run-exclusions"))
                .filter((k, v) -> v != null && v.getRunId() != null && !v.getRunId().isEmpty() && v.getExperimentId() != null
                        && !v.getExperimentId().isEmpty(), Named.as("exclusions-with-a-run"))
                .map((k, v) -> KeyValue.<String, SpecificRecord>pair(v.getExperimentId(), v), Named.as("exclusions-by-experiment"));
        finals.merge(exclusions, Named.as("statistics-inputs"))
                .repartition(Repartitioned.<String, SpecificRecord>as("runs-by-experiment")
                        .withKeySerde(Serdes.String()).withValueSerde(StatisticsInputSerde.serde()))
                .process(() -> new ExperimentRunsProcessor(config), Named.as("experiment-statistics"),
                        ExperimentRunsProcessor.RUNS_STORE, ExperimentRunsProcessor.EXCLUSIONS_STORE, EXPERIMENT_STATS_STORE)
                .peek((k, v) -> listener.onExperimentStats(v), Named.as("experiment-metrics"))
                .to(topics.experimentStats().name(), Produced.with(topics.experimentStats().keySerde(),
                        topics.experimentStats().valueSerde()).withName("experiment-stats"));
    }

    /** What the reason of a trimmed record says (the report recomputes such statistics from the runs). */
    private static final String TRIMMED = "more than the";

    /** Whether {@code stats} went out trimmed by {@link #fitting}: analyses were left out for the broker's size limit. */
    public static boolean trimmed(ExperimentStats stats) {
        return stats.getNotComputed().stream().anyMatch(n -> n.getReason() != null && n.getReason().contains(TRIMMED)
                && n.getReason().contains("ampwatch report"));
    }

    /**
     * Statistics the broker takes: under exactly-once a record the broker refuses aborts the transaction
     * whatever a production exception handler answers, and the same record then fails every retry. Larger
     * ones (an experiment of hundreds of configurations) keep their groups and configurations and say in
     * {@code not_computed} what was left out and why; {@code ampwatch report} computes them from the experiment's
     * final runs ({@link #trimmed}).
     */
    static ExperimentStats fitting(ExperimentStats stats, int maxBytes) {
        byte[] bytes = dev.ampwatch.schema.kafka.AmpwatchSerdes.experimentStats().encode(stats);
        if (bytes.length <= maxBytes) {
            return stats;
        }
        String why = "the statistics came to " + bytes.length + " bytes, " + TRIMMED + " " + maxBytes + " the broker and producer take "
                + "(topic max.message.bytes, producer max.request.size): left out here; ampwatch report --experiment computes them";
        ExperimentStats trimmed = ExperimentStats.newBuilder(stats).setTests(List.of()).setComparisons(List.of()).setAnova(List.of())
                .setRegressions(List.of()).setNotComputed(List.of(new dev.ampwatch.schema.NotComputed(
                        "tests, comparisons, ANOVA and regressions", null, why))).build();
        if (dev.ampwatch.schema.kafka.AmpwatchSerdes.experimentStats().encode(trimmed).length > maxBytes) {
            trimmed = ExperimentStats.newBuilder(trimmed).setGroups(List.of()).setConfigurations(List.of())
                    .setNotComputed(List.of(new dev.ampwatch.schema.NotComputed("all", null, why))).build();
        }
        LOG.warn("experiment {}: {}", stats.getExperimentId(), why);
        return trimmed;
    }

    /**
     * The stored runs of each experiment, readable in every layout an earlier analyzer wrote (its
     * changelog restores them after an upgrade): the internal schema's versions are kept as resources.
     */
    static AvroSerde<ExperimentRuns> experimentRunsSerde() {
        return StateSchemas.serde(ExperimentRuns.class, ExperimentRuns.getClassSchema(), "ExperimentRuns.v1.avsc",
                "ExperimentRuns.v2.avsc", "ExperimentRuns.v3.avsc", "ExperimentRuns.v4.avsc", "ExperimentRuns.v5.avsc", "ExperimentRuns.v6.avsc", "ExperimentRuns.v7.avsc");
    }

    /** The internal topics Kafka Streams would create for {@code topology}, to create before it starts. */
    public static List<NewTopic> internalTopics(AnalyzerConfig config, Topology topology, int partitions,
                                                Map<String, ?> clientProperties) {
        return internalTopics(config, topology, Set.of(), partitions, clientProperties);
    }

    /** As above, for a topology whose {@code sourceBackedStores} restore from their source topics. */
    public static List<NewTopic> internalTopics(AnalyzerConfig config, Topology topology, Set<String> sourceBackedStores, int partitions,
                                                Map<String, ?> clientProperties) {
        return InternalTopics.of(config.applicationId(), topology.describe(), config.topics(), sourceBackedStores,
                partitions, replicationFactor(clientProperties));
    }

    /** The replication factor of internal topics ({@code replication.factor}); empty: the broker's default. */
    public static Optional<Short> replicationFactor(Map<String, ?> clientProperties) {
        Object rf = clientProperties.get(StreamsConfig.REPLICATION_FACTOR_CONFIG);
        return rf == null || Integer.parseInt(rf.toString()) < 1 ? Optional.empty() : Optional.of(Short.parseShort(rf.toString()));
    }

    /** Kafka Streams settings; {@code clientProperties} (bootstrap servers, SASL/TLS, overrides) win. */
    public static Properties streamsProperties(AnalyzerConfig config, Map<String, ?> clientProperties,
                                               AnalyzerListener listener) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        p.putAll(optimizations());
        // the default (0): a task takes records in timestamp order across both inputs whenever both have
        // data fetched or waiting on the broker, so a backlog is read in event-time order; what a live race
        // leaves is the watermark's business (HostTimeline), correctness does not depend on this setting
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0");
        // exactly-once's default is 100 ms; live run energy asks for its commit itself (HostProcessor)
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, HostStep.BACKLOG_COMMIT_MS);
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        p.put(DeadLetterHandler.TOPIC_CONFIG, config.topics().deadLetters());
        p.put(DeadLetterHandler.LISTENER_CONFIG, listener);
        p.putAll(clientProperties);
        return p;
    }

    /** Puts the reason and origin of a dead letter in its headers; the value is the original bytes. */
    private static final class DeadLetterHeaders implements FixedKeyProcessor<String, AnalyzerOutput, byte[]> {
        private final AnalyzerListener listener;
        private FixedKeyProcessorContext<String, byte[]> context;

        DeadLetterHeaders(AnalyzerListener listener) {
            this.listener = listener;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, byte[]> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<String, AnalyzerOutput> record) {
            AnalyzerOutput.DeadLetter dead = (AnalyzerOutput.DeadLetter) record.value();
            String kind = dead.kind().header();
            DeadLetters.describe(record.headers(), kind, dead.reason(), dead.sourceTopic());
            listener.onDeadLetter(dead.sourceTopic(), kind);
            context.forward(record.withValue(dead.value()));
        }
    }
}
