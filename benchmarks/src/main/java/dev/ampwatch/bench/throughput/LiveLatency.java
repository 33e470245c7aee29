package dev.ampwatch.bench.throughput;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Live latency: hosts with open, heartbeating runs produce readings stamped now, at 10 Hz each. A
 * reading sent at wall time w with event time t is attributed when a running total of its host's run
 * first says {@code attributed_until >= t} (read committed); its latency is that moment minus w. All
 * readings of one tick share t and w, so ticks stand for their five readings.
 */
final class LiveLatency {
    /**
     * @param latency per reading, ms
     * @param totalLag a running total's arrival (wall clock) minus its attributed_until, ms: the grace, plus
     *     the way from the heartbeat that moved the watermark to the committed total (produce, process, commit)
     * @param emitSpacing attributed_until of a run's running total minus that of its previous one, ms
     */
    record Result(Percentiles latency, long unresolved, double samplesPerSecond, Percentiles totalLag,
                  Percentiles emitSpacing) {}

    private record Tick(long timeUs, long sentNanos) {}

    private final Topics topics;
    private final List<SimulatedHost> fleet;
    private final Map<String, ArrayDeque<Tick>> pending = new HashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();

    LiveLatency(Topics topics, List<SimulatedHost> fleet) {
        this.topics = topics;
        this.fleet = fleet;
        fleet.forEach(h -> pending.put(h.host, new ArrayDeque<>()));
    }

    Result run(Map<String, Object> client, Duration warmup, Duration measure, Duration settle) throws InterruptedException {
        long start = System.nanoTime();
        long from = start + warmup.toNanos();
        long to = from + measure.toNanos();
        Thread producer = new Thread(() -> produce(client), "live-producer");
        Percentiles latency = new Percentiles();
        Percentiles lag = new Percentiles();
        Percentiles spacing = new Percentiles();
        Map<String, Long> lastTotalUs = new HashMap<>();
        long sentAtFrom = 0;
        long sentAtTo = 0;
        producer.start();
        try (KafkaConsumer<String, RunEnergy> out = Kafka.fromBeginning(client, topics.runEnergy().name(),
                new StringDeserializer(), topics.runEnergy().valueSerde().deserializer(), true)) {
            while (System.nanoTime() < to + settle.toNanos()) {
                var records = out.poll(Duration.ofMillis(20));
                long now = System.nanoTime();
                long nowUs = Fleet.nowUs();
                sentAtFrom = now < from ? sent.get() : sentAtFrom;
                sentAtTo = now < to ? sent.get() : sentAtTo;
                for (ConsumerRecord<String, RunEnergy> r : records) {
                    if (!r.value().getIsFinal()) {
                        long until = Fleet.micros(r.value().getAttributedUntil());
                        resolve(r.value().getHost(), until, now, from, to, latency);
                        Long previous = lastTotalUs.put(r.value().getRunId(), until);
                        if (now >= from && now < to) {
                            lag.add((nowUs - until) / 1e3);
                            if (previous != null) {
                                spacing.add((until - previous) / 1e3);
                            }
                        }
                    }
                }
            }
        } finally {
            stop.set(true);
            producer.join();
        }
        long unresolved = 0;
        for (ArrayDeque<Tick> q : pending.values()) {
            synchronized (q) {
                unresolved += q.stream().filter(t -> t.sentNanos >= from && t.sentNanos < to).count();
            }
        }
        return new Result(latency, unresolved * Fleet.SAMPLES_PER_TICK, (sentAtTo - sentAtFrom) / (measure.toNanos() / 1e9),
                lag, spacing);
    }

    private void resolve(String host, long attributedUntilUs, long now, long from, long to, Percentiles latency) {
        ArrayDeque<Tick> q = pending.get(host);
        if (q == null) {
            return;
        }
        synchronized (q) {
            while (!q.isEmpty() && q.peek().timeUs <= attributedUntilUs) {
                Tick t = q.poll();
                if (t.sentNanos >= from && t.sentNanos < to) {
                    latency.add((now - t.sentNanos) / 1e6);
                }
            }
        }
    }

    /** Every host's due events and one reading per device each 100 ms, until stopped. */
    private void produce(Map<String, Object> client) {
        try (KafkaProducer<String, PowerSample> sp = Kafka.producer(client, topics.powerSamples().valueSerde().serializer());
             KafkaProducer<String, TrainingEvent> ep = Kafka.producer(client, topics.trainingEvents().valueSerde().serializer())) {
            long next = System.nanoTime();
            while (!stop.get()) {
                for (SimulatedHost host : fleet) {
                    long t = Fleet.nowUs();
                    for (TrainingEvent e : host.events(t)) {
                        ep.send(new ProducerRecord<>(topics.trainingEvents().name(), null, t / 1000, host.host, e));
                    }
                    List<PowerSample> samples = host.samples(t);
                    long w = System.nanoTime();
                    ArrayDeque<Tick> q = pending.get(host.host);
                    synchronized (q) {
                        q.add(new Tick(t, w));
                    }
                    for (PowerSample s : samples) {
                        sp.send(new ProducerRecord<>(topics.powerSamples().name(), null, t / 1000, host.host, s));
                    }
                    sent.addAndGet(samples.size());
                }
                next += Fleet.TICK_US * 1000;
                LockSupport.parkNanos(next - System.nanoTime());
            }
        }
    }
}
