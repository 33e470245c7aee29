package dev.ampwatch.trainer.kafka;

import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;

/** The publisher's Kafka producer: its settings, and a send that tells a refusal for now from Kafka's answer. */
final class TrainingEventsProducer {
    private TrainingEventsProducer() {
    }

    static Producer<String, TrainingEvent> create(Map<String, Object> clientProperties) {
        return new KafkaProducer<>(config(clientProperties), new StringSerializer(), AmpwatchSerdes.trainingEvent().serializer());
    }

    /** The caller's properties plus the settings the publisher depends on. */
    static Map<String, Object> config(Map<String, Object> clientProperties) {
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // never expire: an event waits out a broker outage in the producer, and close() decides what is undelivered
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        // a send waiting for metadata (no broker reachable) gives up after this and is tried again: the sender
        // sees close() at least this often
        config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG); // instances are passed instead
        config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return config;
    }

    /**
     * Gives {@code record} to {@code producer}; {@code answer} hears Kafka's answer. Returns the refusal when the
     * producer did not take the record for now (no metadata, no broker reachable, or the buffer full, after
     * {@code max.block.ms}): then {@code answer} is not called. Other failures to send are thrown.
     */
    static TimeoutException send(Producer<String, TrainingEvent> producer, ProducerRecord<String, TrainingEvent> record,
                                 Callback answer) {
        AtomicReference<TimeoutException> refused = new AtomicReference<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread sender = Thread.currentThread();
        try {
            producer.send(record, (metadata, e) -> {
                // the Kafka 4 producer completes a send it did not append within send(), on this thread; any later
                // completion is Kafka's answer
                if (e instanceof TimeoutException t && sending.get() && Thread.currentThread() == sender) {
                    refused.set(t);
                } else {
                    answer.onCompletion(metadata, e);
                }
            });
        } catch (TimeoutException e) { // the same, thrown (MockProducer, older clients)
            return e;
        } finally {
            sending.set(false);
        }
        return refused.get();
    }
}
