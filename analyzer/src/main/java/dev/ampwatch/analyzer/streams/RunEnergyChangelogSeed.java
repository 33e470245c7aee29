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
 * run-energy topic itself) with the final record of each run it lacks, partition for partition.
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
        Map<TopicPartition, Map<Bytes, ConsumerRecord<byte[], byte[]>>> latest = new HashMap<>();
        eachCommitted(clientProperties, topic, r -> latest.computeIfAbsent(new TopicPartition(r.topic(), r.partition()),
                k -> new LinkedHashMap<>()).put(Bytes.wrap(r.key()), r));
        return latest;
    }

    /** Every committed record of {@code topic} with a key, read to the topic's end (its last stable offset at the start). */
    static void eachCommitted(Map<String, ?> clientProperties, String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Map<String, Object> c = readCommitted(clientProperties);
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
                        each.accept(r);
                    }
                }
            }
        }
    }

    /** A send callback that keeps the first failure, for {@link #throwIfUnsent} once flushed. */
    static org.apache.kafka.clients.producer.Callback keepFirstFailure(java.util.concurrent.atomic.AtomicReference<Exception> first) {
        return (metadata, e) -> {
            if (e != null) {
                first.compareAndSet(null, e);
            }
        };
    }

    /** Throws, naming the topic, when a seed's send failed: the seed is then not recorded as done. */
    static void throwIfUnsent(java.util.concurrent.atomic.AtomicReference<Exception> first, String changelog) {
        if (first.get() != null) {
            throw new IllegalStateException("could not write the seed of " + changelog + ": " + first.get(), first.get());
        }
    }

    /** {@code clientProperties}' producer settings, not transactional. */
    static Map<String, Object> plainProducer(Map<String, ?> clientProperties) {
        Map<String, Object> p = new HashMap<>(clientProperties);
        p.keySet().removeIf(k -> !org.apache.kafka.clients.producer.ProducerConfig.configNames().contains(k));
        p.remove("transactional.id");
        return p;
    }

    /**
     * Writes to {@code changelog} the final record of each run of {@code runEnergyTopic} that the changelog has no record
     * of (a tombstone counts as one). Final records only: a run's final record is its last (a run id is used once), so
     * an instance of the analyzer running meanwhile can write nothing newer for it, and a write of the seed that lands
     * after the store's own is the same record; a running total could be older than the store's by then, and the next
     * one of an open run comes within a second of its event time anyway. A run the changelog holds keeps its record.
     *
     * @return the records written
     */
    public static int seed(Map<String, ?> clientProperties, String runEnergyTopic,
                           org.apache.kafka.common.serialization.Deserializer<dev.ampwatch.schema.RunEnergy> runEnergy,
                           String changelog) {
        java.util.Set<Bytes> held = new java.util.HashSet<>();
        eachCommitted(clientProperties, changelog, r -> held.add(Bytes.wrap(r.key())));
        Map<TopicPartition, Map<Bytes, ConsumerRecord<byte[], byte[]>>> latest = latestCommitted(clientProperties, runEnergyTopic);
        int written = 0;
        int unreadable = 0;
        java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(plainProducer(clientProperties), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (var e : latest.entrySet()) {
                for (ConsumerRecord<byte[], byte[]> r : e.getValue().values()) {
                    if (r.value() == null || held.contains(Bytes.wrap(r.key()))) { // a tombstone: the run is gone
                        continue;
                    }
                    try {
                        if (!runEnergy.deserialize(r.topic(), r.value()).getIsFinal()) {
                            continue;
                        }
                    } catch (RuntimeException notRunEnergy) {
                        unreadable++;
                        continue;
                    }
                    producer.send(new ProducerRecord<>(changelog, e.getKey().partition(), r.timestamp(), r.key(), r.value()),
                            keepFirstFailure(failed));
                    written++;
                }
            }
            producer.flush();
        }
        throwIfUnsent(failed, changelog);
        LOG.info("run-energy store changelog {} seeded with the final records of {} runs from {} ({} runs it held kept{})",
                changelog, written, runEnergyTopic, held.size(), unreadable == 0 ? "" : "; " + unreadable + " records unreadable");
        return written;
    }
}
