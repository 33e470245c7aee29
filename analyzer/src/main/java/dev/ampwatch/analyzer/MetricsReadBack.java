package dev.ampwatch.analyzer;

import dev.ampwatch.analyzer.metrics.RunMetrics;
import dev.ampwatch.analyzer.streams.AnalyzerTopology;
import dev.ampwatch.analyzer.streams.RunEnergyChangelogSeed;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunEnergy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads back the series /metrics exported before this instance had them: a restart, or a partition moving here.
 * <ul>
 *   <li>Finished runs: from the run-energy topic, not the local store. A finished run's series belong to the instance
 *       that processes its host (its host's input partition), but the store is partitioned by run id, so with several
 *       instances a run's store partition is often on another instance: half of the recently finished runs were on
 *       no instance's /metrics (an operator re-check, 2026-12-02). The topic holds every run's latest record; records
 *       are stamped with their attributed time, so a run that ended within the retention is at or after the offset of
 *       {@code now - retention}, and only that tail is read.</li>
 *   <li>Experiments' statistics: those of the statistics partitions this instance is active for, from the local store,
 *       at every rebalance's end; an experiment whose partition moved away is no longer exported here (it kept a
 *       frozen copy beside the new owner's, so a regression alert could go on firing from stale figures).</li>
 * </ul>
 * Best effort: what cannot be read is logged, and live processing goes on registering what it sees. One read at a
 * time on the given executor; requests made while one waits are served by it.
 */
final class MetricsReadBack {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsReadBack.class);
    /** How long one read of the run-energy topic's tail may take before it gives up with what it has. */
    static final Duration READ_LIMIT = Duration.ofMinutes(2);

    private final Map<String, Object> consumerProperties;
    private final String runEnergyTopic;
    private final Deserializer<RunEnergy> runEnergy;
    private final Duration retention;
    private final Clock clock;
    private final RunMetrics metrics;
    private final ExecutorService executor;
    private final AtomicBoolean runsRequested = new AtomicBoolean();
    /** The consumer of the read running now, woken by {@link #close()}; null between reads. */
    private volatile KafkaConsumer<byte[], byte[]> active;
    private volatile boolean closing;
    private final HostInfo self;

    MetricsReadBack(Map<String, ?> clientProperties, String runEnergyTopic, Deserializer<RunEnergy> runEnergy,
                    Duration retention, Clock clock, RunMetrics metrics, ExecutorService executor, HostInfo self) {
        this.self = self;
        this.consumerProperties = consumerProperties(clientProperties);
        this.runEnergyTopic = runEnergyTopic;
        this.runEnergy = runEnergy;
        this.retention = retention;
        this.clock = clock;
        this.metrics = metrics;
        this.executor = executor;
    }

    /** Asks for the finished runs within the retention to be read back (those of hosts not processed here are skipped). */
    void finishedRuns() {
        if (runsRequested.compareAndSet(false, true)) {
            submit(() -> {
                runsRequested.set(false); // a partition gained from now on asks for another read
                readFinishedRuns();
            });
        }
    }

    /** Asks for the experiments' series to be made those of the statistics partitions this instance is active for. */
    void experiments(KafkaStreams streams) {
        submit(() -> reconcileExperiments(streams));
    }

    /**
     * Starts no read any more and ends one running: its consumer is woken, not interrupted ({@code shutdownNow}), since
     * a consumer that is interrupted while it closes logs an ERROR and a stack trace ("Failed to close fetcher"): a
     * rebalance stress (benchmarks/rebalance.sh, 2026-12-03) printed one for most instances it closed, on a normal stop.
     */
    void close() {
        closing = true;
        executor.shutdown();
        KafkaConsumer<byte[], byte[]> consumer = active;
        if (consumer != null) {
            consumer.wakeup();
        }
    }

    /** Whether a read of the run-energy topic is running now (its consumer made). */
    boolean reading() {
        return active != null;
    }

    private void submit(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("closing: the metrics are not read back");
        }
    }

    private void readFinishedRuns() {
        long sinceMs = clock.millis() - retention.toMillis();
        if (closing) {
            return;
        }
        KafkaConsumer<byte[], byte[]> consumer = null;
        try {
            consumer = new KafkaConsumer<>(consumerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            active = consumer;
            if (closing) { // close() came before this consumer was seen: it woke nothing
                return;
            }
            Latest latest = latest(consumer, runEnergyTopic, runEnergy, sinceMs, READ_LIMIT);
            int finished = 0;
            for (RunEnergy run : latest.runs().values()) {
                if (run.getIsFinal()) {
                    metrics.restore(run); // skips runs of hosts processed elsewhere, older than the retention, or tracked
                    finished++;
                }
            }
            LOG.info("finished runs read back from {} since {}: {} (those of this instance's hosts within the retention are on "
                    + "/metrics){}", runEnergyTopic, java.time.Instant.ofEpochMilli(sinceMs), finished,
                    latest.problem() == null ? "" : "; " + latest.problem());
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            LOG.debug("closing: the finished runs of {} are not read back", runEnergyTopic);
        } catch (org.apache.kafka.common.errors.InterruptException e) { // not close()'s doing: it wakes
            LOG.debug("interrupted: the finished runs of {} are not read back", runEnergyTopic);
        } catch (RuntimeException e) {
            if (closing) {
                LOG.debug("closing: the finished runs of {} are not read back", runEnergyTopic, e);
                return;
            }
            LOG.warn("could not read back the finished runs from {} for /metrics (live runs are not affected): {}",
                    runEnergyTopic, e.toString());
        } finally {
            active = null;
            closeQuietly(consumer);
        }
    }

    /**
     * Closes a read-back consumer; on an interrupted thread (not this class's doing: {@link #close()} wakes), at once
     * and without the client's ERROR and stack trace about a fetcher it could not close, the interrupt kept.
     */
    static void closeQuietly(KafkaConsumer<?, ?> consumer) {
        if (consumer == null) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        try {
            consumer.close(interrupted ? Duration.ZERO : Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            LOG.debug("closing the read-back consumer", e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** What a read of the topic's tail found: each run's latest record, and what kept it from being whole (or null). */
    record Latest(Map<String, RunEnergy> runs, String problem) {}

    /**
     * Each run's latest committed record at or after {@code sinceMs} (the records' timestamps), in every partition
     * of {@code topic}; records that do not decode are skipped and counted.
     */
    static Latest latest(Consumer<byte[], byte[]> consumer, String topic, Deserializer<RunEnergy> deserializer, long sinceMs,
                         Duration limit) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        // assigned before their offsets are asked: a read-committed consumer keeps the last stable offsets it is given for
        // assigned partitions, and logged a WARN per partition at every read-back ("no longer assigned") otherwise
        consumer.assign(partitions);
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, Math.max(0, sinceMs)));
        Map<TopicPartition, OffsetAndTimestamp> from = consumer.offsetsForTimes(query, Duration.ofSeconds(30));
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30)); // the LSO: read_committed
        List<TopicPartition> toRead = partitions.stream()
                .filter(tp -> from.get(tp) != null && from.get(tp).offset() < end.get(tp)).toList();
        // each run's latest record kept as bytes and decoded once at the end: decoding every running total held the read
        // to a fifth of a plain consumer's rate (ReadBackBenchmark, docs/benchmarks.md)
        Map<String, byte[]> latest = new LinkedHashMap<>();
        consumer.assign(toRead);
        toRead.forEach(tp -> consumer.seek(tp, from.get(tp).offset()));
        long deadline = System.nanoTime() + limit.toNanos();
        int undecodable = 0;
        Set<TopicPartition> behind = new HashSet<>(toRead);
        String problem = null;
        while (!behind.isEmpty()) {
            if (System.nanoTime() > deadline) {
                problem = "partitions " + behind + " not read to their end within " + limit;
                break;
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() >= end.get(tp) || r.key() == null) {
                    continue;
                }
                String runId = new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
                if (r.value() == null) {
                    latest.remove(runId); // a tombstone: the run was deleted
                } else if (singleObject(r.value())) {
                    latest.put(runId, r.value());
                } else {
                    undecodable++; // no Avro record: the run's record before it stands
                }
            }
            behind.removeIf(tp -> consumer.position(tp, Duration.ofSeconds(30)) >= end.get(tp));
        }
        Map<String, RunEnergy> runs = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : latest.entrySet()) {
            try {
                runs.put(e.getKey(), deserializer.deserialize(topic, e.getValue()));
            } catch (RuntimeException ex) {
                undecodable++;
            }
        }
        if (problem == null && undecodable > 0) {
            problem = undecodable + " records that are no run energy skipped";
        }
        return new Latest(runs, problem);
    }

    /** Avro's single-object encoding (AvroSerde): C3 01, then an 8-byte schema fingerprint. */
    private static boolean singleObject(byte[] value) {
        return value.length > 10 && value[0] == (byte) 0xC3 && value[1] == (byte) 0x01;
    }

    /**
     * The experiments of the statistics partitions this instance is active for (the local store without standbys), the
     * most recently computed registered last so the bounded gauges keep the newest; the others are removed.
     */
    private void reconcileExperiments(KafkaStreams streams) {
        if (closing) {
            return;
        }
        try {
            List<ExperimentStats> stats = new ArrayList<>();
            try (var it = streams.store(StoreQueryParameters.fromNameAndType(AnalyzerTopology.EXPERIMENT_STATS_STORE,
                    QueryableStoreTypes.<String, ExperimentStats>keyValueStore())).all()) {
                it.forEachRemaining(kv -> {
                    if (kv.value != null) {
                        stats.add(kv.value);
                    }
                });
            }
            stats.sort(Comparator.comparing(ExperimentStats::getComputedAt));
            metrics.experimentsHere(stats, id -> elsewhere(streams, id));
            LOG.info("experiments' statistics on /metrics: {} experiments, those of the statistics partitions this instance has",
                    stats.size());
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
            // another rebalance began before this read (a review counted ~60 WARNs an instance around rebalances): the
            // next time the statistics are running they are read again
            LOG.info("experiments' statistics not read back yet, the statistics are rebalancing: {}", e.getMessage());
        } catch (RuntimeException e) {
            if (closing) { // the stores closed under it
                LOG.debug("closing: the experiments' statistics are not read back", e);
                return;
            }
            LOG.warn("could not read back the experiments' statistics from the local store: {}", e.toString());
        }
    }

    /** Whether Kafka Streams says another instance is active for the experiment's statistics now. */
    private boolean elsewhere(KafkaStreams streams, String experimentId) {
        KeyQueryMetadata owner = streams.queryMetadataForKey(AnalyzerTopology.EXPERIMENT_STATS_STORE, experimentId,
                Serdes.String().serializer());
        return owner != null && !owner.equals(KeyQueryMetadata.NOT_AVAILABLE) && owner.activeHost() != null
                && !owner.activeHost().equals(self);
    }

    /** The read-committed consumer settings (RunEnergyChangelogSeed's), with a client id of its own. */
    private static Map<String, Object> consumerProperties(Map<String, ?> clientProperties) {
        Map<String, Object> c = RunEnergyChangelogSeed.readCommitted(clientProperties);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, (clientProperties.get(ConsumerConfig.CLIENT_ID_CONFIG) == null ? "ampwatch-analyzer"
                : String.valueOf(clientProperties.get(ConsumerConfig.CLIENT_ID_CONFIG))) + "-metrics-read-back");
        return c;
    }
}
