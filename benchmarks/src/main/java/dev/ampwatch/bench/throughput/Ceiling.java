package dev.ampwatch.bench.throughput;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The ceiling: a plain consumer reading the samples topic from the beginning, with no processing, as
 * raw bytes and decoded into records. The analyzer cannot read faster than this on the same machine.
 */
final class Ceiling {
    private Ceiling() {}

    /** Records per second to read {@code expected} records of {@code topic}. */
    static <V> double rate(Map<String, Object> client, String topic, Deserializer<V> values, long expected) {
        try (KafkaConsumer<byte[], V> consumer = Kafka.fromBeginning(client, topic, new ByteArrayDeserializer(), values, false)) {
            long t0 = System.nanoTime();
            long seen = 0;
            long checksum = 0;
            long deadline = t0 + Duration.ofMinutes(10).toNanos();
            while (seen < expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("read only " + seen + " of " + expected + " records of " + topic);
                }
                ConsumerRecords<byte[], V> records = consumer.poll(Duration.ofMillis(500));
                seen += records.count();
                for (var r : records) {
                    checksum += r.offset(); // touch every record so none of the work is optimized away
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return checksum == Long.MIN_VALUE ? 0 : seen / seconds;
        }
    }

    static double rateOfBytes(Map<String, Object> client, String topic, long expected) {
        return rate(client, topic, new ByteArrayDeserializer(), expected);
    }
}
