package dev.ampwatch.trainer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.schema.kafka.Topics;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The publisher's PROGRESS heartbeats, on a hand-ticked scheduler and a hand-set clock. */
class HeartbeatTest {
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    private final AtomicReference<Instant> now = new AtomicReference<>(T0);
    private final ManualHeartbeats scheduler = new ManualHeartbeats();
    private MockProducer<String, TrainingEvent> mock = new MockProducer<>(true, null, new StringSerializer(),
            AmpwatchSerdes.trainingEvent().serializer());
    private KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(mock, Topics.defaults().trainingEvents().name(),
            now::get, Duration.ofSeconds(2), scheduler);

    private static TrainingEvent event(String runId, EventKind kind, Instant at) {
        return TrainingEvent.newBuilder().setRunId(runId).setExperimentId("exp-" + runId).setHost("rig-1")
                .setDevices(List.of("gpu0")).setEventTime(at).setKind(kind).build();
    }

    private void advance(Duration d) {
        now.set(now.get().plus(d));
    }

    private List<TrainingEvent> progress() {
        return mock.history().stream().map(ProducerRecord::value).filter(e -> e.getKind() == EventKind.PROGRESS).toList();
    }

    @Test
    void sendsTheRunsProgressEveryIntervalWhileItIsOpen() {
        publisher.heartbeat();
        assertThat(scheduler.running()).as("nothing before a run starts").isFalse();

        publisher.onEvent(event("r1", EventKind.RUN_STARTED, T0));
        assertThat(scheduler.interval()).isEqualTo(Duration.ofSeconds(2));
        for (int i = 0; i < 3; i++) {
            advance(Duration.ofSeconds(2));
            scheduler.tick();
        }
        assertThat(progress()).extracting(TrainingEvent::getEventTime)
                .containsExactly(T0.plusSeconds(2), T0.plusSeconds(4), T0.plusSeconds(6));
        assertThat(progress()).allSatisfy(p -> {
            assertThat(p.getRunId()).isEqualTo("r1");
            assertThat(p.getExperimentId()).isEqualTo("exp-r1");
            assertThat(p.getHost()).isEqualTo("rig-1");
            assertThat(p.getDevices()).containsExactly("gpu0");
        });
        assertThat(mock.history()).extracting(ProducerRecord::key).containsOnly("rig-1");
    }

    @Test
    void stopsAtTheRunsEndAndGoesOnForTheNextRunOnly() {
        publisher.onEvent(event("r1", EventKind.RUN_STARTED, T0));
        advance(Duration.ofSeconds(2));
        publisher.onEvent(event("r1", EventKind.RUN_COMPLETED, now.get()));
        assertThat(scheduler.running()).isFalse();
        publisher.heartbeat(); // a tick that was already due
        assertThat(progress()).isEmpty();

        // a sweep: the next run of the same publisher
        publisher.onEvent(event("r2", EventKind.RUN_STARTED, now.get()));
        advance(Duration.ofSeconds(2));
        scheduler.tick();
        publisher.onEvent(event("r2", EventKind.RUN_FAILED, now.get()));
        advance(Duration.ofSeconds(2));
        publisher.heartbeat();
        assertThat(progress()).singleElement().satisfies(p -> assertThat(p.getRunId()).isEqualTo("r2"));
        assertThat(scheduler.started()).isEqualTo(2);
    }

    @Test
    void stopsOnClose() {
        publisher.onEvent(event("r1", EventKind.RUN_STARTED, T0));
        publisher.close();
        assertThat(scheduler.running()).isFalse();
        assertThat(scheduler.closed()).isTrue();
        publisher.heartbeat();
        assertThat(progress()).isEmpty();
        assertThat(mock.closed()).isTrue();
    }

    @Test
    void neverOlderThanAnEventAlreadySent() {
        publisher.onEvent(event("r1", EventKind.RUN_STARTED, T0));
        Instant ahead = T0.plusSeconds(30); // the trainer's clock runs ahead of the publisher's
        publisher.onEvent(event("r1", EventKind.EPOCH_STARTED, ahead));
        scheduler.tick();
        advance(Duration.ofSeconds(2));
        scheduler.tick();
        assertThat(progress()).extracting(TrainingEvent::getEventTime).containsExactly(ahead, ahead);
    }

    @Test
    void neverCoversAnEventThatIsStampedButNotYetSent() {
        publisher.onEvent(event("r1", EventKind.RUN_STARTED, T0));
        InstantSource stamps = publisher.stampClock(now::get);
        advance(Duration.ofSeconds(2));
        Instant stamped = stamps.instant(); // the training thread stamps EPOCH_COMPLETED ...
        advance(Duration.ofSeconds(2));
        scheduler.tick(); // ... and a heartbeat comes before it sends it
        publisher.onEvent(event("r1", EventKind.EPOCH_COMPLETED, stamped));
        scheduler.tick();

        assertThat(mock.history()).extracting(r -> r.value().getKind()).containsExactly(EventKind.RUN_STARTED,
                EventKind.PROGRESS, EventKind.EPOCH_COMPLETED, EventKind.PROGRESS);
        assertThat(progress()).extracting(TrainingEvent::getEventTime)
                .containsExactly(stamped.minusNanos(1_000), now.get());
    }

    @Test
    void skipsATickWhenAStampedEventSharesTheLastTimeSent() {
        publisher.onEvent(event("r1", EventKind.RUN_STARTED, T0));
        publisher.stampClock(() -> T0).instant();
        advance(Duration.ofSeconds(2));
        scheduler.tick();
        assertThat(progress()).as("any time promised would cover the pending event or go back in time").isEmpty();
    }

    @Test
    void aStampTakenAfterAHeartbeatIsLaterThanIt() {
        publisher.onEvent(event("r1", EventKind.RUN_STARTED, T0));
        advance(Duration.ofSeconds(2));
        scheduler.tick();
        Instant promised = now.get();
        assertThat(publisher.stampClock(now::get).instant()).as("same microsecond").isEqualTo(promised.plusNanos(1_000));
        assertThat(publisher.stampClock(() -> T0).instant()).as("a clock stepped back").isEqualTo(promised.plusNanos(1_000));
        assertThat(publisher.stampClock(() -> promised.plusMillis(1)).instant()).isEqualTo(promised.plusMillis(1));
    }

    @Test
    void aFailedHeartbeatSurfacesFromTheNextEventAndStopsTheHeartbeats() {
        mock = new MockProducer<>(false, null, new StringSerializer(), AmpwatchSerdes.trainingEvent().serializer());
        publisher = new KafkaTrainingPublisher(mock, "t", now::get, Duration.ofSeconds(1), scheduler);
        publisher.onEvent(event("r9", EventKind.RUN_STARTED, T0));
        assertThat(mock.completeNext()).isTrue();
        scheduler.tick();
        mock.errorNext(new TimeoutException("broker gone"));

        scheduler.tick();
        assertThat(mock.history()).hasSize(2).as("no heartbeat after a failure");
        assertThatThrownBy(() -> publisher.onEvent(event("r9", EventKind.EPOCH_STARTED, T0)))
                .isInstanceOf(PublishException.class).hasMessageContaining("PROGRESS of run r9").hasMessageContaining("broker gone");
    }
}
