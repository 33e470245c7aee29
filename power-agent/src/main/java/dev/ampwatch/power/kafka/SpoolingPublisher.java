package dev.ampwatch.power.kafka;

import dev.ampwatch.power.SampleSink;
import dev.ampwatch.power.metrics.AgentStats;
import dev.ampwatch.power.sampling.RateLimitedLog;
import dev.ampwatch.power.spool.SpoolFile;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes samples so that none is lost and none arrives twice, across broker outages and agent
 * restarts. Samplers append to a {@link SpoolFile} on disk (never blocking on the broker); one sender
 * thread sends the oldest unconfirmed samples in a Kafka transaction and advances the spool only after
 * the commit. A failed transaction is aborted and the same samples are sent again in order, by a new
 * producer whose start fences the old one; consumers that read committed data (the analyzer does) see
 * each sample exactly once, in order. Thread-safe.
 */
public final class SpoolingPublisher implements Publisher, SampleSink.Batching {
    private static final Logger LOG = LoggerFactory.getLogger(SpoolingPublisher.class);
    private static final int BATCH = 500;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final Supplier<Producer<String, byte[]>> producers;
    private final String topic;
    /** The topic, and the Kafka it is on where known, for messages. */
    private final String where;
    private final AgentStats stats;
    private final SpoolFile spool;
    private final RateLimitedLog warnings;
    /** How long the sender lets samples gather before a transaction (PowerAgentConfig#sendInterval). */
    private final Duration linger;
    private final Semaphore wake = new Semaphore(0);
    private final Thread sender;
    private volatile boolean closing;
    private volatile boolean connected = true;

    /**
     * @param producers makes a transactional producer (transactional.id set); called again after a failure
     */
    public SpoolingPublisher(Supplier<Producer<String, byte[]>> producers, String topic, AgentStats stats,
                             SpoolFile spool, Duration linger, InstantSource clock) {
        this(producers, topic, null, stats, spool, linger, clock);
    }

    /** @param kafka the bootstrap servers, named in the warnings (null: not named) */
    public SpoolingPublisher(Supplier<Producer<String, byte[]>> producers, String topic, String kafka, AgentStats stats,
                             SpoolFile spool, Duration linger, InstantSource clock) {
        this.producers = producers;
        this.topic = topic;
        this.where = kafka == null ? topic : topic + " at " + kafka;
        this.stats = stats;
        this.spool = spool;
        this.linger = linger;
        this.warnings = new RateLimitedLog(LOG, Duration.ofMinutes(1), clock);
        this.sender = new Thread(this::sendLoop, "ampwatch-power-spool-sender");
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public void accept(String sourceName, PowerSample sample) {
        acceptAll(sourceName, List.of(sample));
    }

    /** One tick's samples in one write to the spool: all, or none (counted as dropped) when it is full. */
    @Override
    public void acceptAll(String sourceName, List<PowerSample> samples) {
        List<byte[]> encoded = new ArrayList<>(samples.size());
        for (PowerSample sample : samples) {
            encoded.add(encode(sourceName, sample));
        }
        if (closing || !spool.appendAll(encoded)) {
            for (int i = 0; i < samples.size(); i++) {
                stats.source(sourceName).dropped();
            }
            warnings.warn("spool-full", null, "power publisher: spool {} is full ({} samples, {} bytes not yet "
                    + "confirmed by Kafka at topic {}): dropping new samples of {} until the broker is back",
                    spool.dir(), spool.pendingRecords(), spool.pendingBytes(), topic, sourceName);
            return;
        }
        wake.release();
    }

    /** Samples written to disk but not yet confirmed by Kafka. */
    @Override
    public long pendingSamples() {
        return spool.pendingRecords();
    }

    private void sendLoop() {
        Producer<String, byte[]> producer = null;
        Duration backoff = Duration.ofMillis(100);
        while (!closing || spool.pendingRecords() > 0) {
            List<SpoolFile.Entry> batch = spool.readPending(BATCH);
            if (batch.isEmpty()) {
                if (closing) {
                    break;
                }
                await(Duration.ofMillis(200));
                continue;
            }
            if (batch.size() < BATCH && !closing && connected && !linger.isZero()) {
                linger();
                batch = spool.readPending(BATCH);
            }
            try {
                if (producer == null) {
                    producer = producers.get();
                    producer.initTransactions();
                }
                send(producer, batch);
                backoff = Duration.ofMillis(100);
                if (!connected) {
                    connected = true;
                    LOG.info("power publisher: Kafka is reachable again; sending the spooled samples in order");
                }
            } catch (KafkaException | IllegalStateException e) {
                connected = false;
                // each sample of the batch Kafka did not take counts as a failed send (it stays spooled and goes again):
                // the counter showed 0 through a whole outage (an operator review)
                perSource(batch).forEach((source, n) -> {
                    for (int i = 0; i < n; i++) {
                        stats.source(source).sendFailed();
                    }
                });
                warnings.warn("send", null, "power publisher: cannot deliver to topic {} ({}); {} samples kept "
                        + "in {} and sent in order when Kafka is back", where, describe(e), spool.pendingRecords(), spool.dir());
                closeQuietly(producer);
                producer = null; // a new producer fences the old one and aborts what it left open
                if (closing) {
                    break;
                }
                await(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        closeQuietly(producer);
    }

    /**
     * One transaction of spooled samples, sent as the bytes spooled (single-object encoded, as the
     * serializer would write them): only the key and the timestamp are read from them, by the fast reader.
     */
    private void send(Producer<String, byte[]> producer, List<SpoolFile.Entry> batch) {
        spool.sync();
        producer.beginTransaction();
        for (SpoolFile.Entry e : batch) {
            ByteBuffer b = ByteBuffer.wrap(e.payload());
            b.position(b.position() + Short.BYTES + b.getShort(0)); // past the source's name
            byte[] avro = new byte[b.remaining()];
            b.get(avro);
            PowerSample sample = AmpwatchSerdes.powerSample().decode(avro);
            var sent = producer.send(new ProducerRecord<>(topic, null, sample.getEventTime().toEpochMilli(), sample.getHost(), avro));
            if (sent.isDone()) {
                // the Kafka 4 producer answers a send it could not append (no metadata after max.block.ms: no broker) with a
                // failed future, not an exception: without this each of the batch's samples waited max.block.ms in turn
                // (250 s for 50) before the commit failed, and nothing was said meanwhile (a review)
                try {
                    sent.get();
                } catch (java.util.concurrent.ExecutionException failed) {
                    throw failed.getCause() instanceof KafkaException k ? k : new KafkaException(failed.getCause());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new org.apache.kafka.common.errors.InterruptException(interrupted);
                }
            }
        }
        commit(producer, batch.size());
        spool.commit(batch.get(batch.size() - 1).next(), batch.size());
        perSource(batch).forEach((source, n) -> {
            for (int i = 0; i < n; i++) {
                stats.source(source).published();
            }
        });
    }

    /** How many samples of each source a batch of spooled records holds (each record starts with its source's name). */
    private static Map<String, Integer> perSource(List<SpoolFile.Entry> batch) {
        Map<String, Integer> out = new HashMap<>();
        for (SpoolFile.Entry e : batch) {
            ByteBuffer b = ByteBuffer.wrap(e.payload());
            byte[] source = new byte[b.getShort()];
            b.get(source);
            out.merge(new String(source, StandardCharsets.UTF_8), 1, Integer::sum);
        }
        return out;
    }

    /**
     * A commit that timed out may have happened; retrying the same commit is safe, and tells. A broker outage shows
     * here first (the sends are buffered): it is said while it lasts, not only once Kafka is back (a review saw nothing
     * logged through a 16 s outage, then an "error state" warning after it).
     */
    private void commit(Producer<String, byte[]> producer, int samples) {
        for (int attempt = 1; ; attempt++) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (closing && attempt >= 3) {
                    throw e;
                }
                connected = false;
                warnings.warn("send", null, "power publisher: Kafka has not confirmed {} samples to topic {} ({}; retrying, attempt {}); "
                        + "{} samples kept in {} and sent in order when Kafka is back; sampling goes on", samples, where, e.getMessage(),
                        attempt, spool.pendingRecords(), spool.dir());
            }
        }
    }

    /** The exception and its root cause: "error state" alone does not say that the broker went away. */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String described = root == e ? e.toString() : e + "; cause: " + root;
        String message = String.valueOf(root.getMessage());
        if (root instanceof TimeoutException && (message.contains("not present in metadata") || message.contains("InitProducerId")
                || message.contains("initializing transactional state"))) {
            // what the producer says when no broker answers: it read as a missing topic (a review)
            described += ": no broker answered in time (is Kafka down or the address wrong?), or the topic does not exist";
        }
        return described;
    }

    private static byte[] encode(String source, PowerSample sample) {
        byte[] name = source.getBytes(StandardCharsets.UTF_8);
        byte[] avro = AmpwatchSerdes.powerSample().encode(sample);
        return ByteBuffer.allocate(2 + name.length + avro.length).putShort((short) name.length).put(name).put(avro).array();
    }

    /** Waits {@link #linger} unless closing; appends do not cut it short. */
    private void linger() {
        long until = System.nanoTime() + linger.toNanos();
        try {
            while (!closing && System.nanoTime() < until) {
                wake.tryAcquire(Math.max(1, (until - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
        wake.drainPermits();
    }

    private void await(Duration d) {
        try {
            wake.tryAcquire(d.toMillis(), TimeUnit.MILLISECONDS);
            wake.drainPermits();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
    }

    private static void closeQuietly(Producer<String, byte[]> producer) {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("closing a failed producer: {}", e.toString());
            }
        }
    }

    /** Sends what Kafka accepts within 10 s; the rest stays in the spool for the next start. */
    @Override
    public void close() {
        closing = true;
        wake.release();
        try {
            sender.join(Duration.ofSeconds(15).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sender.isAlive()) {
            sender.interrupt();
        }
        if (spool.pendingRecords() > 0) {
            LOG.warn("power publisher: {} samples not yet confirmed by Kafka stay in {} and are sent at the next start",
                    spool.pendingRecords(), spool.dir());
        }
        spool.close();
    }
}
