package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.AnalyzerListener;
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
        ProducerRecord<byte[], byte[]> dead = DeadLetters.undecodable(topic, record.topic(), record.partition(), record.offset(),
                record.key(), record.value(), reason);
        listener.onDeadLetter(record.topic(), "deserialization");
        return Response.resume(List.of(dead));
    }
}
