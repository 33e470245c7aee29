package dev.ampwatch.trainer.kafka;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Duration;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery half of {@link KafkaTrainingPublisher}: its {@link Outbox}, drained into the producer by one task at a
 * time on the sender executor, oldest first; an event the producer refused for now (no metadata, the buffer full) is
 * tried again first at the next {@link #kick()}. Acknowledgements, the first failed send, the notices when Kafka stops
 * and starts taking events, and the wait for them are here.
 *
 * <p>Guarded by {@link #lock()}: the publisher holds it to give events and heartbeats in one order with its run
 * progress ({@link #enqueue} needs it held).
 */
final class OutboxSender {
    /** How long events may wait unacknowledged before the notices say Kafka is not taking them. */
    static final Duration STALL_NOTICE = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTrainingPublisher.class); // what users filter on
    private final Producer<String, TrainingEvent> producer;
    private final String topic;
    private final InstantSource clock;
    private final Executor sender;
    private final AtomicReference<PublishException> failure = new AtomicReference<>();
    private final Object lock = new Object();
    private final Outbox outbox = new Outbox(); // guarded by lock
    private boolean draining; // guarded by lock: a drain is running or submitted
    private boolean abandoned; // guarded by lock: closed without waiting any longer
    private volatile Consumer<String> notices;

    OutboxSender(Producer<String, TrainingEvent> producer, String topic, InstantSource clock, Executor sender,
                 Consumer<String> notices) {
        this.producer = Objects.requireNonNull(producer);
        this.topic = Objects.requireNonNull(topic);
        this.clock = Objects.requireNonNull(clock);
        this.sender = Objects.requireNonNull(sender);
        this.notices = Objects.requireNonNull(notices);
    }

    /** The lock that guards the outbox; the publisher's too. */
    Object lock() {
        return lock;
    }

    void notices(Consumer<String> notices) {
        this.notices = Objects.requireNonNull(notices);
    }

    /** How the notices name the cluster ({@code Kafka at HOST:PORT}). */
    void describedAs(String kafka) {
        synchronized (lock) {
            outbox.describedAs(kafka);
        }
    }

    /** Into the outbox; the caller holds the lock. */
    void enqueue(TrainingEvent event) {
        outbox.add(event, clock.instant());
    }

    /** Events given and not yet acknowledged by Kafka (queued or in the producer). */
    int unacknowledged() {
        synchronized (lock) {
            return outbox.size();
        }
    }

    /** Starts a drain unless one is running. */
    void kick() {
        synchronized (lock) {
            if (draining || !outbox.hasQueued() || abandoned) {
                return;
            }
            draining = true;
        }
        try {
            sender.execute(this::drain);
        } catch (RejectedExecutionException e) { // shut down by close()
            synchronized (lock) {
                draining = false;
            }
        }
    }

    /** Gives the outbox to the producer, oldest first; an event the producer refused for now is tried again first. */
    private void drain() {
        while (true) {
            Outbox.Pending next;
            synchronized (lock) {
                if (!outbox.hasQueued() || abandoned || failure.get() != null) {
                    draining = false;
                    lock.notifyAll();
                    return;
                }
                next = outbox.next();
            }
            RuntimeException refused = null;
            try {
                refused = TrainingEventsProducer.send(producer, new ProducerRecord<>(topic, next.event().getHost(), next.event()),
                        (metadata, e) -> acknowledged(next, e));
            } catch (KafkaException | IllegalStateException e) { // serialization, closed
                boolean quiet;
                synchronized (lock) {
                    quiet = abandoned;
                }
                if (!quiet) {
                    recordFailure(next.event().getRunId(), next.event().getKind(), e);
                }
            }
            if (refused != null) {
                // not appended: no metadata (no broker reachable) or the buffer full, after max.block.ms; the same
                // event first when the next heartbeat, event or wait starts a drain again
                synchronized (lock) {
                    outbox.refused(next);
                    noticeStall(refused.getMessage());
                    draining = false;
                    lock.notifyAll();
                    return;
                }
            }
        }
    }

    private void acknowledged(Outbox.Pending p, Exception e) {
        synchronized (lock) {
            if (abandoned) {
                return;
            }
            if (e == null) {
                outbox.acknowledged(p);
                String recovered = outbox.recoveryNotice();
                if (recovered != null) {
                    notices.accept(recovered);
                }
            }
            lock.notifyAll();
        }
        if (e != null) { // left in flight: saved by close()
            recordFailure(p.event().getRunId(), p.event().getKind(), e);
        }
    }

    /** Under the lock: says once that Kafka has not taken the oldest event for {@link #STALL_NOTICE}. */
    void noticeStall(String cause) {
        String notice = outbox.stallNotice(clock.instant(), cause, STALL_NOTICE);
        if (notice != null) {
            notices.accept(notice);
        }
    }

    /** Until every event given is acknowledged (true), a send failed (false) or {@code max} passed (false). */
    boolean awaitAcknowledged(Duration max, boolean closing) {
        long deadline = System.nanoTime() + max.toNanos();
        boolean told = false;
        synchronized (lock) {
            while (!outbox.isEmpty()) {
                if (failure.get() != null) {
                    return false;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                if (closing && !told && outbox.stalledSince() != null) {
                    told = true;
                    notices.accept("waiting up to " + max.toSeconds() + " s for Kafka to take " + outbox.size()
                            + " training events (held since " + outbox.stalledSince().truncatedTo(ChronoUnit.SECONDS)
                            + "); what it has not taken then is saved to a file for ampwatch replay");
                }
                try {
                    lock.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 1_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                noticeStall(null);
                kick(); // a drain that the producer refused ended: try again
            }
            return true;
        }
    }

    /**
     * Stops delivering: what the producer has not acknowledged is left to the caller (in the order given), or nothing
     * is abandoned when every event was acknowledged; the producer is closed (at once when events were left) and an
     * {@link ExecutorService} sender shut down.
     */
    List<TrainingEvent> close(boolean acknowledged) {
        List<TrainingEvent> left;
        try {
            synchronized (lock) {
                abandoned = !acknowledged;
                left = outbox.unacknowledged();
                lock.notifyAll();
            }
            producer.close(acknowledged ? Duration.ofSeconds(30) : Duration.ZERO);
        } finally {
            if (sender instanceof ExecutorService service) {
                service.shutdownNow();
            }
        }
        return left;
    }

    /** Why events were not delivered by the end of {@code closeWait}: the failed send, or Kafka not taking them. */
    String whyUndelivered(Duration closeWait) {
        synchronized (lock) {
            PublishException failed = failure.get();
            return failed != null ? failed.getMessage()
                    : outbox.kafka() + " did not take them within " + closeWait.toSeconds() + " s" + outbox.stallCause();
        }
    }

    /** The first send Kafka refused for good, or null. */
    PublishException failure() {
        return failure.get();
    }

    void recordFailure(String runId, EventKind kind, Exception e) {
        PublishException failed = new PublishException(topic, runId, kind, e);
        if (failure.compareAndSet(null, failed)) {
            LOG.error("{}", failed.getMessage());
            LOG.debug("the failed send", e);
        } else {
            LOG.debug("also failed: {}", failed.getMessage());
        }
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    void throwIfFailed() {
        PublishException e = failure.get();
        if (e != null) {
            throw e;
        }
    }
}
