package dev.ampwatch.analyzer.streams;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * Kafka Streams' clients, as its default supplier makes them, with each stream thread's main consumer kept by
 * client id ({@code <thread name>-consumer}): the attribution's processors run on that thread and ask it what it
 * knows of their partitions ({@link Receiving#of(Consumer, long)}: paused, leader, answers per broker; no
 * network call). A replaced thread's consumer takes the place of the one it replaces under the same name.
 */
public final class MainConsumers implements KafkaClientSupplier {
    private final Map<String, Consumer<byte[], byte[]>> byClientId = new ConcurrentHashMap<>();

    /** The main consumer with {@code clientId}, or null if Kafka Streams made none. Use it on its stream thread only. */
    public Consumer<byte[], byte[]> get(String clientId) {
        return byClientId.get(clientId);
    }

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return Admin.create(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        Consumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Object clientId = config.get(ConsumerConfig.CLIENT_ID_CONFIG);
        if (clientId != null) {
            byClientId.put(clientId.toString(), consumer);
        }
        return consumer;
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
