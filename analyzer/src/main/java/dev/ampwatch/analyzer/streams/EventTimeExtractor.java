package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Stream time is event time: the record's own {@code event_time}, not when it was produced. With it,
 * Kafka Streams interleaves the two input topics in event-time order (see {@code max.task.idle.ms}),
 * and a replayed trace behaves like a live one.
 */
public final class EventTimeExtractor implements TimestampExtractor {
    /**
     * A negative time is made 0: Kafka Streams drops a record with a negative timestamp before any
     * processor sees it, silently; at 0 it reaches the analyzer, which dead-letters it with the reason.
     */
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        return Math.max(0, eventTime(record, partitionTime));
    }

    private static long eventTime(ConsumerRecord<Object, Object> record, long partitionTime) {
        Object v = record.value();
        if (v instanceof PowerSample s) {
            return s.getEventTime().toEpochMilli();
        }
        if (v instanceof HostInput.Sample s && s.sample() != null) {
            return s.sample().getEventTime().toEpochMilli();
        }
        if (v instanceof TrainingEvent e) {
            return e.getEventTime().toEpochMilli();
        }
        return record.timestamp() >= 0 ? record.timestamp() : partitionTime;
    }
}
