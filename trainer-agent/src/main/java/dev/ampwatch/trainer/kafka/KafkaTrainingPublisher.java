package dev.ampwatch.trainer.kafka;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import dev.ampwatch.trainer.TrainingListener;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes training events to Kafka, keyed by host ({@code event.getHost()}) like power samples, so
 * the analyzer's two inputs are co-partitioned and a host's events stay in order on one partition.
 * The producer is idempotent with {@code acks=all}: a retried send is neither lost nor duplicated.
 *
 * <p>Broker outages: events go into an ordered outbox that one sender drains into the producer, so the
 * trainer never waits for Kafka (a Kafka 4 client that loses every broker forgets the topic's metadata
 * and would block each send for {@code max.block.ms}, stalling the training being measured). A send the
 * producer refuses for want of metadata or buffer is retried, the same event first, at the next heartbeat,
 * event or wait, and deliveries
 * do not expire ({@code delivery.timeout.ms} is the maximum): nothing is lost or reordered while the
 * process lives, and the notices say when Kafka stopped and started taking events again. At
 * {@link #close()}, events Kafka has not acknowledged within the close wait (a broker still down) are
 * saved as JSON lines that {@code ampwatch replay --events} publishes later, and the exception names the
 * file. When a run completes or fails the publisher waits briefly ({@link #RUN_END_WAIT}) for Kafka to
 * acknowledge it, so the end of a run is normally on the broker before
 * {@link dev.ampwatch.trainer.TrainingJob#run()} returns.
 *
 * <p>Heartbeats: while a run is open (its RUN_STARTED sent, its RUN_COMPLETED or RUN_FAILED not yet)
 * a run-level PROGRESS goes out every heartbeat interval (default {@link #DEFAULT_HEARTBEAT_INTERVAL}),
 * promising that every event of the run up to its event time has been sent; {@link RunProgress} says
 * why the promise holds (the outbox keeps the order in which events and heartbeats were given). The
 * analyzer advances its per-host watermark on these, not on wall-clock time. Stamp events with
 * {@link #stampClock} ({@code TrainingJob} does) so a heartbeat never covers an event stamped but not yet
 * given to {@link #onEvent}. While Kafka does not take them, a run's newer heartbeat replaces its older one
 * still waiting at the end of the outbox.
 *
 * <p>A send Kafka refuses for good (authorization, a record too large) is logged with topic and run id
 * and surfaced as a {@link PublishException} from the next {@link #onEvent}, {@link #flush()} or
 * {@link #close()}; the training job turns that into a failed run. No heartbeat is sent after a failure.
 *
 * <p>Thread-safe: events and heartbeats enter the outbox under one lock. Normally called from the training
 * thread, heartbeats from the scheduler's.
 */
public final class KafkaTrainingPublisher implements TrainingListener, AutoCloseable {
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
    /** How long {@link #close()} waits by default for Kafka to acknowledge what it has not yet. */
    public static final Duration DEFAULT_CLOSE_WAIT = Duration.ofMinutes(2);
    /** How long the end of a run waits for Kafka's acknowledgement before the trainer goes on. */
    static final Duration RUN_END_WAIT = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTrainingPublisher.class);
    private final String topic;
    private final InstantSource clock;
    private final Duration heartbeatInterval;
    private final HeartbeatScheduler scheduler;
    private final OutboxSender delivery;
    private final Object lock; // the delivery's: events, heartbeats and the run progress in one order
    private final RunProgress progress = new RunProgress(); // guarded by lock
    private HeartbeatScheduler.Repeating heartbeats; // guarded by lock; set while a run is open
    private boolean closed; // guarded by lock
    private Duration closeWait = DEFAULT_CLOSE_WAIT;
    private Path undeliveredDir = Path.of("");
    /** The cluster's address where known (the notices and the replay command name it); null over a given producer. */
    private volatile String bootstrapServers;

    /**
     * @param clientProperties Kafka producer properties (at least {@code bootstrap.servers});
     *     serializers, idempotence, acks and the delivery timeout are set here and override the caller's
     * @param topic topic to write, normally {@code Topics.defaults().trainingEvents().name()}
     */
    public KafkaTrainingPublisher(Map<String, Object> clientProperties, String topic) {
        this(clientProperties, topic, DEFAULT_HEARTBEAT_INTERVAL);
    }

    /** As {@link #KafkaTrainingPublisher(Map, String)}, with a PROGRESS every {@code heartbeatInterval}. */
    public KafkaTrainingPublisher(Map<String, Object> clientProperties, String topic, Duration heartbeatInterval) {
        this(TrainingEventsProducer.create(clientProperties), topic, InstantSource.system(), heartbeatInterval,
                HeartbeatScheduler.daemon(), senderThread());
        Object servers = clientProperties.get("bootstrap.servers");
        if (servers != null && !String.valueOf(servers).isBlank()) {
            bootstrapServers = String.valueOf(servers).strip();
            delivery.describedAs("Kafka at " + bootstrapServers);
        }
    }

    /** Publishes to the default training-events topic. */
    public KafkaTrainingPublisher(Map<String, Object> clientProperties) {
        this(clientProperties, Topics.defaults().trainingEvents().name());
    }

    /**
     * Over any producer, with the default heartbeats, sending on the caller's thread. Takes ownership:
     * {@link #close()} closes it.
     */
    public KafkaTrainingPublisher(Producer<String, TrainingEvent> producer, String topic) {
        this(producer, topic, InstantSource.system(), DEFAULT_HEARTBEAT_INTERVAL, HeartbeatScheduler.daemon());
    }

    /**
     * Over any producer, e.g. a MockProducer in tests, with the heartbeats' clock, interval and scheduler
     * given, sending on the thread that gives the event. Takes ownership of producer and scheduler:
     * {@link #close()} closes both.
     */
    public KafkaTrainingPublisher(Producer<String, TrainingEvent> producer, String topic, InstantSource clock,
            Duration heartbeatInterval, HeartbeatScheduler scheduler) {
        this(producer, topic, clock, heartbeatInterval, scheduler, Runnable::run);
    }

    /**
     * As above, with the executor that drains the outbox into the producer (one task at a time is given
     * to it); an {@link ExecutorService} is shut down by {@link #close()}.
     */
    public KafkaTrainingPublisher(Producer<String, TrainingEvent> producer, String topic, InstantSource clock,
            Duration heartbeatInterval, HeartbeatScheduler scheduler, Executor sender) {
        this.topic = Objects.requireNonNull(topic);
        this.clock = Objects.requireNonNull(clock);
        this.heartbeatInterval = Objects.requireNonNull(heartbeatInterval);
        this.scheduler = Objects.requireNonNull(scheduler);
        this.delivery = new OutboxSender(producer, topic, clock, sender, LOG::warn);
        this.lock = delivery.lock();
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("heartbeat interval must be positive: " + heartbeatInterval);
        }
    }

    private static ExecutorService senderThread() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ampwatch-training-events-sender");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * What {@link #close()} does with events Kafka has not acknowledged: waits up to {@code wait} for it,
     * then saves them under {@code dir}; {@code notices} hears when Kafka stops and starts taking events
     * and what close waits for (default: logged as warnings).
     */
    public KafkaTrainingPublisher undelivered(Duration wait, Path dir, Consumer<String> notices) {
        if (wait.isNegative()) {
            throw new IllegalArgumentException("close wait must not be negative: " + wait);
        }
        this.closeWait = wait;
        this.undeliveredDir = Objects.requireNonNull(dir);
        delivery.notices(notices);
        return this;
    }

    public String topic() {
        return topic;
    }

    @Override
    public void onEvent(TrainingEvent event) {
        synchronized (lock) {
            delivery.throwIfFailed();
            delivery.enqueue(event);
            progress.sent(event);
            if (progress.anyOpen() && heartbeats == null && !closed) {
                heartbeats = scheduler.every(heartbeatInterval, this::tick);
            } else if (!progress.anyOpen() && heartbeats != null) {
                heartbeats.cancel();
                heartbeats = null;
            }
        }
        delivery.kick();
        if (event.getKind() == EventKind.RUN_COMPLETED || event.getKind() == EventKind.RUN_FAILED) {
            delivery.awaitAcknowledged(RUN_END_WAIT, false);
        }
        delivery.throwIfFailed();
    }

    /**
     * {@code base}, telling this publisher of every stamp it hands out, so the heartbeats stay below the
     * time of an event until that event has been sent; a stamp is moved to just after the last heartbeat
     * if it would not be later. Read it on the thread that delivers the events.
     */
    @Override
    public InstantSource stampClock(InstantSource base) {
        Objects.requireNonNull(base);
        return () -> {
            synchronized (lock) { // so no heartbeat is chosen between reading the time and noting it
                return progress.stamp(base.instant());
            }
        };
    }

    /**
     * Sends a PROGRESS for every open run now; the scheduler calls it every interval, tests directly.
     * Does nothing when no run is open, after a failed send, or once closed. A failed send is surfaced
     * by the next {@link #onEvent}.
     */
    public void heartbeat() {
        synchronized (lock) {
            if (closed || delivery.failure() != null) {
                return;
            }
            progress.heartbeats(clock.instant()).forEach(delivery::enqueue);
            delivery.noticeStall(null);
        }
        delivery.kick();
    }

    /** Waits (at most the close wait) until Kafka acknowledged every event given; throws if any send failed. */
    public void flush() {
        delivery.awaitAcknowledged(closeWait, false);
        delivery.throwIfFailed();
    }

    /** Events given and not yet acknowledged by Kafka (queued or in the producer). */
    public int unacknowledged() {
        return delivery.unacknowledged();
    }

    /**
     * Stops the heartbeats, waits up to the close wait for Kafka to acknowledge every event, closes the
     * producer; saves what was not acknowledged (JSON lines for {@code ampwatch replay --events}) and throws
     * naming the file, or throws if a send failed.
     */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true; // a heartbeat already waiting for the lock sends nothing
            if (heartbeats != null) {
                heartbeats.cancel();
                heartbeats = null;
            }
        }
        boolean acknowledged;
        try {
            scheduler.close();
            delivery.kick();
            acknowledged = delivery.awaitAcknowledged(closeWait, true);
        } catch (RuntimeException e) { // a notices consumer that threw, say: what Kafka has not taken is still saved
            try {
                PublishException saved = saveUnsent(delivery.close(false));
                if (saved != null) {
                    e.addSuppressed(saved);
                }
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        PublishException saved = saveUnsent(delivery.close(acknowledged));
        if (saved != null) {
            throw saved;
        }
        delivery.throwIfFailed();
    }

    /** Saves the events of {@code left} (heartbeats left out) for {@code ampwatch replay}; the exception naming the file, or null. */
    private PublishException saveUnsent(List<TrainingEvent> left) {
        List<TrainingEvent> unsent = left.stream().filter(e -> e.getKind() != EventKind.PROGRESS).toList();
        return unsent.isEmpty() ? null : UndeliveredEvents.save(unsent, topic, delivery.whyUndelivered(closeWait),
                undeliveredDir, clock.instant(), delivery.failure(), bootstrapServers);
    }

    /** The scheduler's task: must not throw, or a scheduled executor would silently stop calling it. */
    private void tick() {
        try {
            heartbeat();
        } catch (RuntimeException e) {
            delivery.recordFailure("(heartbeat)", EventKind.PROGRESS, e);
        }
    }
}
