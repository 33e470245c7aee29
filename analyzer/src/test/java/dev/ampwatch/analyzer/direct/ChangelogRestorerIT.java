package dev.ampwatch.analyzer.direct;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.SharedBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

/**
 * The direct engine's restore on a real broker, with a transaction left open on the changelog: the
 * state committed after it is what a member that takes the partition must start from.
 *
 * <p>That is the case of a partition that moves while the broker has not yet written the commit
 * markers of the previous owner's last transaction (a race the previous owner's commit cannot wait out:
 * the markers are written after the commit returns). A transaction held open by a producer of the test
 * makes that window last as long as the test wants.
 */
class ChangelogRestorerIT {

    @Test
    void readsTheStateCommittedAfterATransactionStillOpenOnceItEnds() throws Exception {
        String changelog = topic("restore-open");
        try (KafkaProducer<byte[], byte[]> open = producer("open-" + changelog);
             KafkaProducer<byte[], byte[]> owner = producer("owner-" + changelog);
             KafkaConsumer<byte[], byte[]> restorer = consumer("read_committed");
             KafkaConsumer<byte[], byte[]> written = consumer("read_uncommitted")) {
            owner.beginTransaction();
            send(owner, changelog, "host-a", "v1");
            send(owner, changelog, "host-b", "v1");
            owner.commitTransaction();
            owner.beginTransaction();
            send(owner, changelog, "host-a", "aborted");
            owner.abortTransaction();

            open.beginTransaction();
            send(open, changelog, "host-z", "never committed");
            open.flush(); // the last stable offset stops here until this transaction ends
            owner.beginTransaction();
            send(owner, changelog, "host-a", "v2"); // the previous owner's last commit, its markers not readable yet
            owner.send(new ProducerRecord<>(changelog, 0, bytes("host-b"), null));
            owner.commitTransaction();

            CompletableFuture<Map<Integer, TreeMap<Bytes, byte[]>>> restored = CompletableFuture.supplyAsync(() ->
                    ChangelogRestorer.restore(restorer, written, changelog, Set.of(0), Duration.ofMinutes(1)));
            // a restore that stopped at the last stable offset would be done at once, with host-a's first state
            await("the restore waits while a transaction before the committed state is open")
                    .during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> !restored.isDone());
            open.abortTransaction();

            Map<String, String> state = strings(restored.get(60, TimeUnit.SECONDS).get(0));
            assertThat(state).containsExactlyEntriesOf(Map.of("host-a", "v2"));
        }
    }

    @Test
    void aTransactionThatNeverEndsFailsTheRestoreNamingThePartition() throws Exception {
        String changelog = topic("restore-stuck");
        try (KafkaProducer<byte[], byte[]> open = producer("open-" + changelog);
             KafkaProducer<byte[], byte[]> owner = producer("owner-" + changelog);
             KafkaConsumer<byte[], byte[]> restorer = consumer("read_committed");
             KafkaConsumer<byte[], byte[]> written = consumer("read_uncommitted")) {
            open.beginTransaction();
            send(open, changelog, "host-z", "never committed");
            open.flush();
            owner.beginTransaction();
            send(owner, changelog, "host-a", "v1");
            owner.commitTransaction();

            assertThatThrownBy(() -> ChangelogRestorer.restore(restorer, written, changelog, Set.of(0), Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(changelog + "-0 at offset 0 of 3 written (last stable offset 0)")
                    .hasMessageContaining("no progress for PT1S");
            open.abortTransaction();
        }
    }

    @Test
    void anEmptyChangelogAndOneWithoutTransactionsRestoreAtOnce() throws Exception {
        String changelog = topic("restore-plain");
        try (KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(Map.of("bootstrap.servers", SharedBroker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> restorer = consumer("read_committed");
             KafkaConsumer<byte[], byte[]> written = consumer("read_uncommitted")) {
            assertThat(ChangelogRestorer.restore(restorer, written, changelog, Set.of(0), Duration.ofMinutes(1)).get(0)).isEmpty();
            plain.send(new ProducerRecord<>(changelog, 0, bytes("host-a"), bytes("v1"))).get(); // at least once: no transactions
            assertThat(strings(ChangelogRestorer.restore(restorer, written, changelog, Set.of(0), Duration.ofMinutes(1)).get(0)))
                    .containsExactlyEntriesOf(Map.of("host-a", "v1"));
        }
    }

    private static String topic(String name) throws Exception {
        String topic = name + "-" + System.nanoTime() + "-changelog";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", SharedBroker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        return topic;
    }

    private static KafkaProducer<byte[], byte[]> producer(String transactionalId) {
        KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", SharedBroker.bootstrapServers(),
                "transactional.id", transactionalId, "transaction.timeout.ms", 120_000), new ByteArraySerializer(), new ByteArraySerializer());
        p.initTransactions();
        return p;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String isolation) {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", SharedBroker.bootstrapServers(), "isolation.level", isolation,
                "enable.auto.commit", false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, String value) {
        producer.send(new ProducerRecord<>(topic, 0, bytes(key), bytes(value)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> strings(TreeMap<Bytes, byte[]> state) {
        Map<String, String> out = new HashMap<>();
        state.forEach((k, v) -> out.put(new String(k.get(), StandardCharsets.UTF_8), new String(v, StandardCharsets.UTF_8)));
        return out;
    }
}
