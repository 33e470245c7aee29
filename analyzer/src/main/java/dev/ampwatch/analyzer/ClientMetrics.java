package dev.ampwatch.analyzer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The Kafka client metrics of the direct engine's consumers and producers on /metrics (when enabled): a
 * member that starts over gets new clients under the same client ids, and its previous binders go.
 */
final class ClientMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final boolean enabled;
    private final Map<Integer, List<KafkaClientMetrics>> byMember = new HashMap<>();

    ClientMetrics(MeterRegistry registry, boolean enabled) {
        this.registry = registry;
        this.enabled = enabled;
    }

    synchronized void bind(int member, List<AutoCloseable> clients) {
        if (!enabled) {
            return;
        }
        List<KafkaClientMetrics> previous = byMember.remove(member);
        if (previous != null) {
            previous.forEach(KafkaClientMetrics::close); // removes its meters: the closed clients' series go
        }
        List<KafkaClientMetrics> bound = new ArrayList<>();
        for (AutoCloseable c : clients) {
            KafkaClientMetrics m;
            if (c instanceof Consumer<?, ?> consumer) {
                m = new KafkaClientMetrics(consumer);
            } else if (c instanceof Producer<?, ?> producer) {
                m = new KafkaClientMetrics(producer);
            } else {
                continue;
            }
            m.bindTo(registry);
            bound.add(m);
        }
        byMember.put(member, bound);
    }

    @Override
    public synchronized void close() {
        byMember.values().forEach(list -> list.forEach(KafkaClientMetrics::close));
        byMember.clear();
    }
}
