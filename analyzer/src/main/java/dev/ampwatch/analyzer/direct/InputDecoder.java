package dev.ampwatch.analyzer.direct;

import dev.ampwatch.analyzer.streams.HostInput;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/** Turns a fetched record of either input into what a {@link PartitionTask} queues. Thread-safe. */
final class InputDecoder {
    private final Deserializer<PowerSample> samples;
    private final Deserializer<TrainingEvent> events;

    InputDecoder(Topics topics) {
        this.samples = topics.powerSamples().valueSerde().deserializer();
        this.events = topics.trainingEvents().valueSerde().deserializer();
    }

    /**
     * Decodes a record and stamps it with its event time (never negative, as Kafka Streams' extractor:
     * a negative time reaches the validator, which dead-letters it); one that does not decode is stamped
     * with its record timestamp (else {@code partitionTimeMs}) and dead-lettered when its turn comes.
     */
    PartitionTask.Fetched decode(boolean sample, ConsumerRecord<byte[], byte[]> r, long partitionTimeMs) {
        HostInput input;
        try {
            if (sample) {
                input = r.value() == null ? new HostInput.Sample(null, null)
                        : new HostInput.Sample(samples.deserialize(r.topic(), r.value()), r.value());
            } else {
                input = new HostInput.Event(r.value() == null ? null : events.deserialize(r.topic(), r.value()));
            }
        } catch (RuntimeException e) {
            long ts = r.timestamp() >= 0 ? r.timestamp() : partitionTimeMs;
            return new PartitionTask.Fetched(sample, r.offset(), ts, r.key(), r.value(), r.timestamp(), null,
                    String.valueOf(e.getMessage()));
        }
        long ts = input.isEmpty() ? (r.timestamp() >= 0 ? r.timestamp() : partitionTimeMs)
                : Math.max(0, input.eventTime().toEpochMilli());
        return new PartitionTask.Fetched(sample, r.offset(), ts, r.key(), null, r.timestamp(), input, null);
    }
}
