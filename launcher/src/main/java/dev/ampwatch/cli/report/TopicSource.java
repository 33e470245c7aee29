package dev.ampwatch.cli.report;

import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads an experiment from the analyzer's output topics: its latest statistics from the experiment-stats
 * topic, and its runs from the run-energy topic (final records, and the running totals still there: the
 * topic is compacted, so older running totals may be gone). Each topic is read from its beginning to its
 * end as of the start (committed records only), without a consumer group, so it changes no offsets.
 */
final class TopicSource {
    private final Map<String, Object> client;
    private final Topics topics;
    private final Duration timeout;

    TopicSource(Map<String, Object> client, Topics topics, Duration timeout) {
        this.client = client;
        this.topics = topics;
        this.timeout = timeout;
    }

    /** The latest statistics of {@code experimentId}, or null when the topic has none. */
    ExperimentStats stats(String experimentId) {
        return stats(java.util.Set.of(experimentId)).get(experimentId);
    }

    /** The latest statistics of each of {@code experimentIds} the topic has, in one read of it. */
    Map<String, ExperimentStats> stats(java.util.Set<String> experimentIds) {
        Map<String, ExperimentStats> latest = new HashMap<>();
        readAll(topics.experimentStats().name(), topics.experimentStats().valueSerde().deserializer(), r -> {
            if (experimentIds.contains(r.key())) {
                latest.put(r.key(), r.value()); // a null value (tombstone) forgets it
            }
        });
        latest.values().removeIf(java.util.Objects::isNull);
        return latest;
    }

    /** The experiment's runs: final records by run id, and running totals by run id. */
    ReportData withRuns(String experimentId, ExperimentStats stats, String source) {
        Map<String, RunEnergy> finals = new LinkedHashMap<>();
        Map<String, List<RunEnergy>> running = new HashMap<>();
        readAll(topics.runEnergy().name(), topics.runEnergy().valueSerde().deserializer(), r -> {
            RunEnergy e = r.value();
            if (e != null && experimentId.equals(e.getExperimentId())) {
                if (e.getIsFinal()) {
                    finals.put(e.getRunId(), e);
                } else {
                    running.computeIfAbsent(e.getRunId(), k -> new ArrayList<>()).add(e);
                }
            }
        });
        List<RunEnergy> runs = new ArrayList<>(finals.values());
        runs.sort(Comparator.comparing(RunEnergy::getStartTime).thenComparing(RunEnergy::getRunId));
        return new ReportData(stats, runs, running, source);
    }

    /**
     * The experiment of each of {@code runIds} whose latest record on the run-energy topic is a run's (final or running);
     * one whose latest record is a tombstone (deleted by hand) maps to null.
     */
    Map<String, String> experimentsOf(java.util.Collection<String> runIds) {
        Map<String, String> out = new LinkedHashMap<>();
        readAll(topics.runEnergy().name(), topics.runEnergy().valueSerde().deserializer(), r -> {
            if (runIds.contains(r.key())) {
                out.put(r.key(), r.value() == null ? null : r.value().getExperimentId());
            }
        });
        return out;
    }

    /**
     * The latest statement on the run-exclusions topic of each of {@code runIds} that has one (none when the topic is
     * missing). A record that does not decode is skipped (the analyzer sets it aside as a dead letter) and named in
     * {@code undecodable}.
     */
    Map<String, dev.ampwatch.schema.RunExclusion> exclusionsOf(java.util.Collection<String> runIds, List<String> undecodable) {
        Map<String, dev.ampwatch.schema.RunExclusion> out = new LinkedHashMap<>();
        Deserializer<dev.ampwatch.schema.RunExclusion> decode = topics.runExclusions().valueSerde().deserializer();
        String topic = topics.runExclusions().name();
        try {
            readAll(topic, new org.apache.kafka.common.serialization.ByteArrayDeserializer(), r -> {
                if (!runIds.contains(r.key()) || r.value() == null) {
                    return;
                }
                try {
                    out.put(r.key(), decode.deserialize(topic, r.value()));
                } catch (org.apache.kafka.common.errors.SerializationException e) {
                    undecodable.add(topic + "-" + r.partition() + "@" + r.offset() + " (key " + r.key() + "): " + e.getMessage());
                }
            });
        } catch (IllegalStateException e) {
            if (!String.valueOf(e.getMessage()).contains("does not exist")) {
                throw e;
            }
        }
        return out;
    }

    private <V> void readAll(String topic, Deserializer<V> values, Consumer<ConsumerRecord<String, V>> each) {
        Map<String, Object> props = new HashMap<>(client);
        props.put("group.id", "ampwatch-report-" + UUID.randomUUID()); // never committed: assign(), no auto-commit
        props.put("enable.auto.commit", "false");
        props.put("isolation.level", "read_committed");
        props.put("allow.auto.create.topics", "false"); // a reader creates nothing (a topic made so would not be compacted)
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, timeout);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw new IllegalStateException("Kafka at " + client.get("bootstrap.servers") + " did not answer within "
                        + dev.ampwatch.cli.DurationConverter.text(timeout) + " (asked for topic " + topic + "): is it running, is --bootstrap-servers right?", e);
            }
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist on " + client.get("bootstrap.servers")
                        + ": has an analyzer run against this cluster (and with this --topic-prefix)?");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            Instant deadline = Instant.now().plus(timeout);
            while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < end.get(p))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + dev.ampwatch.cli.DurationConverter.text(timeout));
                }
                consumer.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }
}
