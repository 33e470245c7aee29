package dev.ampwatch.bench.throughput;

import dev.ampwatch.schema.kafka.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The client settings the harness uses, in one place. */
final class Kafka {
    private Kafka() {}

    /** Every topic of the prefix, with the same partition count (the inputs must be co-partitioned). */
    static void createTopics(Map<String, Object> client, Topics topics, int partitions) throws Exception {
        createTopics(client, topics.names(), partitions);
    }

    static void createTopics(Map<String, Object> client, List<String> names, int partitions) throws Exception {
        try (Admin admin = Admin.create(client)) {
            List<NewTopic> all = new ArrayList<>();
            names.forEach(n -> all.add(new NewTopic(n, Optional.of(partitions), Optional.empty())));
            admin.createTopics(all).all().get();
            // a produce right after creation can meet partitions whose leader is not settled (NOT_LEADER_OR_FOLLOWER),
            // and an idempotent producer then got OUT_OF_ORDER_SEQUENCE_NUMBER for two minutes once: wait for leaders
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!allLed(admin, names)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topics " + names + " have partitions without a leader after 30 s");
                }
            }
        }
    }

    /** Whether every partition of the topics has a leader (false while the topics are not known yet). */
    private static boolean allLed(Admin admin, List<String> names) throws Exception {
        try {
            return admin.describeTopics(names).allTopicNames().get().values().stream()
                    .allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return false; // created, not propagated yet
            }
            throw e;
        }
    }

    /**
     * A broker creates its internal topics (group offsets, transaction state) on first use; a running
     * cluster has them. Creating them here keeps that one-off cost out of the analyzer's start-up time.
     */
    static void createInternalTopics(Map<String, Object> client) {
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ampwatch-bench-warm-up");
        try (KafkaProducer<String, String> tx = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            tx.initTransactions();
            tx.beginTransaction();
            tx.commitTransaction();
        }
        Map<String, Object> c = new HashMap<>(client);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "ampwatch-bench-warm-up");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.commitSync(Map.of()); // finds the group coordinator, creating the offsets topic
            consumer.listTopics();
            consumer.committed(java.util.Set.of(new TopicPartition("__consumer_offsets", 0)));
        }
    }

    /** Idempotent, lz4, lingering: how an agent fleet's producers would be set up for volume. */
    static <V> KafkaProducer<String, V> producer(Map<String, Object> client, org.apache.kafka.common.serialization.Serializer<V> values) {
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        return new KafkaProducer<>(p, new StringSerializer(), values);
    }

    /** A group-less consumer of every partition of {@code topic}, from the beginning. */
    static <K, V> KafkaConsumer<K, V> fromBeginning(Map<String, Object> client, String topic, Deserializer<K> keys,
                                                    Deserializer<V> values, boolean readCommitted) {
        Map<String, Object> p = new HashMap<>(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        KafkaConsumer<K, V> consumer = new KafkaConsumer<>(p, keys, values);
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(i -> new TopicPartition(topic, i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** How many committed records {@code topic} holds now. */
    static long count(Map<String, Object> client, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = fromBeginning(client, topic, new ByteArrayDeserializer(), new ByteArrayDeserializer(), true)) {
            Map<TopicPartition, Long> end = c.endOffsets(c.assignment());
            long n = 0;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue()) && System.nanoTime() < deadline) {
                n += c.poll(java.time.Duration.ofMillis(200)).count();
            }
            return n;
        }
    }
}
