package dev.ampwatch.replay;

import dev.ampwatch.schema.kafka.Topics;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends replay records in the order given, with one idempotent producer ({@code acks=all}) so a
 * retried send is neither lost nor duplicated: samples to the power-samples topic, events and
 * progress markers to the training-events topic, all keyed by host (so the analyzer's two inputs are
 * co-partitioned, and a host's markers land in the partition of the events they vouch for), each
 * with its event time as the record timestamp.
 */
public final class ReplayPublisher {
    private ReplayPublisher() {}

    static Map<String, Object> producerConfig(Map<String, Object> clientProperties) {
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // replay writes at once to topics it may just have created: with several requests in flight, one that
        // reaches the broker before it applied the new partition fails NOT_LEADER while a later one is
        // appended, and the first then spins on OUT_OF_ORDER_SEQUENCE until its delivery timeout and is lost
        // (KAFKA-15591, not fixed in the Kafka this project uses; seen in ReplayIT). One at a time keeps order.
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG); // instances are passed instead
        config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "ampwatch-replay");
        return config;
    }

    /** Publishes everything, flushes, and returns the acknowledged records per topic (in topic order). */
    public static Map<String, Long> publish(Map<String, Object> clientProperties, Topics topics, List<ReplayRecord> records) {
        try (Producer<String, byte[]> producer = new KafkaProducer<>(producerConfig(clientProperties),
                new StringSerializer(), new ByteArraySerializer())) {
            return publish(producer, topics, records);
        }
    }

    /** Over any producer (a MockProducer in tests); does not close it. */
    static Map<String, Long> publish(Producer<String, byte[]> producer, Topics topics, List<ReplayRecord> records) {
        String sampleTopic = topics.powerSamples().name();
        String eventTopic = topics.trainingEvents().name();
        Serializer<dev.ampwatch.schema.PowerSample> samples = topics.powerSamples().valueSerde().serializer();
        Serializer<dev.ampwatch.schema.TrainingEvent> events = topics.trainingEvents().valueSerde().serializer();
        Map<String, AtomicLong> acked = new ConcurrentHashMap<>();
        acked.put(sampleTopic, new AtomicLong());
        acked.put(eventTopic, new AtomicLong());
        AtomicReference<String> failure = new AtomicReference<>();
        int sent = 0;
        try {
            for (ReplayRecord r : records) {
                if (failure.get() != null) {
                    break;
                }
                String topic = r.sample() != null ? sampleTopic : eventTopic;
                byte[] value = r.sample() != null ? samples.serialize(topic, r.sample()) : events.serialize(topic, r.event());
                producer.send(new ProducerRecord<>(topic, null, r.eventTime().toEpochMilli(), r.key(), value), (md, e) -> {
                    if (e == null) {
                        acked.get(topic).incrementAndGet();
                    } else {
                        failure.compareAndSet(null, "sending " + r.origin() + " to " + topic + " failed: " + e.getMessage());
                    }
                });
                sent++;
            }
            producer.flush();
        } catch (KafkaException e) {
            failure.compareAndSet(null, "sending to Kafka failed after " + sent + " of " + records.size()
                    + " records: " + e.getMessage());
        }
        Map<String, Long> out = new LinkedHashMap<>();
        out.put(sampleTopic, acked.get(sampleTopic).get());
        out.put(eventTopic, acked.get(eventTopic).get());
        if (failure.get() != null) {
            long ok = out.values().stream().mapToLong(Long::longValue).sum();
            throw new IllegalStateException(failure.get() + " (" + ok + " of " + records.size()
                    + " records were acknowledged before: " + out + ")");
        }
        return out;
    }
}
