package dev.ampwatch.trainer.kafka;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.schema.kafka.Topics;
import dev.ampwatch.trainer.TrainingListener;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes training events to Kafka, keyed by host ({@code event.getHost()}) like power samples, so
 * the analyzer's two inputs are co-partitioned and a host's events stay in order on one partition.
 * The producer is idempotent with {@code acks=all}: a retried send is neither lost nor duplicated.
 * Sends are asynchronous; the publisher flushes when a run completes or fails, so the end of a run
 * is on the broker before {@link dev.ampwatch.trainer.TrainingJob#run()} returns.
 *
 * <p>Heartbeats: while a run is open (its RUN_STARTED sent, its RUN_COMPLETED or RUN_FAILED not yet)
 * a run-level PROGRESS goes out every heartbeat interval (default {@link #DEFAULT_HEARTBEAT_INTERVAL}),
 * promising that every event of the run up to its event time has been sent; {@link RunProgress} says
 * why the promise holds. The analyzer advances its per-host watermark on these, not on wall-clock
 * time. Stamp events with {@link #stampClock} ({@code TrainingJob} does) so a heartbeat never covers an
 * event stamped but not yet given to {@link #onEvent}.
 *
 * <p>A failed send, of an event or a heartbeat, is logged with topic and run id and surfaced as a
 * {@link PublishException} from the next {@link #onEvent}, {@link #flush()} or {@link #close()}; the
 * training job turns that into a failed run. No heartbeat is sent after a failure.
 *
 * <p>Thread-safe: events and heartbeats are sent under one lock. Normally called from the training
 * thread, heartbeats from the scheduler's.
 */
public final class KafkaTrainingPublisher implements TrainingListener, AutoCloseable {
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTrainingPublisher.class);
    private final Producer<String, TrainingEvent> producer;
    private final String topic;
    private final InstantSource clock;
    private final Duration heartbeatInterval;
    private final HeartbeatScheduler scheduler;
    private final AtomicReference<PublishException> failure = new AtomicReference<>();
    private final Object lock = new Object();
    private final RunProgress progress = new RunProgress(); // guarded by lock
    private HeartbeatScheduler.Repeating heartbeats; // guarded by lock; set while a run is open
    private boolean closed; // guarded by lock

    /**
     * @param clientProperties Kafka producer properties (at least {@code bootstrap.servers});
     *     serializers, idempotence and acks are set here and override the caller's
     * @param topic topic to write, normally {@code Topics.defaults().trainingEvents().name()}
     */
    public KafkaTrainingPublisher(Map<String, Object> clientProperties, String topic) {
        this(clientProperties, topic, DEFAULT_HEARTBEAT_INTERVAL);
    }

    /** As {@link #KafkaTrainingPublisher(Map, String)}, with a PROGRESS every {@code heartbeatInterval}. */
    public KafkaTrainingPublisher(Map<String, Object> clientProperties, String topic, Duration heartbeatInterval) {
        this(new KafkaProducer<>(producerConfig(clientProperties), new StringSerializer(),
                AmpwatchSerdes.trainingEvent().serializer()), topic, InstantSource.system(), heartbeatInterval,
                HeartbeatScheduler.daemon());
    }

    /** Publishes to the default training-events topic. */
    public KafkaTrainingPublisher(Map<String, Object> clientProperties) {
        this(clientProperties, Topics.defaults().trainingEvents().name());
    }

    /** Over any producer, with the default heartbeats. Takes ownership: {@link #close()} closes it. */
    public KafkaTrainingPublisher(Producer<String, TrainingEvent> producer, String topic) {
        this(producer, topic, InstantSource.system(), DEFAULT_HEARTBEAT_INTERVAL, HeartbeatScheduler.daemon());
    }

    /**
     * Over any producer, e.g. a MockProducer in tests, with the heartbeats' clock, interval and scheduler
     * given. Takes ownership of producer and scheduler: {@link #close()} closes both.
     */
    public KafkaTrainingPublisher(Producer<String, TrainingEvent> producer, String topic, InstantSource clock,
            Duration heartbeatInterval, HeartbeatScheduler scheduler) {
        this.producer = Objects.requireNonNull(producer);
        this.topic = Objects.requireNonNull(topic);
        this.clock = Objects.requireNonNull(clock);
        this.heartbeatInterval = Objects.requireNonNull(heartbeatInterval);
        this.scheduler = Objects.requireNonNull(scheduler);
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("heartbeat interval must be positive: " + heartbeatInterval);
        }
    }

    /** The caller's properties plus the settings this publisher depends on. */
    static Map<String, Object> producerConfig(Map<String, Object> clientProperties) {
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG); // instances are passed instead
        config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return config;
    }

    public String topic() {
        return topic;
    }

    @Override
    public void onEvent(TrainingEvent event) {
        synchronized (lock) {
            throwIfFailed();
            send(event);
            progress.sent(event);
            if (progress.anyOpen() && heartbeats == null && !closed) {
                heartbeats = scheduler.every(heartbeatInterval, this::tick);
            } else if (!progress.anyOpen() && heartbeats != null) {
                heartbeats.cancel();
                heartbeats = null;
            }
        }
        if (event.getKind() == EventKind.RUN_COMPLETED || event.getKind() == EventKind.RUN_FAILED) {
            flush();
        } else {
            throwIfFailed();
        }
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
            if (closed || failure.get() != null) {
                return;
            }
            progress.heartbeats(clock.instant()).forEach(this::send);
        }
    }

    /** Blocks until every sent event is acknowledged; throws if any send failed. */
    public void flush() {
        producer.flush();
        throwIfFailed();
    }

    /** Stops the heartbeats, flushes and closes the producer; throws if a send failed (after closing). */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true; // a heartbeat already waiting for the lock sends nothing
            if (heartbeats != null) {
                heartbeats.cancel();
                heartbeats = null;
            }
        }
        try {
            scheduler.close();
            producer.flush();
        } finally {
            producer.close();
        }
        throwIfFailed();
    }

    /** The scheduler's task: must not throw, or a scheduled executor would silently stop calling it. */
    private void tick() {
        try {
            heartbeat();
        } catch (RuntimeException e) {
            recordFailure("(heartbeat)", EventKind.PROGRESS, e);
        }
    }

    private void send(TrainingEvent event) {
        String runId = event.getRunId();
        try {
            producer.send(new ProducerRecord<>(topic, event.getHost(), event), (metadata, e) -> {
                if (e != null) {
                    recordFailure(runId, event.getKind(), e);
                }
            });
        } catch (KafkaException | IllegalStateException e) { // serialization, buffer exhaustion, closed
            recordFailure(runId, event.getKind(), e);
        }
    }

    private void recordFailure(String runId, EventKind kind, Exception e) {
        LOG.error("cannot publish {} of run {} to topic {}: {}", kind, runId, topic, e.toString(), e);
        failure.compareAndSet(null, new PublishException(topic, runId, kind, e));
    }

    private void throwIfFailed() {
        PublishException e = failure.get();
        if (e != null) {
            throw e;
        }
    }
}
