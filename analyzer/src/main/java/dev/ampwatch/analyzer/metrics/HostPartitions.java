package dev.ampwatch.analyzer.metrics;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

/**
 * Which input partitions, and so which hosts, this analyzer instance processes now: a host's series are exported only
 * by the instance that processes its partition. Thread-safe.
 */
final class HostPartitions {
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    /** The inputs' partition count; 0 while unknown (then every host counts as owned, as before 2026-12-02). */
    private volatile int count;

    void count(int partitions) {
        this.count = partitions;
    }

    /** The input partition of a host: the producers' default for its key, as PipelineCheck finds it. */
    static int of(String host, int partitions) {
        return BuiltInPartitioner.partitionForKey(host.getBytes(StandardCharsets.UTF_8), partitions);
    }

    /** Whether {@code host}'s partition is processed here (always while the partition count is unknown). */
    boolean owns(String host) {
        int n = count;
        return n <= 0 || host == null || owned.contains(of(host, n));
    }

    /** True if the partition was not processed here before. */
    boolean gain(int partition) {
        return owned.add(partition);
    }

    /** Gives the partition up; the hosts it holds, or null when that is unknown (the partition count is). */
    Predicate<String> release(int partition) {
        owned.remove(partition);
        int n = count;
        return n <= 0 ? null : host -> host != null && of(host, n) == partition;
    }
}
