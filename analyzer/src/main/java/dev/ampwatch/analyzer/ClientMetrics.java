package dev.ampwatch.analyzer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The Kafka client metrics of the direct engine's consumers and producers on /metrics (when enabled): a
 * member that starts over gets new clients under the same client ids, and the previous binders go.
 */
final class ClientMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final boolean enabled;
    private final List<KafkaClientMetrics> bound = new ArrayList<>();
    private final List<Object> clients = new ArrayList<>();

    ClientMetrics(MeterRegistry registry, boolean enabled) {
        this.registry = registry;
        this.enabled = enabled;
    }

    synchronized void bind(List<AutoCloseable> newClients) {
        if (!enabled) {
            return;
        }
        for (AutoCloseable c : newClients) {
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
            clients.add(c);
        }
        // keep the newest few generations' binders: a closed client's meters stop updating, not the scrape
        while (bound.size() > 64) {
            bound.remove(0).close();
            clients.remove(0);
        }
    }

    @Override
    public synchronized void close() {
        bound.forEach(KafkaClientMetrics::close);
        bound.clear();
        clients.clear();
    }
}
