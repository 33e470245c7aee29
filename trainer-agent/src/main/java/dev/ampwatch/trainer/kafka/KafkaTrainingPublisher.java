package dev.ampwatch.trainer.kafka;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.schema.kafka.Topics;
import dev.ampwatch.trainer.TrainingListener;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes training events to Kafka, keyed by run id so a run's events stay in order on one
 * partition. The producer is idempotent with {@code acks=all}: a retried send is neither lost nor
 * duplicated. Sends are asynchronous; the publisher flushes when a run completes or fails, so the
 * end of a run is on the broker before {@link dev.ampwatch.trainer.TrainingJob#run()} returns.
 *
 * <p>A failed send is logged with topic and run id and surfaced as a {@link PublishException}
 * from the next {@link #onEvent}, {@link #flush()} or {@link #close()}; the training job turns
 * that into a failed run.
 *
 * <p>Thread-safe (KafkaProducer is); normally called from the training thread only.
 */
public final class KafkaTrainingPublisher implements TrainingListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTrainingPublisher.class);
    private final Producer<String, TrainingEvent> producer;
    private final String topic;
    private final AtomicReference<PublishException> failure = new AtomicReference<>();

    /**
     * @param clientProperties Kafka producer properties (at least {@code bootstrap.servers});
     *     serializers, idempotence and acks are set here and override the caller's
     * @param topic topic to write, normally {@code Topics.defaults().trainingEvents().name()}
     */
    public KafkaTrainingPublisher(Map<String, Object> clientProperties, String topic) {
        this(new KafkaProducer<>(producerConfig(clientProperties), new StringSerializer(),
                AmpwatchSerdes.trainingEvent().serializer()), topic);
    }

    /** Publishes to the default training-events topic. */
    public KafkaTrainingPublisher(Map<String, Object> clientProperties) {
        this(clientProperties, Topics.defaults().trainingEvents().name());
    }

    /** Over any producer, e.g. a MockProducer in tests. Takes ownership: {@link #close()} closes it. */
    public KafkaTrainingPublisher(Producer<String, TrainingEvent> producer, String topic) {
        this.producer = Objects.requireNonNull(producer);
        this.topic = Objects.requireNonNull(topic);
    }

    /** The caller's properties plus the settings this publisher depends on. */
    static Map<String, Object> producerConfig(Map<String, Object> clientProperties) {
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG); // instances are passed instead
        config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return config;
    }

    public String topic() {
        return topic;
    }

    @Override
    public void onEvent(TrainingEvent event) {
        throwIfFailed();
        String runId = event.getRunId();
        try {
            producer.send(new ProducerRecord<>(topic, runId, event), (metadata, e) -> {
                if (e != null) {
                    recordFailure(runId, event.getKind(), e);
                }
            });
        } catch (KafkaException | IllegalStateException e) { // serialization, buffer exhaustion, closed
            recordFailure(runId, event.getKind(), e);
        }
        if (event.getKind() == EventKind.RUN_COMPLETED || event.getKind() == EventKind.RUN_FAILED) {
            flush();
        } else {
            throwIfFailed();
        }
    }

    /** Blocks until every sent event is acknowledged; throws if any send failed. */
    public void flush() {
        producer.flush();
        throwIfFailed();
    }

    /** Flushes and closes the producer; throws if a send failed (after closing). */
    @Override
    public void close() {
        try {
            producer.flush();
        } finally {
            producer.close();
        }
        throwIfFailed();
    }

    private void recordFailure(String runId, EventKind kind, Exception e) {
        LOG.error("cannot publish {} of run {} to topic {}: {}", kind, runId, topic, e.toString(), e);
        failure.compareAndSet(null, new PublishException(topic, runId, kind, e));
    }

    private void throwIfFailed() {
        PublishException e = failure.get();
        if (e != null) {
            throw e;
        }
    }
}
