package dev.ampwatch.analyzer.direct;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the timelines' changelog back into memory when a member is assigned partitions.
 *
 * <p>It reads committed records up to everything written to the changelog when it starts (the high
 * watermark), not up to the last stable offset it sees then. The member that had the partitions committed
 * its last transaction (state, outputs and input offsets together) before they moved, but the broker writes
 * that transaction's commit markers to the changelog a moment after the commit returns: until it has, the
 * last stable offset stops before that transaction's writes (benchmarks/marker-window.sh: right after 36 %
 * of commits, for up to ~130 ms), while the committed input offsets, which the consumer fetches as stable,
 * are already past the records it processed. A restore that stopped at that last stable offset began from
 * an older state at newer offsets and lost what came between (the wrong pass of docs/benchmarks.md,
 * 2026-12-01).
 * Waiting for the high watermark waits for every transaction open on the changelog partition to end: the
 * previous owner's markers (milliseconds), or a member cut off from the group, which is fenced or whose
 * transaction times out ({@code transaction.timeout.ms}).
 */
final class ChangelogRestorer {
    private static final Logger LOG = LoggerFactory.getLogger(ChangelogRestorer.class);
    /** How often the wait for an open transaction is logged. */
    private static final long LOG_EVERY_MS = 5_000;

    private ChangelogRestorer() {}

    /**
     * The changelog partitions from their start to everything written to them, committed records only,
     * all at once; an empty one costs nothing more than the offsets asked for them all together.
     *
     * @param restorer a consumer that reads committed records ({@code isolation.level=read_committed}); it
     *     is left with no assignment
     * @param written a consumer that reads uncommitted ones, asked only for the partitions' end offsets
     * @param patience how long the restore may make no progress while a transaction stays open before it
     *     fails (the member then starts over): more than the producers' transaction timeout
     * @throws IllegalStateException when a partition made no progress for {@code patience}
     */
    static Map<Integer, TreeMap<Bytes, byte[]>> restore(Consumer<byte[], byte[]> restorer, Consumer<byte[], byte[]> written,
                                                       String changelog, Set<Integer> partitions, Duration patience) {
        Map<Integer, TreeMap<Bytes, byte[]>> state = new HashMap<>();
        List<TopicPartition> tps = new ArrayList<>();
        for (int p : partitions) {
            state.put(p, new TreeMap<>());
            tps.add(new TopicPartition(changelog, p));
        }
        if (tps.isEmpty()) {
            return state;
        }
        // offsets asked for assigned partitions (an unassigned one logs a warning per partition)
        written.assign(tps);
        Map<TopicPartition, Long> end = written.endOffsets(tps);
        written.assign(List.of());
        restorer.assign(tps);
        Map<TopicPartition, Long> begin = restorer.beginningOffsets(tps);
        List<TopicPartition> toRead = tps.stream().filter(tp -> end.get(tp) > begin.get(tp)).toList();
        if (toRead.isEmpty()) {
            restorer.assign(List.of());
            return state;
        }
        restorer.assign(toRead);
        restorer.seekToBeginning(toRead);
        Map<TopicPartition, Long> positions = new HashMap<>();
        long progressMs = System.currentTimeMillis();
        long loggedMs = progressMs;
        while (true) {
            boolean moved = false;
            List<TopicPartition> behind = new ArrayList<>();
            for (TopicPartition tp : toRead) {
                long position = restorer.position(tp);
                moved |= !Long.valueOf(position).equals(positions.put(tp, position));
                if (position < end.get(tp)) {
                    behind.add(tp);
                }
            }
            if (behind.isEmpty()) {
                break;
            }
            long nowMs = System.currentTimeMillis();
            if (moved) {
                progressMs = nowMs;
            } else if (nowMs - progressMs >= patience.toMillis()) {
                throw new IllegalStateException(describe(behind, positions, end, restorer) + ": no progress for " + patience
                        + "; a transaction stays open on the changelog (a producer other than this analyzer's members "
                        + "writing to it?)");
            } else if (nowMs - loggedMs >= LOG_EVERY_MS) {
                loggedMs = nowMs;
                LOG.info("restoring {}: waiting for the transactions open on it to end", describe(behind, positions, end, restorer));
            }
            for (ConsumerRecord<byte[], byte[]> r : restorer.poll(Duration.ofMillis(100))) {
                TreeMap<Bytes, byte[]> map = state.get(r.partition());
                if (r.value() == null) {
                    map.remove(Bytes.wrap(r.key()));
                } else {
                    map.put(Bytes.wrap(r.key()), r.value());
                }
            }
        }
        restorer.assign(List.of());
        return state;
    }

    /**
     * Fetches the committed offsets of {@code partitions} of the {@code inputs} as stable offsets, which
     * waits until no transaction that commits them is pending: a member cut off from the group after its
     * offsets were accepted has then ended its transaction, and what it wrote to the changelog is below
     * the end {@link #restore} reads to. Before the restore of those partitions.
     */
    static void awaitStableOffsets(Consumer<?, ?> consumer, List<String> inputs, Set<Integer> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Set<TopicPartition> tps = new java.util.HashSet<>();
        for (String topic : inputs) {
            partitions.forEach(p -> tps.add(new TopicPartition(topic, p)));
        }
        consumer.committed(tps);
    }

    private static String describe(List<TopicPartition> behind, Map<TopicPartition, Long> positions, Map<TopicPartition, Long> end,
                                   Consumer<byte[], byte[]> restorer) {
        Map<TopicPartition, Long> stable = restorer.endOffsets(behind);
        StringBuilder s = new StringBuilder();
        for (TopicPartition tp : behind) {
            s.append(s.length() == 0 ? "" : ", ").append(tp).append(" at offset ").append(positions.get(tp))
                    .append(" of ").append(end.get(tp)).append(" written (last stable offset ").append(stable.get(tp)).append(')');
        }
        return s.toString();
    }
}
