package dev.ampwatch.analyzer.streams;

import java.lang.ref.WeakReference;
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
 * knows of their partitions ({@link Receiving#of(Consumer, long, UnansweredPartitions)}: paused, leader, answers per broker; no
 * network call). Kept weakly: a thread that Kafka Streams replaced (a new thread, with a new name) lets its closed
 * consumer go. With {@code group.protocol=streams} Kafka Streams makes its main consumers itself and none is kept here.
 */
public final class MainConsumers implements KafkaClientSupplier {
    private final Map<String, WeakReference<Consumer<byte[], byte[]>>> byClientId = new ConcurrentHashMap<>();

    /** The main consumer with {@code clientId}, or null if none was made here. Use it on its stream thread only. */
    public Consumer<byte[], byte[]> get(String clientId) {
        WeakReference<Consumer<byte[], byte[]>> ref = byClientId.get(clientId);
        return ref == null ? null : ref.get();
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
            byClientId.values().removeIf(ref -> ref.get() == null);
            byClientId.put(clientId.toString(), new WeakReference<>(consumer));
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
