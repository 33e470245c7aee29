package dev.ampwatch.trainer.kafka;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

/**
 * The publisher's ordered outbox: events given and not yet acknowledged by Kafka, those not yet handed to the
 * producer ({@link #next()}) and those handed to it and waiting for its answer. Not thread-safe: the publisher
 * guards it with its lock.
 */
final class Outbox {
    /** An event in the outbox, with when it was given (the publisher's clock). */
    record Pending(long seq, TrainingEvent event, Instant given) {
    }

    private final ArrayDeque<Pending> queued = new ArrayDeque<>(); // not yet given to the producer
    private final TreeMap<Long, Pending> inFlight = new TreeMap<>(); // given, not yet acknowledged
    private long nextSeq;
    private Instant stalledSince; // when the notices said Kafka was not taking events
    private String stallCause;
    /** How the notices name the cluster: "Kafka", or "Kafka at HOST:PORT" where the address is known. */
    private String kafka = "Kafka";

    /** At the end; a heartbeat replaces the same run's older one still at the end of the queue. */
    void add(TrainingEvent event, Instant given) {
        if (event.getKind() == EventKind.PROGRESS) {
            for (Iterator<Pending> it = queued.descendingIterator(); it.hasNext(); ) {
                Pending p = it.next();
                if (p.event().getKind() != EventKind.PROGRESS) {
                    break; // only heartbeats after every event: the newer one covers the same events
                }
                if (p.event().getRunId().equals(event.getRunId())) {
                    it.remove();
                    break;
                }
            }
        }
        queued.addLast(new Pending(nextSeq++, event, given));
    }

    boolean hasQueued() {
        return !queued.isEmpty();
    }

    /** The oldest queued event, now in flight; null when none is queued. */
    Pending next() {
        Pending next = queued.pollFirst();
        if (next != null) {
            inFlight.put(next.seq(), next);
        }
        return next;
    }

    /** The producer refused {@code p} for now: back to the front of the queue, the first to be given again. */
    void refused(Pending p) {
        inFlight.remove(p.seq());
        queued.addFirst(p);
    }

    /** Kafka acknowledged {@code p}. */
    void acknowledged(Pending p) {
        inFlight.remove(p.seq());
    }

    boolean isEmpty() {
        return queued.isEmpty() && inFlight.isEmpty();
    }

    int size() {
        return queued.size() + inFlight.size();
    }

    /** The event waiting longest (in flight before queued); null when empty. */
    Pending oldest() {
        return inFlight.isEmpty() ? queued.peekFirst() : inFlight.firstEntry().getValue();
    }

    /** Everything not acknowledged, in the order given. */
    List<TrainingEvent> unacknowledged() {
        List<TrainingEvent> all = new ArrayList<>(size());
        inFlight.values().forEach(p -> all.add(p.event()));
        queued.forEach(p -> all.add(p.event()));
        return all;
    }

    /** Names the cluster in the notices ("Kafka at 127.0.0.1:9092"). */
    void describedAs(String kafka) {
        this.kafka = kafka;
    }

    /** How the notices name the cluster. */
    String kafka() {
        return kafka;
    }

    /**
     * The notice, once, that Kafka has not taken the oldest event for {@code after}, naming the producer's last refusal
     * ({@code cause}, kept when null); null when there is nothing to say.
     */
    String stallNotice(Instant now, String cause, Duration after) {
        if (cause != null) {
            stallCause = cause;
        }
        Pending oldest = oldest();
        if (stalledSince != null || oldest == null || Duration.between(oldest.given(), now).compareTo(after) < 0) {
            return null;
        }
        stalledSince = oldest.given();
        return kafka + " has not taken the training events for " + Duration.between(oldest.given(), now).toSeconds() + " s"
                + (stallCause == null ? "" : " (" + stallCause + ")") + ": holding " + size()
                + " in memory and retrying; the training goes on and nothing is lost while this process runs";
    }

    /** The notice that Kafka took everything held since a stall notice; null when there is nothing to say. */
    String recoveryNotice() {
        if (stalledSince == null || !isEmpty()) {
            return null;
        }
        String notice = kafka + " takes the training events again: every event held since "
                + stalledSince.truncatedTo(ChronoUnit.SECONDS) + " is on the broker, nothing was lost";
        stalledSince = null;
        return notice;
    }

    /** When the events a stall notice spoke of were given; null when Kafka is taking events. */
    Instant stalledSince() {
        return stalledSince;
    }

    /** The producer's last refusal, as a suffix " (why)", or "". */
    String stallCause() {
        return stallCause == null ? "" : " (" + stallCause + ")";
    }
}
