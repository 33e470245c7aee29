package dev.ampwatch.trainer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.schema.kafka.Topics;
import dev.ampwatch.trainer.json.TrainingEventJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaTrainingPublisherTest {
    private static final String TOPIC = Topics.defaults().trainingEvents().name();
    private static final Instant T0 = Instant.parse("2026-12-02T06:00:00Z");

    private static TrainingEvent event(String runId, EventKind kind) {
        return event(runId, "h", kind);
    }

    private static TrainingEvent event(String runId, String host, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId(runId).setExperimentId("exp").setHost(host)
                .setEventTime(Instant.parse("2025-01-01T00:00:00Z")).setKind(kind)
                .setEpoch(kind == EventKind.EPOCH_STARTED || kind == EventKind.EPOCH_COMPLETED ? 1 : null).build();
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

    /** The end of a run waits for Kafka's acknowledgement (the trainer then goes on, with it on the broker). */
    @Test
    void aRunEndWaitsForKafkasAcknowledgement() throws Exception {
        MockProducer<String, TrainingEvent> mock = producer(false);
        KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(mock, TOPIC);
        publisher.onEvent(event("r", EventKind.EPOCH_COMPLETED));
        Thread ending = new Thread(() -> publisher.onEvent(event("r", EventKind.RUN_COMPLETED)));
        ending.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> mock.history().size() == 2);
        assertThat(ending.isAlive()).as("waiting for the acknowledgement").isTrue();
        assertThat(publisher.unacknowledged()).isEqualTo(2);
        assertThat(mock.completeNext()).isTrue();
        assertThat(mock.completeNext()).isTrue();
        ending.join(10_000);
        assertThat(ending.isAlive()).isFalse();
        assertThat(publisher.unacknowledged()).isZero();
        publisher.close();
    }

    /** A send refused for good: surfaced naming topic and run; what Kafka did not take is saved for replay. */
    @Test
    void aFailedSendIsSurfacedNamingTopicAndRun(@TempDir Path dir) throws Exception {
        MockProducer<String, TrainingEvent> mock = producer(false);
        KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(mock, TOPIC).undelivered(Duration.ZERO, dir, n -> { });
        publisher.onEvent(event("run-9", EventKind.EPOCH_STARTED));
        mock.errorNext(new org.apache.kafka.common.errors.AuthorizationException("not allowed"));
        assertThatThrownBy(() -> publisher.onEvent(event("run-9", EventKind.EPOCH_COMPLETED)))
                .isInstanceOf(PublishException.class)
                .hasMessageContaining("run-9").hasMessageContaining("ampwatch.training-events")
                .hasMessageContaining("not allowed");
        assertThatThrownBy(publisher::close).isInstanceOf(PublishException.class).hasMessageContaining("not allowed")
                .hasMessageContaining("saved to " + dir.toAbsolutePath());
        assertThat(mock.closed()).as("closed even though a send failed").isTrue();
        assertThat(saved(dir)).extracting(TrainingEvent::getKind).containsExactly(EventKind.EPOCH_STARTED);
    }

    /**
     * A broker outage (the producer, without metadata, refuses each send after max.block.ms): the trainer is not
     * held up, the events wait in order, the notices say so once and say when Kafka takes them again, and a
     * run's heartbeats do not pile up.
     */
    @Test
    void eventsWaitOutAnOutageInOrderWithoutHoldingUpTheTrainer() {
        MockProducer<String, TrainingEvent> mock = producer(true);
        AtomicReference<Instant> now = new AtomicReference<>(T0);
        ManualHeartbeats scheduler = new ManualHeartbeats();
        List<String> notices = new CopyOnWriteArrayList<>();
        KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(mock, TOPIC, now::get, Duration.ofSeconds(1), scheduler)
                .undelivered(Duration.ZERO, Path.of("unused"), notices::add);
        publisher.onEvent(event("r", EventKind.RUN_STARTED));
        mock.sendException = new TimeoutException("Topic ampwatch.training-events not present in metadata after 5000 ms.");
        publisher.onEvent(event("r", EventKind.EPOCH_STARTED));
        for (int s = 1; s <= 12; s++) {
            now.set(T0.plusSeconds(s));
            scheduler.tick(); // a heartbeat a second: a newer one replaces the older one still waiting
        }
        publisher.onEvent(event("r", EventKind.EPOCH_COMPLETED));
        assertThat(publisher.unacknowledged()).as("EPOCH_STARTED, the latest heartbeat, EPOCH_COMPLETED").isEqualTo(3);
        assertThat(notices).singleElement().asString().contains("has not taken the training events for 10 s")
                .contains("not present in metadata").contains("nothing is lost while this process runs");

        mock.sendException = null; // the broker is back
        now.set(T0.plusSeconds(13));
        scheduler.tick();
        assertThat(publisher.unacknowledged()).isZero();
        assertThat(mock.history()).extracting(r -> r.value().getKind()).containsExactly(EventKind.RUN_STARTED,
                EventKind.EPOCH_STARTED, EventKind.PROGRESS, EventKind.EPOCH_COMPLETED, EventKind.PROGRESS);
        assertThat(notices).hasSize(2).last().asString().contains("takes the training events again").contains("nothing was lost");
        publisher.onEvent(event("r", EventKind.RUN_COMPLETED));
        publisher.close();
    }

    /** The broker still down at the end: close saves the events (not the heartbeats) as replayable JSON lines. */
    @Test
    void whatKafkaHasNotTakenAtTheEndIsSavedForReplay(@TempDir Path dir) throws Exception {
        MockProducer<String, TrainingEvent> mock = producer(true);
        KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(mock, TOPIC, () -> T0, Duration.ofSeconds(1),
                new ManualHeartbeats()).undelivered(Duration.ZERO, dir, n -> { });
        publisher.onEvent(event("run-5", EventKind.RUN_STARTED));
        mock.sendException = new TimeoutException("Topic ampwatch.training-events not present in metadata after 5000 ms.");
        publisher.onEvent(event("run-5", EventKind.EPOCH_STARTED));
        publisher.heartbeat();
        publisher.onEvent(event("run-5", EventKind.EPOCH_COMPLETED));
        assertThatThrownBy(publisher::close).isInstanceOf(PublishException.class)
                .hasMessageContaining("2 training event(s) of run(s) run-5 not on topic ampwatch.training-events")
                .hasMessageContaining("not present in metadata").hasMessageContaining("ampwatch replay --events " + dir.toAbsolutePath());
        assertThat(saved(dir)).extracting(TrainingEvent::getKind)
                .containsExactly(EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED);
        assertThat(mock.history()).extracting(r -> r.value().getKind()).containsExactly(EventKind.RUN_STARTED);
    }

    /**
     * A close that fails on its own (here the notices' consumer throws, as a closed console would) still saves what
     * Kafka has not taken: the exception carries the one naming the file (a review of the publisher's split: the events
     * were abandoned unsaved on that path).
     */
    @Test
    void aCloseThatFailsStillSavesWhatKafkaHasNotTaken(@TempDir Path dir) throws Exception {
        MockProducer<String, TrainingEvent> mock = producer(true);
        AtomicReference<Instant> now = new AtomicReference<>(T0);
        KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(mock, TOPIC, now::get, Duration.ofSeconds(1),
                new ManualHeartbeats()).undelivered(Duration.ofSeconds(30), dir, n -> {
                    if (n.startsWith("waiting up to")) {
                        throw new IllegalStateException("the console is closed");
                    }
                });
        publisher.onEvent(event("run-6", EventKind.RUN_STARTED));
        mock.sendException = new TimeoutException("Topic ampwatch.training-events not present in metadata after 5000 ms.");
        publisher.onEvent(event("run-6", EventKind.EPOCH_STARTED));
        now.set(T0.plusSeconds(11));
        publisher.heartbeat(); // Kafka has not taken the oldest event for 10 s: stalled, so close says it waits
        assertThatThrownBy(publisher::close).isInstanceOf(IllegalStateException.class).hasMessage("the console is closed")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement().isInstanceOf(PublishException.class).asString()
                        .contains("ampwatch replay --events " + dir.toAbsolutePath()));
        assertThat(saved(dir)).extracting(TrainingEvent::getKind).containsExactly(EventKind.EPOCH_STARTED);
    }

    private static List<TrainingEvent> saved(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            Path file = files.filter(f -> f.getFileName().toString().startsWith("ampwatch-undelivered-events-")).findFirst().orElseThrow();
            return Files.readAllLines(file).stream().map(TrainingEventJson::parse).toList();
        }
    }

    @Test
    void producerConfigForcesIdempotenceAndAcksAll() {
        Map<String, Object> config = TrainingEventsProducer.config(Map.of(
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
