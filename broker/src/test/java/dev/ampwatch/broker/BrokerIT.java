package dev.ampwatch.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerIT {

    @Test
    void inProcessBrokerKeepsTopicsAndDataAcrossARestartOnTheSameDirectory(@TempDir Path dir) throws Exception {
        try (InProcessBroker broker = InProcessBroker.start(dir)) {
            createTopic(broker.bootstrapServers(), "kept");
            produce(broker.bootstrapServers(), "kept", "k", "before restart");
        }
        try (InProcessBroker broker = InProcessBroker.start(dir)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).contains("kept");
            }
            assertThat(consumeAll(broker.bootstrapServers(), "kept", 1)).containsExactly("before restart");
        }
    }

    /** Where ports are allotted, both listeners are chosen: the controller's too (two reviews found it random, 2026-12-02). */
    @Test
    void theControllerListensOnTheRequestedPortAndARestartKeepsIt(@TempDir Path dir) throws Exception {
        int controller = Ports.free("127.0.0.1");
        try (InProcessBroker broker = InProcessBroker.start(dir, "127.0.0.1", 0, controller, null)) {
            assertThat(broker.config().controllerPort()).isEqualTo(controller);
            assertThat(Ports.isFree("127.0.0.1", controller)).isFalse();
            createTopic(broker.bootstrapServers(), "kept");
            assertThatThrownBy(() -> InProcessBroker.start(dir.resolve("other"), "127.0.0.1", 0, controller, null))
                    .hasMessageContaining("controller port " + controller + " on 127.0.0.1 is in use");
        }
        try (InProcessBroker broker = InProcessBroker.start(dir)) { // the port of the last start, still free
            assertThat(broker.config().controllerPort()).isEqualTo(controller);
        }
    }

    @Test
    void childProcessBrokerServesClientsAndStopsWhenClosed(@TempDir Path dir) throws Exception {
        ChildProcessBroker broker = ChildProcessBroker.start(dir, "127.0.0.1", 0, Duration.ofSeconds(60));
        ProcessHandle child = ProcessHandle.of(broker.pid()).orElseThrow();
        try {
            createTopic(broker.bootstrapServers(), "child");
            produce(broker.bootstrapServers(), "child", "k", "hello");
            assertThat(consumeAll(broker.bootstrapServers(), "child", 1)).containsExactly("hello");
        } finally {
            broker.close();
        }
        assertThat(child.isAlive()).isFalse();
    }

    @Test
    void exactlyOnceTransactionsWorkOnOneNode(@TempDir Path dir) throws Exception {
        try (InProcessBroker broker = InProcessBroker.start(dir)) {
            createTopic(broker.bootstrapServers(), "tx");
            try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                    "bootstrap.servers", broker.bootstrapServers(), "transactional.id", "t1"),
                    new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("tx", "k", "committed"));
                producer.commitTransaction();
            }
            assertThat(consumeAll(broker.bootstrapServers(), "tx", 1)).containsExactly("committed");
        }
    }

    static void createTopic(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(Set.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
    }

    static void produce(String bootstrap, String topic, String key, String value) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap, "acks", "all"),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    static List<String> consumeAll(String bootstrap, String topic, int expected) {
        List<String> values = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap,
                "group.id", "it-" + topic, "auto.offset.reset", "earliest", "isolation.level", "read_committed"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                return values.size() >= expected;
            });
        }
        return values;
    }
}
