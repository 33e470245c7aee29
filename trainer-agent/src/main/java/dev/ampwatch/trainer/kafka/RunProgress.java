package dev.ampwatch.trainer.kafka;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link KafkaTrainingPublisher} may promise: the runs open on it (RUN_STARTED sent, RUN_COMPLETED
 * or RUN_FAILED not yet), the latest event time it has sent, and the earliest time stamped for an event
 * it has not been given yet. It makes the run-level PROGRESS heartbeats from these.
 *
 * <p>A PROGRESS at t promises that every event of its run with an event time up to t has been sent.
 * That holds without relying on timing because a heartbeat's time is (1) never below an event time
 * already sent, so heartbeats are monotone and never older than the run's events; (2) strictly below
 * any stamp whose event is still on its way, and strictly above every stamp handed out after it (the
 * publisher's stamping clock takes its stamps here); and (3) taken under the publisher's lock, so no
 * event is sent between choosing it and sending it. An event stamped elsewhere (a follow trainer's own
 * {@code event_time}) is only covered by (1) and (3): it may still arrive behind a heartbeat.
 * Stamps are assumed to come from the thread that then delivers their events in order (the
 * {@link dev.ampwatch.trainer.TrainingListener} contract): each event sent settles every stamp before it.
 *
 * <p>Not thread-safe: the publisher calls it under its lock.
 */
final class RunProgress {
    private final Map<String, TrainingEvent> open = new LinkedHashMap<>();
    private Instant lastSent;
    private Instant lastHeartbeat;
    private Instant earliestPendingStamp;

    /**
     * A stamp for an event that follows: the time {@code read} from the job's clock, or just after the
     * last heartbeat when that is not later (the same microsecond, or a clock stepped back), since a
     * heartbeat has promised every event up to its time.
     */
    Instant stamp(Instant read) {
        Instant t = read;
        if (lastHeartbeat != null && !read.truncatedTo(ChronoUnit.MICROS).isAfter(lastHeartbeat)) {
            t = lastHeartbeat.plus(1, ChronoUnit.MICROS);
        }
        Instant micros = t.truncatedTo(ChronoUnit.MICROS); // the precision events are stamped with
        if (earliestPendingStamp == null || micros.isBefore(earliestPendingStamp)) {
            earliestPendingStamp = micros;
        }
        return t;
    }

    /** An event (not a heartbeat) was sent: it settles the stamps so far, and may open or end its run. */
    void sent(TrainingEvent event) {
        advance(event.getEventTime());
        earliestPendingStamp = null;
        switch (event.getKind()) {
            case RUN_STARTED -> open.put(event.getRunId(), event);
            case RUN_COMPLETED, RUN_FAILED -> open.remove(event.getRunId());
            default -> { }
        }
    }

    boolean anyOpen() {
        return !open.isEmpty();
    }

    /**
     * The PROGRESS of every open run at {@code now}, or at the latest time sent if that is later; none
     * when an event stamped at or before that time is still on its way (the next heartbeat catches up).
     * The caller sends what this returns.
     */
    List<TrainingEvent> heartbeats(Instant now) {
        if (open.isEmpty()) {
            return List.of();
        }
        Instant at = now.truncatedTo(ChronoUnit.MICROS);
        if (lastSent != null && at.isBefore(lastSent)) {
            at = lastSent;
        }
        if (earliestPendingStamp != null && !at.isBefore(earliestPendingStamp)) {
            at = earliestPendingStamp.minus(1, ChronoUnit.MICROS);
            if (lastSent != null && at.isBefore(lastSent)) {
                return List.of(); // the stamped event shares the last time sent: nothing new can be promised
            }
        }
        advance(at);
        lastHeartbeat = at;
        Instant time = at;
        return open.values().stream().map(run -> TrainingEvent.newBuilder().setRunId(run.getRunId())
                .setExperimentId(run.getExperimentId()).setHost(run.getHost()).setDevices(run.getDevices())
                .setEventTime(time).setKind(EventKind.PROGRESS).build()).toList();
    }

    private void advance(Instant t) {
        if (lastSent == null || t.isAfter(lastSent)) {
            lastSent = t;
        }
    }
}
