package dev.ampwatch.bench.throughput;

import dev.ampwatch.broker.ChildProcessBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * How often, right after a transaction commits, a read-committed reader's end offset (the last stable
 * offset) still stops before the transaction's writes: the window in which the direct engine's restore,
 * when it read to that offset, began from an older state than the committed input offsets (ChangelogRestorer,
 * docs/benchmarks.md). Per commit: one changelog write and input offsets sent to the transaction, as a member
 * commits; then the end offset asked at once, and again after the committed input offsets were fetched as
 * stable (what a new owner's consumer waits for). Prints counts and how long the end offset took to pass the
 * write. Run through {@code benchmarks/marker-window.sh [--commits=2000]}.
 */
public final class MarkerWindow {
    public static void main(String[] args) throws Exception {
        int commits = 2000;
        for (String a : args) {
            if (a.startsWith("--commits=")) {
                commits = Integer.parseInt(a.substring("--commits=".length()));
            } else {
                throw new IllegalArgumentException("unknown option " + a + "; usage: [--commits=2000]");
            }
        }
        Path dir = Files.createTempDirectory("ampwatch-marker-window");
        try (ChildProcessBroker broker = ChildProcessBroker.start(dir.resolve("broker"), "127.0.0.1", 0, Duration.ofSeconds(90))) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("input", 1, (short) 1), new NewTopic("changelog", 1, (short) 1))).all().get();
            }
            TopicPartition input = new TopicPartition("input", 0);
            TopicPartition changelog = new TopicPartition("changelog", 0);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                         "transactional.id", "marker-window"), new ByteArraySerializer(), new ByteArraySerializer());
                 KafkaConsumer<byte[], byte[]> member = consumer(bootstrap, "marker-window");
                 KafkaConsumer<byte[], byte[]> reader = consumer(bootstrap, null)) {
                producer.initTransactions();
                member.assign(List.of(input));
                int behindAtOnce = 0;
                int behindAfterStableOffsets = 0;
                Percentiles catchUpMs = new Percentiles();
                for (int i = 0; i < commits; i++) {
                    producer.beginTransaction();
                    RecordMetadata write = producer.send(new ProducerRecord<>("changelog", 0, null, new byte[64])).get();
                    producer.sendOffsetsToTransaction(Map.of(input, new OffsetAndMetadata(i + 1)), member.groupMetadata());
                    producer.commitTransaction();
                    long committedNs = System.nanoTime();
                    boolean behind = reader.endOffsets(List.of(changelog)).get(changelog) <= write.offset();
                    behindAtOnce += behind ? 1 : 0;
                    OffsetAndMetadata stable = member.committed(java.util.Set.of(input)).get(input);
                    if (stable == null || stable.offset() != i + 1) {
                        throw new IllegalStateException("committed offset " + stable + " after commit " + (i + 1));
                    }
                    behindAfterStableOffsets += reader.endOffsets(List.of(changelog)).get(changelog) <= write.offset() ? 1 : 0;
                    if (behind) {
                        while (reader.endOffsets(List.of(changelog)).get(changelog) <= write.offset()) {
                            Thread.onSpinWait();
                        }
                        catchUpMs.add((System.nanoTime() - committedNs) / 1e6);
                    }
                }
                System.out.printf("%d commits: the last stable offset was before the committed write right after the commit in %d"
                                + " (%.1f %%), after the committed input offsets were fetched as stable in %d; it passed the write"
                                + " %.2f ms (p50) / %.2f ms (p99) / %.2f ms (max) after the commit returned%n", commits, behindAtOnce,
                        100.0 * behindAtOnce / commits, behindAfterStableOffsets, catchUpMs.at(50), catchUpMs.at(99), catchUpMs.at(100));
            }
        } finally {
            ThroughputBenchmark.deleteQuietly(dir);
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String group) {
        Map<String, Object> p = new java.util.HashMap<>(Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed",
                "enable.auto.commit", false));
        if (group != null) {
            p.put("group.id", group);
        }
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
