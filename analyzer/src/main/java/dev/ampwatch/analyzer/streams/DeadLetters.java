package dev.ampwatch.analyzer.streams;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;

/**
 * The headers of a dead-letter record. The value is the original record's bytes, unchanged, so it can
 * be inspected and republished once fixed.
 */
public final class DeadLetters {
    /** Why the record was set aside, naming the field and value where there is one. */
    public static final String REASON = "ampwatch.dlq.reason";
    /** deserialization, invalid or late. */
    public static final String KIND = "ampwatch.dlq.kind";
    public static final String SOURCE_TOPIC = "ampwatch.dlq.topic";
    public static final String SOURCE_PARTITION = "ampwatch.dlq.partition";
    public static final String SOURCE_OFFSET = "ampwatch.dlq.offset";

    /** Half the broker's default record limit (1 MiB): room for the key and headers. */
    public static final int MAX_VALUE_BYTES = 512 * 1024;
    /** A key longer than any host id (and than any sane run id) is cut to this. */
    public static final int MAX_KEY_BYTES = 1024;

    private DeadLetters() {}

    public static void describe(Headers headers, String kind, String reason, String topic) {
        headers.remove(KIND).remove(REASON).remove(SOURCE_TOPIC);
        headers.add(KIND, kind.getBytes(StandardCharsets.UTF_8));
        headers.add(REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_TOPIC, topic.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The dead letter of a record that could not be decoded: its key and value as they came, cut to
     * {@link #MAX_KEY_BYTES} and {@link #MAX_VALUE_BYTES} (the reason says when), stamped with the
     * analyzer's clock, and where it came from in headers. A dead letter the broker refuses (a value at the
     * size limit plus headers, a timestamp past its limits) would stop the analyzer on the record it was
     * meant to set aside. Both engines write these.
     */
    public static org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> undecodable(
            String deadLetterTopic, String sourceTopic, int partition, long offset, byte[] key, byte[] value, String error) {
        var dead = bounded(deadLetterTopic, "deserialization", sourceTopic, key, value, error);
        dead.headers().add(SOURCE_PARTITION, Integer.toString(partition).getBytes(StandardCharsets.UTF_8));
        dead.headers().add(SOURCE_OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
        return dead;
    }

    /**
     * A dead letter of {@code kind}: key and value cut to {@link #MAX_KEY_BYTES} and {@link #MAX_VALUE_BYTES}
     * (the reason says when), the reason to 2,000 characters, stamped with the analyzer's clock.
     */
    public static org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> bounded(
            String deadLetterTopic, String kind, String sourceTopic, byte[] key, byte[] value, String error) {
        String reason = error.length() > 2000 ? error.substring(0, 2000) + "..." : error;
        if (value != null && value.length > MAX_VALUE_BYTES) {
            reason += " (dead-letter value truncated to its first " + MAX_VALUE_BYTES + " of " + value.length + " bytes)";
            value = java.util.Arrays.copyOf(value, MAX_VALUE_BYTES);
        }
        byte[] k = key != null && key.length > MAX_KEY_BYTES ? java.util.Arrays.copyOf(key, MAX_KEY_BYTES) : key;
        var dead = new org.apache.kafka.clients.producer.ProducerRecord<>(deadLetterTopic, null, System.currentTimeMillis(), k, value);
        describe(dead.headers(), kind, reason, sourceTopic);
        return dead;
    }

    public static String header(Headers headers, String name) {
        var h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
