package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Stream time is event time: the record's own {@code event_time}, not when it was produced. With it,
 * Kafka Streams interleaves the two input topics in event-time order (see {@code max.task.idle.ms}),
 * and a replayed trace behaves like a live one.
 *
 * <p>The extracted time is also the time Kafka Streams stamps on what the task writes while that record
 * is its current one, the timeline changelog included. A record further ahead of the clock than
 * {@code maxFutureSkew} is dead-lettered anyway, so it is given the clock's time instead of its own: the
 * broker refuses records stamped more than {@code log.message.timestamp.after.max.ms} (default 1 h)
 * ahead of its clock, and one such changelog write fails the task's whole transaction, again at every
 * retry (FuzzIT, PoisonRecordsIT).
 */
public final class EventTimeExtractor implements TimestampExtractor {
    private final long maxFutureSkewMs;
    private final Clock clock;

    public EventTimeExtractor(Duration maxFutureSkew) {
        this(maxFutureSkew, Clock.systemUTC());
    }

    EventTimeExtractor(Duration maxFutureSkew, Clock clock) {
        this.maxFutureSkewMs = maxFutureSkew.toMillis();
        this.clock = clock;
    }

    /**
     * A negative time is made 0: Kafka Streams drops a record with a negative timestamp before any
     * processor sees it, silently; at 0 it reaches the analyzer, which dead-letters it with the reason.
     */
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        long t = eventTime(record, partitionTime);
        if (t < 0) {
            return 0;
        }
        long now = clock.millis();
        return t - now > maxFutureSkewMs ? now : t;
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
