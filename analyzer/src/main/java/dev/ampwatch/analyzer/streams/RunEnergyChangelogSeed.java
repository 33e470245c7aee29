package dev.ampwatch.analyzer.streams;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills a run-energy store changelog (the first start after an upgrade from an analyzer whose store restored from the
 * run-energy topic itself) with the latest committed record of each run it lacks, partition for partition.
 * Without it Kafka Streams, finding no offset of the new changelog in the local store, wipes it under exactly-once,
 * restores the empty changelog and goes on from the group's committed offset: {@code /runs} would lose every run
 * finished before the upgrade, as the broker outage of KAFKA-20416 did. A fresh deployment copies nothing.
 */
public final class RunEnergyChangelogSeed {
    private static final Logger LOG = LoggerFactory.getLogger(RunEnergyChangelogSeed.class);

    private RunEnergyChangelogSeed() {}

    /**
     * A consumer's connection and security settings of {@code clientProperties}, without a group (partitions assigned:
     * group.protocol=streams is not a consumer's), reading committed records only, committing nothing.
     */
    public static Map<String, Object> readCommitted(Map<String, ?> clientProperties) {
        Map<String, Object> c = new HashMap<>(clientProperties);
        c.keySet().removeIf(k -> !org.apache.kafka.clients.consumer.ConsumerConfig.configNames().contains(k) || k.startsWith("group."));
        c.put("isolation.level", "read_committed");
        c.put("enable.auto.commit", "false");
        return c;
    }

    /** The latest committed record of each key of {@code topic}, per partition, read to the topic's end. */
    static Map<TopicPartition, Map<Bytes, ConsumerRecord<byte[], byte[]>>> latestCommitted(Map<String, ?> clientProperties, String topic) {
        Map<String, Object> c = readCommitted(clientProperties);
        Map<TopicPartition, Map<Bytes, ConsumerRecord<byte[], byte[]>>> latest = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30)); // the LSO: read_committed
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(30)) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within 5 minutes");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() != null && r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        latest.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new LinkedHashMap<>())
                                .put(Bytes.wrap(r.key()), r);
                    }
                }
            }
        }
        return latest;
    }

    /** {@code clientProperties}' producer settings, not transactional. */
    static Map<String, Object> plainProducer(Map<String, ?> clientProperties) {
        Map<String, Object> p = new HashMap<>(clientProperties);
        p.keySet().removeIf(k -> !org.apache.kafka.clients.producer.ProducerConfig.configNames().contains(k));
        p.remove("transactional.id");
        return p;
    }

    /**
     * Writes to {@code changelog} the latest committed record of each run of {@code runEnergyTopic} that the changelog
     * has no record of (a tombstone counts as one): a run it holds keeps its record, since the store's own writes are
     * as new as the topic's or newer. Read first the changelog, then the topic, so that a run finished meanwhile is not
     * replaced by an older running total (a run that the analyzer first writes between the two reads can be: a
     * window of the seed's length, once, on the Kafka Streams engine).
     *
     * @return the records written
     */
    public static int seed(Map<String, ?> clientProperties, String runEnergyTopic, String changelog) {
        java.util.Set<Bytes> held = new java.util.HashSet<>();
        latestCommitted(clientProperties, changelog).values().forEach(records -> held.addAll(records.keySet()));
        Map<TopicPartition, Map<Bytes, ConsumerRecord<byte[], byte[]>>> latest = latestCommitted(clientProperties, runEnergyTopic);
        int written = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(plainProducer(clientProperties), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (var e : latest.entrySet()) {
                for (ConsumerRecord<byte[], byte[]> r : e.getValue().values()) {
                    // a tombstone: the run is gone, nothing to restore
                    if (r.value() != null && !held.contains(Bytes.wrap(r.key()))) {
                        producer.send(new ProducerRecord<>(changelog, e.getKey().partition(), r.timestamp(), r.key(), r.value()));
                        written++;
                    }
                }
            }
            producer.flush();
        }
        LOG.info("run-energy store changelog {} seeded with the latest record of {} runs from {} ({} runs it held kept)",
                changelog, written, runEnergyTopic, held.size());
        return written;
    }
}
