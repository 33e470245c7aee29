package dev.ampwatch.replay;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One record to replay: a power sample or a training event (a host-wide progress marker included),
 * and where it was read.
 *
 * @param origin {@code file:line}, for messages; for a marker, its kind and host
 * @param sample set for a power sample
 * @param event set for a training event or a marker
 */
public record ReplayRecord(String origin, PowerSample sample, TrainingEvent event) {
    public ReplayRecord {
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

    /**
     * A host-wide {@code PROGRESS} or {@code STREAM_END}: empty run and experiment ids, no devices,
     * so the analyzer reads it as a promise about the whole host rather than an event of some run.
     */
    static ReplayRecord marker(EventKind kind, String host, Instant at) {
        TrainingEvent e = TrainingEvent.newBuilder().setRunId("").setExperimentId("").setHost(host)
                .setDevices(List.of()).setEventTime(at).setKind(kind).build();
        return of(kind + " marker of host " + host, e); // no time here: shifting would make it wrong
    }

    static boolean isMarker(TrainingEvent e) {
        return e.getKind() == EventKind.PROGRESS || e.getKind() == EventKind.STREAM_END;
    }

    /** True for the markers replay adds (and for recorded ones, which it leaves out when reading). */
    public boolean marker() {
        return event != null && isMarker(event);
    }

    public Instant eventTime() {
        return sample != null ? sample.getEventTime() : event.getEventTime();
    }

    String host() {
        return sample != null ? sample.getHost() : event.getHost();
    }

    /** The record key: the host, for samples and events alike, so both topics are co-partitioned (docs/topics.md). */
    String key() {
        return host();
    }

    ReplayRecord shiftedBy(Duration offset) {
        Instant t = eventTime().plus(offset);
        return sample != null
                ? of(origin, PowerSample.newBuilder(sample).setEventTime(t).build())
                : of(origin, TrainingEvent.newBuilder(event).setEventTime(t).build());
    }
}
