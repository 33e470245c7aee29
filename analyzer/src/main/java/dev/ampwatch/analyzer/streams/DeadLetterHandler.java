package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.AnalyzerListener;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records that cannot be decoded to the dead-letter topic, with the reason and origin in headers,
 * and goes on: one bad record never stops the analyzer.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler {
    /** Config key of the dead-letter topic name. */
    public static final String TOPIC_CONFIG = "ampwatch.dead.letter.topic";
    /** Config key of the {@link AnalyzerListener} to tell (an object, passed through the Streams config). */
    public static final String LISTENER_CONFIG = "ampwatch.dead.letter.listener";
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);

    private String topic;
    private AnalyzerListener listener = AnalyzerListener.NONE;

    @Override
    public void configure(Map<String, ?> configs) {
        Object t = configs.get(TOPIC_CONFIG);
        if (t == null) {
            throw new IllegalArgumentException(TOPIC_CONFIG + " is not set");
        }
        topic = t.toString();
        if (configs.get(LISTENER_CONFIG) instanceof AnalyzerListener l) {
            listener = l;
        }
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception e) {
        String reason = String.valueOf(e.getMessage());
        LOG.warn("dead-lettering undecodable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
        byte[] value = record.value();
        if (value != null && value.length > DeadLetters.MAX_VALUE_BYTES) { // or the broker refuses the dead letter
            reason += " (dead-letter value truncated to its first " + DeadLetters.MAX_VALUE_BYTES + " of " + value.length + " bytes)";
            value = java.util.Arrays.copyOf(value, DeadLetters.MAX_VALUE_BYTES);
        }
        byte[] key = record.key() != null && record.key().length > DeadLetters.MAX_KEY_BYTES
                ? java.util.Arrays.copyOf(record.key(), DeadLetters.MAX_KEY_BYTES) : record.key();
        ProducerRecord<byte[], byte[]> dead = new ProducerRecord<>(topic, null, System.currentTimeMillis(), key, value);
        DeadLetters.describe(dead.headers(), "deserialization", reason, record.topic());
        dead.headers().add(DeadLetters.SOURCE_PARTITION, Integer.toString(record.partition()).getBytes(StandardCharsets.UTF_8));
        dead.headers().add(DeadLetters.SOURCE_OFFSET, Long.toString(record.offset()).getBytes(StandardCharsets.UTF_8));
        listener.onDeadLetter(record.topic(), "deserialization");
        return Response.resume(List.of(dead));
    }
}
