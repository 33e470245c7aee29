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

    public static String header(Headers headers, String name) {
        var h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
