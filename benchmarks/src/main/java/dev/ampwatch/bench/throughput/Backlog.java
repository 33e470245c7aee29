package dev.ampwatch.bench.throughput;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a fleet's history in event-time order, tick by tick: each host's due training events, then
 * its readings. Both topics are keyed by host; each record's timestamp is its event time.
 */
final class Backlog {
    record Produced(long samples, long events, double seconds) {
        double samplesPerSecond() {
            return samples / seconds;
        }
    }

    /** A fleet's backlog on its topics: what was produced, over how many ticks. */
    record Written(Topics topics, List<SimulatedHost> fleet, long ticks, Produced produced) {}

    private Backlog() {}

    /**
     * Creates the topics under {@code prefix} and writes a backlog of about {@code o.samples()} readings of
     * {@code o.hosts()} hosts (one 10-epoch run each) ending a minute before now.
     */
    static Written write(Map<String, Object> client, String prefix, ThroughputOptions o) throws Exception {
        Topics topics = Topics.withPrefix(prefix);
        Kafka.createTopics(client, topics, o.partitions());
        long perTick = (long) o.hosts() * Fleet.SAMPLES_PER_TICK;
        long ticks = (o.samples() + perTick - 1) / perTick;
        long baseUs = Fleet.alignToTick(Fleet.nowUs()) - ticks * Fleet.TICK_US - 60_000_000L;
        List<SimulatedHost> fleet = Fleet.backlog(prefix, o.hosts(), ticks, baseUs);
        return new Written(topics, fleet, ticks, produce(client, topics, fleet, ticks, baseUs));
    }

    static Produced produce(Map<String, Object> client, Topics topics, List<SimulatedHost> fleet, long ticks, long baseUs) {
        long samples = 0;
        long events = 0;
        long t0 = System.nanoTime();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Callback check = (m, e) -> failure.compareAndSet(null, e);
        try (KafkaProducer<String, PowerSample> sp = Kafka.producer(client, topics.powerSamples().valueSerde().serializer());
             KafkaProducer<String, TrainingEvent> ep = Kafka.producer(client, topics.trainingEvents().valueSerde().serializer())) {
            for (long k = 0; k < ticks; k++) {
                long t = baseUs + k * Fleet.TICK_US;
                for (SimulatedHost host : fleet) {
                    for (TrainingEvent e : host.events(t)) {
                        ep.send(new ProducerRecord<>(topics.trainingEvents().name(), null,
                                Fleet.micros(e.getEventTime()) / 1000, host.host, e), check);
                        events++;
                    }
                    for (PowerSample s : host.samples(t)) {
                        sp.send(new ProducerRecord<>(topics.powerSamples().name(), null, t / 1000, host.host, s),
                                check);
                        samples++;
                    }
                }
            }
            sp.flush();
            ep.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("producing the backlog failed", failure.get());
        }
        return new Produced(samples, events, (System.nanoTime() - t0) / 1e9);
    }

}
