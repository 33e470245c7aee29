package dev.ampwatch.trainer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.schema.kafka.Topics;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaTrainingPublisherTest {
    private static final String TOPIC = Topics.defaults().trainingEvents().name();

    private static TrainingEvent event(String runId, EventKind kind) {
        return event(runId, "h", kind);
    }

    private static TrainingEvent event(String runId, String host, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId(runId).setExperimentId("exp").setHost(host)
                .setEventTime(Instant.parse("2025-01-01T00:00:00Z")).setKind(kind).build();
    }

    private static MockProducer<String, TrainingEvent> producer(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new StringSerializer(), AmpwatchSerdes.trainingEvent().serializer());
    }

    @Test
    void sendsKeyedByHostToTheTrainingEventsTopic() {
        MockProducer<String, TrainingEvent> mock = producer(true);
        try (KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(mock, TOPIC)) {
            publisher.onEvent(event("run-7", "rig-3", EventKind.RUN_STARTED));
            publisher.onEvent(event("run-7", "rig-3", EventKind.EPOCH_STARTED));
            publisher.onEvent(event("run-8", "rig-4", EventKind.RUN_FAILED));
        }
        assertThat(mock.history()).extracting(ProducerRecord::topic).containsOnly("ampwatch.training-events");
        // the host, as PowerSample is keyed: both analyzer inputs co-partitioned
        assertThat(mock.history()).extracting(ProducerRecord::key).containsExactly("rig-3", "rig-3", "rig-4");
        assertThat(mock.history()).extracting(r -> r.value().getKind())
                .containsExactly(EventKind.RUN_STARTED, EventKind.EPOCH_STARTED, EventKind.RUN_FAILED);
        assertThat(mock.closed()).isTrue();
    }

    @Test
    void flushesWhenARunEnds() {
        MockProducer<String, TrainingEvent> mock = producer(false);
        KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(mock, TOPIC);
        publisher.onEvent(event("r", EventKind.EPOCH_COMPLETED));
        assertThat(mock.completeNext()).isTrue(); // still pending: not flushed mid-run
        publisher.onEvent(event("r", EventKind.RUN_COMPLETED));
        assertThat(mock.flushed()).isTrue();
        assertThat(mock.completeNext()).as("flush completed the send").isFalse();
    }

    @Test
    void aFailedSendIsSurfacedNamingTopicAndRun() {
        MockProducer<String, TrainingEvent> mock = producer(false);
        KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(mock, TOPIC);
        publisher.onEvent(event("run-9", EventKind.EPOCH_STARTED));
        mock.errorNext(new TimeoutException("broker gone"));
        assertThatThrownBy(() -> publisher.onEvent(event("run-9", EventKind.EPOCH_COMPLETED)))
                .isInstanceOf(PublishException.class)
                .hasMessageContaining("run-9").hasMessageContaining("ampwatch.training-events")
                .hasMessageContaining("broker gone");
        assertThatThrownBy(publisher::close).isInstanceOf(PublishException.class);
        assertThat(mock.closed()).as("closed even though a send failed").isTrue();
    }

    @Test
    void producerConfigForcesIdempotenceAndAcksAll() {
        Map<String, Object> config = KafkaTrainingPublisher.producerConfig(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092",
                ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false));
        assertThat(config).containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all");
    }

    @Test
    void aRealProducerCanBeBuiltFromClientProperties() {
        // no broker needed to construct (and close) a producer
        try (KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1", ProducerConfig.MAX_BLOCK_MS_CONFIG, 1))) {
            assertThat(publisher.topic()).isEqualTo(TOPIC);
        }
    }
}
