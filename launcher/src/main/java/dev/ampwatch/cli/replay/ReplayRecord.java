package dev.ampwatch.cli.replay;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One record to replay: a power sample or a training event, and where it was read.
 *
 * @param origin {@code file:line}, for messages
 * @param sample set for a power sample
 * @param event set for a training event
 */
record ReplayRecord(String origin, PowerSample sample, TrainingEvent event) {
    ReplayRecord {
        Objects.requireNonNull(origin);
        if ((sample == null) == (event == null)) {
            throw new IllegalArgumentException("exactly one of sample and event");
        }
    }

    static ReplayRecord of(String origin, PowerSample sample) {
        return new ReplayRecord(origin, sample, null);
    }

    static ReplayRecord of(String origin, TrainingEvent event) {
        return new ReplayRecord(origin, null, event);
    }

    Instant eventTime() {
        return sample != null ? sample.getEventTime() : event.getEventTime();
    }

    /** The record key: host for samples, run id for events (docs/topics.md). */
    String key() {
        return sample != null ? sample.getHost() : event.getRunId();
    }

    ReplayRecord shiftedBy(Duration offset) {
        Instant t = eventTime().plus(offset);
        return sample != null
                ? of(origin, PowerSample.newBuilder(sample).setEventTime(t).build())
                : of(origin, TrainingEvent.newBuilder(event).setEventTime(t).build());
    }
}
