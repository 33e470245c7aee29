package dev.ampwatch.analyzer.streams;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * What a consumer knows of the partitions it reads; called on the consumer's own thread. {@link #of(Consumer, String)}
 * asks the consumer itself. Judged by {@link PartitionAnswers} for {@link Receiving#task}.
 */
public interface Reach {
    /** Whether the engine paused {@code tp} (back-pressure): it is not fetched, so it need not be answered. */
    boolean paused(TopicPartition tp);

    /**
     * The node id the consumer fetches {@code tp} from: its preferred read replica where the broker named one
     * (follower fetching, {@code client.rack}), else its leader as the consumer last learned it; -1 when it has
     * no leader or none is known.
     */
    int source(TopicPartition tp);

    /** How many responses the consumer has had from broker {@code node}; -1 when it never connected to it. */
    long responses(int node);

    /**
     * A consumer's own reach: its paused partitions, its cached metadata, its {@code preferred-read-replica} per
     * partition and its {@code consumer-node-metrics response-total} per node (any answer counts: a caught-up
     * consumer fetches from each source once per {@code fetch.max.wait.ms}). No network call for the subscribed
     * topics, whose metadata the consumer holds; a consumer that cannot answer (closing) knows no source.
     */
    static Reach of(Consumer<?, ?> consumer, String clientId) {
        return new Reach() {
            @Override
            public boolean paused(TopicPartition tp) {
                try {
                    return consumer.paused().contains(tp);
                } catch (RuntimeException e) {
                    return false; // closing: not paused, and no source either
                }
            }

            @Override
            public int source(TopicPartition tp) {
                try {
                    Map<MetricName, ? extends Metric> metrics = consumer.metrics();
                    for (String topic : new String[] {tp.topic(), tp.topic().replace('.', '_')}) {
                        Metric replica = metrics.get(new MetricName("preferred-read-replica", "consumer-fetch-manager-metrics", "",
                                Map.of("client-id", clientId, "topic", topic, "partition", Integer.toString(tp.partition()))));
                        if (replica != null) {
                            int id = ((Number) replica.metricValue()).intValue();
                            if (id >= 0) {
                                return id;
                            }
                            break;
                        }
                    }
                    // the cached metadata of a subscribed topic; a topic not in it is asked for without waiting
                    for (PartitionInfo p : consumer.partitionsFor(tp.topic(), Duration.ZERO)) {
                        if (p.partition() == tp.partition()) {
                            return p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id();
                        }
                    }
                } catch (WakeupException e) {
                    throw e; // meant for the engine's poll: closing
                } catch (RuntimeException e) {
                    // a topic not cached (a timeout), or a consumer closing: none known
                }
                return -1;
            }

            @Override
            public long responses(int node) {
                try {
                    Metric m = consumer.metrics().get(new MetricName("response-total", "consumer-node-metrics", "",
                            Map.of("client-id", clientId, "node-id", "node-" + node)));
                    return m == null ? -1 : (long) ((Number) m.metricValue()).doubleValue();
                } catch (RuntimeException e) {
                    return -1;
                }
            }
        };
    }
}
