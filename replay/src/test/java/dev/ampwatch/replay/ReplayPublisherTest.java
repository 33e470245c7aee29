package dev.ampwatch.replay;

import static dev.ampwatch.replay.ReplayStreamTest.T0;
import static dev.ampwatch.replay.ReplayStreamTest.event;
import static dev.ampwatch.replay.ReplayStreamTest.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** What goes over the wire: topics, keys, timestamps, and the markers among the events. */
class ReplayPublisherTest {
    final Topics topics = Topics.withPrefix("t.");
    final MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());

    @Test
    void eventsAndMarkersGoToTheEventsTopicKeyedByHostAndStampedWithTheirEventTime() {
        List<ReplayRecord> stream = ReplayStream.plan(List.of(sample("rig-1", T0.plusMillis(200)),
                event("rig-1", T0.plusMillis(700)), sample("rig-2", T0.plusMillis(1500))), Duration.ofSeconds(1), null);

        Map<String, Long> acked = ReplayPublisher.publish(producer, topics, stream);

        assertThat(acked).containsExactly(Map.entry("t.power-samples", 2L), Map.entry("t.training-events", 3L));
        Deserializer<TrainingEvent> events = topics.trainingEvents().valueSerde().deserializer();
        List<ProducerRecord<String, byte[]>> sent = producer.history();
        assertThat(sent).extracting(ProducerRecord::topic).containsExactly("t.power-samples", "t.training-events",
                "t.training-events", "t.power-samples", "t.training-events");
        List<String> onEventsTopic = sent.stream().filter(r -> r.topic().equals("t.training-events")).map(r -> {
            TrainingEvent e = events.deserialize(r.topic(), r.value());
            assertThat(r.key()).isEqualTo(e.getHost());
            assertThat(r.timestamp()).isEqualTo(e.getEventTime().toEpochMilli());
            return e.getKind() + " " + e.getHost() + " '" + e.getRunId() + "' " + e.getEventTime();
        }).toList();
        assertThat(onEventsTopic).containsExactly(
                "EPOCH_STARTED rig-1 'run-rig-1' 2026-11-23T10:00:00.700Z",
                "PROGRESS rig-1 '' 2026-11-23T10:00:01Z",
                "STREAM_END rig-1 '' 2026-11-23T10:00:01Z"); // rig-2 sent no training event here: no promise for it
        assertThat(sent.get(0).key()).isEqualTo("rig-1");
    }

    @Test
    void aRefusedMarkerIsNamedInTheFailure() {
        // a broker that refuses every send, e.g. for want of write access to the topic
        MockProducer<String, byte[]> refusing = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
                callback.onCompletion(null, new TopicAuthorizationException("not allowed"));
                return CompletableFuture.completedFuture(null);
            }
        };
        List<ReplayRecord> stream = List.of(ReplayRecord.marker(EventKind.PROGRESS, "rig-1", T0));
        assertThatThrownBy(() -> ReplayPublisher.publish(refusing, topics, stream)).hasMessageContaining(
                "sending PROGRESS marker of host rig-1 to t.training-events failed: not allowed (0 of 1 records were acknowledged");
    }
}
