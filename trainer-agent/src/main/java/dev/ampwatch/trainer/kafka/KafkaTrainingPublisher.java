package dev.ampwatch.trainer.kafka;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.schema.kafka.Topics;
import dev.ampwatch.trainer.TrainingListener;
import dev.ampwatch.trainer.json.TrainingEventJsonWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
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
    /** How long events may wait unacknowledged before the notices say Kafka is not taking them. */
    static final Duration STALL_NOTICE = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTrainingPublisher.class);
    private final Producer<String, TrainingEvent> producer;
    private final String topic;
    private final InstantSource clock;
    private final Duration heartbeatInterval;
    private final HeartbeatScheduler scheduler;
    private final Executor sender;
    private final AtomicReference<PublishException> failure = new AtomicReference<>();
    private final Object lock = new Object();
    private final RunProgress progress = new RunProgress(); // guarded by lock
    private final ArrayDeque<Pending> queued = new ArrayDeque<>(); // guarded by lock: not yet given to the producer
    private final TreeMap<Long, Pending> inFlight = new TreeMap<>(); // guarded by lock: given, not yet acknowledged
    private long nextSeq; // guarded by lock
    private boolean draining; // guarded by lock: a drain is running or submitted
    private boolean abandoned; // guarded by lock: closed without waiting any longer
    private Instant stalledSince; // guarded by lock: when the notices said Kafka was not taking events
    private String stallCause; // guarded by lock
    private HeartbeatScheduler.Repeating heartbeats; // guarded by lock; set while a run is open
    private boolean closed; // guarded by lock
    private Duration closeWait = DEFAULT_CLOSE_WAIT;
    private Path undeliveredDir = Path.of("");
    private Consumer<String> notices = LOG::warn;

    /** An event in the outbox, with when it was given (the publisher's clock). */
    private record Pending(long seq, TrainingEvent event, Instant given) {
    }

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
        this(new KafkaProducer<>(producerConfig(clientProperties), new StringSerializer(),
                AmpwatchSerdes.trainingEvent().serializer()), topic, InstantSource.system(), heartbeatInterval,
                HeartbeatScheduler.daemon(), senderThread());
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
        this.producer = Objects.requireNonNull(producer);
        this.topic = Objects.requireNonNull(topic);
        this.clock = Objects.requireNonNull(clock);
        this.heartbeatInterval = Objects.requireNonNull(heartbeatInterval);
        this.scheduler = Objects.requireNonNull(scheduler);
        this.sender = Objects.requireNonNull(sender);
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
        this.notices = Objects.requireNonNull(notices);
        return this;
    }

    /** The caller's properties plus the settings this publisher depends on. */
    static Map<String, Object> producerConfig(Map<String, Object> clientProperties) {
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // never expire: an event waits out a broker outage in the producer, and close() decides what is undelivered
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        // a send waiting for metadata (no broker reachable) gives up after this and is tried again: the sender
        // sees close() at least this often
        config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
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
            enqueue(event);
            progress.sent(event);
            if (progress.anyOpen() && heartbeats == null && !closed) {
                heartbeats = scheduler.every(heartbeatInterval, this::tick);
            } else if (!progress.anyOpen() && heartbeats != null) {
                heartbeats.cancel();
                heartbeats = null;
            }
        }
        kick();
        if (event.getKind() == EventKind.RUN_COMPLETED || event.getKind() == EventKind.RUN_FAILED) {
            awaitAcknowledged(RUN_END_WAIT, false);
        }
        throwIfFailed();
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
            progress.heartbeats(clock.instant()).forEach(this::enqueue);
            noticeStall(null);
        }
        kick();
    }

    /** Waits (at most the close wait) until Kafka acknowledged every event given; throws if any send failed. */
    public void flush() {
        awaitAcknowledged(closeWait, false);
        throwIfFailed();
    }

    /** Events given and not yet acknowledged by Kafka (queued or in the producer). */
    public int unacknowledged() {
        synchronized (lock) {
            return queued.size() + inFlight.size();
        }
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
        List<Pending> left;
        try {
            scheduler.close();
            kick();
            boolean acknowledged = awaitAcknowledged(closeWait, true);
            synchronized (lock) {
                abandoned = !acknowledged;
                left = new ArrayList<>(inFlight.values());
                left.addAll(queued);
                lock.notifyAll();
            }
            producer.close(acknowledged ? Duration.ofSeconds(30) : Duration.ZERO);
        } finally {
            if (sender instanceof ExecutorService service) {
                service.shutdownNow();
            }
        }
        List<TrainingEvent> unsent = left.stream().map(Pending::event).filter(e -> e.getKind() != EventKind.PROGRESS).toList();
        if (!unsent.isEmpty()) {
            throw saved(unsent);
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

    /** Into the outbox, under the lock; a heartbeat replaces the same run's older one still at the end of it. */
    private void enqueue(TrainingEvent event) {
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
        queued.addLast(new Pending(nextSeq++, event, clock.instant()));
    }

    /** Starts a drain unless one is running. */
    private void kick() {
        synchronized (lock) {
            if (draining || queued.isEmpty() || abandoned) {
                return;
            }
            draining = true;
        }
        try {
            sender.execute(this::drain);
        } catch (java.util.concurrent.RejectedExecutionException e) { // shut down by close()
            synchronized (lock) {
                draining = false;
            }
        }
    }

    /** Gives the outbox to the producer, oldest first; an event the producer refused for now is tried again first. */
    private void drain() {
        while (true) {
            Pending next;
            synchronized (lock) {
                if (queued.isEmpty() || abandoned || failure.get() != null) {
                    draining = false;
                    lock.notifyAll();
                    return;
                }
                next = queued.pollFirst();
                inFlight.put(next.seq(), next);
            }
            RuntimeException refused = null;
            try {
                AtomicReference<RuntimeException> failedInSend = new AtomicReference<>();
                java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
                Thread drainer = Thread.currentThread();
                producer.send(new ProducerRecord<>(topic, next.event().getHost(), next.event()), (metadata, e) -> {
                    // the producer completes a send it did not append (no metadata after max.block.ms) within send(),
                    // on this thread; any later completion is Kafka's answer
                    if (e instanceof org.apache.kafka.common.errors.TimeoutException t && sending.get()
                            && Thread.currentThread() == drainer) {
                        failedInSend.set(t);
                    } else {
                        acknowledged(next, e);
                    }
                });
                sending.set(false);
                refused = failedInSend.get();
            } catch (org.apache.kafka.common.errors.TimeoutException e) { // the same, thrown (MockProducer, older clients)
                refused = e;
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
                    inFlight.remove(next.seq());
                    queued.addFirst(next);
                    noticeStall(refused.getMessage());
                    draining = false;
                    lock.notifyAll();
                    return;
                }
            }
        }
    }


    private void acknowledged(Pending p, Exception e) {
        synchronized (lock) {
            if (abandoned) {
                return;
            }
            if (e == null) {
                inFlight.remove(p.seq());
                if (stalledSince != null && queued.isEmpty() && inFlight.isEmpty()) {
                    notices.accept("Kafka takes the training events again: every event held since "
                            + stalledSince.truncatedTo(ChronoUnit.SECONDS) + " is on the broker, nothing was lost");
                    stalledSince = null;
                }
            }
            lock.notifyAll();
        }
        if (e != null) { // left in flight: saved by close()
            recordFailure(p.event().getRunId(), p.event().getKind(), e);
        }
    }

    /** Under the lock: says once that Kafka has not taken the oldest event for {@link #STALL_NOTICE}. */
    private void noticeStall(String cause) {
        if (cause != null) {
            stallCause = cause;
        }
        Pending oldest = inFlight.isEmpty() ? queued.peekFirst() : inFlight.firstEntry().getValue();
        if (stalledSince != null || oldest == null) {
            return;
        }
        Instant now = clock.instant();
        if (Duration.between(oldest.given(), now).compareTo(STALL_NOTICE) >= 0) {
            stalledSince = oldest.given();
            notices.accept("Kafka has not taken the training events for " + Duration.between(oldest.given(), now).toSeconds()
                    + " s" + (stallCause == null ? "" : " (" + stallCause + ")") + ": holding " + (queued.size() + inFlight.size())
                    + " in memory and retrying; the training goes on and nothing is lost while this process runs");
        }
    }

    /** Until every event given is acknowledged (true), a send failed (false) or {@code max} passed (false). */
    private boolean awaitAcknowledged(Duration max, boolean closing) {
        long deadline = System.nanoTime() + max.toNanos();
        boolean told = false;
        synchronized (lock) {
            while (!(queued.isEmpty() && inFlight.isEmpty())) {
                if (failure.get() != null) {
                    return false;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                if (closing && !told && stalledSince != null) {
                    told = true;
                    notices.accept("waiting up to " + max.toSeconds() + " s for Kafka to take " + (queued.size() + inFlight.size())
                            + " training events (held since " + stalledSince.truncatedTo(ChronoUnit.SECONDS)
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

    /** Writes the events Kafka did not take as replayable JSON lines; the exception to throw, naming the file. */
    private PublishException saved(List<TrainingEvent> unsent) {
        String runs = unsent.stream().map(TrainingEvent::getRunId).distinct().collect(Collectors.joining(", "));
        String why;
        synchronized (lock) {
            PublishException failed = failure.get();
            why = failed != null ? failed.getMessage()
                    : "Kafka did not take them within " + closeWait.toSeconds() + " s" + (stallCause == null ? "" : " (" + stallCause + ")");
        }
        String head = unsent.size() + " training event(s) of run(s) " + runs + " not on topic " + topic + ": " + why;
        Path file = undeliveredDir.resolve("ampwatch-undelivered-events-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(ZoneOffset.UTC).format(clock.instant()) + "-" + ProcessHandle.current().pid() + ".jsonl").toAbsolutePath();
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, unsent.stream().map(TrainingEventJsonWriter::toJson).toList(), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot save the undelivered training events to {}: {}", file, e.toString());
            return new PublishException(head + "; and they could not be saved to " + file + " (" + e + ")", failure.get());
        }
        return new PublishException(head + "; saved to " + file + ": publish them once the broker is back with "
                + "`ampwatch replay --events " + file + "` (and your --bootstrap-servers)", failure.get());
    }

    private void recordFailure(String runId, EventKind kind, Exception e) {
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

    private void throwIfFailed() {
        PublishException e = failure.get();
        if (e != null) {
            throw e;
        }
    }
}
