package dev.ampwatch.power.kafka;

import dev.ampwatch.power.SampleSink;
import dev.ampwatch.power.metrics.AgentStats;
import dev.ampwatch.power.sampling.RateLimitedLog;
import dev.ampwatch.schema.PowerSample;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes {@link PowerSample}s to Kafka, keyed by host. Samplers hand records to a bounded
 * in-memory buffer and never block on the broker; when the buffer is full the oldest record is
 * dropped and counted. One sender thread moves records into the producer; failed sends are counted
 * per source and logged (rate-limited) with topic and host. (A disk spool for long broker outages
 * is future work.) Build it with {@link KafkaPublishers#create}. Thread-safe.
 */
public final class KafkaPowerPublisher implements Publisher {

    private static final Logger logger = LoggerFactory.getLogger(KafkaPowerPublisher.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private record Pending(String source, PowerSample sample) {}

    private final Producer<String, PowerSample> producer;
    private final String topic;
    private final AgentStats stats;
    private final BlockingQueue<Pending> buffer;
    private final RateLimitedLog failures;
    private final Thread sender;
    private volatile boolean closing;

    /**
     * A publisher that owns {@code producer} (closed with it) and buffers up to {@code
     * bufferCapacity} records.
     */
    public KafkaPowerPublisher(Producer<String, PowerSample> producer, String topic,
            AgentStats stats, int bufferCapacity, InstantSource clock) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.stats = Objects.requireNonNull(stats, "stats");
        this.buffer = new ArrayBlockingQueue<>(bufferCapacity);
        this.failures = new RateLimitedLog(logger, Duration.ofMinutes(1), clock);
        this.sender = new Thread(this::sendLoop, "ampwatch-power-publisher");
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public long pendingSamples() {
        return buffer.size();
    }

    public String topic() {
        return topic;
    }

    /** Buffers one record; drops the oldest buffered record when full. Never blocks. */
    @Override
    public void accept(String sourceName, PowerSample sample) {
        Pending pending = new Pending(sourceName, sample);
        if (closing) {
            stats.source(sourceName).dropped();
            return;
        }
        while (!buffer.offer(pending)) {
            Pending oldest = buffer.poll();
            if (oldest != null) {
                stats.source(oldest.source()).dropped();
                failures.warn("buffer-full", null, "power publisher: buffer full, dropping oldest "
                        + "sample of {} for topic {} host {}", oldest.source(), topic,
                        oldest.sample().getHost());
            }
        }
    }

    private void sendLoop() {
        while (!closing || !buffer.isEmpty()) {
            try {
                Pending next = buffer.poll(200, TimeUnit.MILLISECONDS);
                if (next != null) {
                    send(next);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void send(Pending pending) {
        String host = pending.sample().getHost();
        try {
            producer.send(new ProducerRecord<>(topic, host, pending.sample()), (metadata, error) -> {
                if (error == null) {
                    stats.source(pending.source()).published();
                } else {
                    sendFailed(pending, error);
                }
            });
        } catch (RuntimeException e) {
            sendFailed(pending, e);
        }
    }

    private void sendFailed(Pending pending, Exception error) {
        stats.source(pending.source()).sendFailed();
        failures.warn("send:" + pending.source(), error,
                "power publisher: send to topic {} failed for host {} source {}: {}", topic,
                pending.sample().getHost(), pending.source(), error.toString());
    }

    /** Sends what is buffered, flushes, and closes the producer (waiting up to 10 s). */
    @Override
    public void close() {
        closing = true;
        try {
            sender.join(CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sender.isAlive()) {
            sender.interrupt();
        }
        try {
            producer.flush();
        } finally {
            producer.close(CLOSE_TIMEOUT);
        }
    }
}
