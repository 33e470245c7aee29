package dev.ampwatch.analyzer.streams;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * The input partitions an analyzer's tasks judge not answering right now ({@link Receiving}: no leader, or a broker
 * that has not answered for longer than the break time), across its engine threads: the gauge
 * {@code ampwatch_analyzer_input_partitions_unanswered} and the alert on it. A partition counts while a task keeps
 * judging it so (every tick); one not judged for {@link #FORGET_MS} (its task moved, or its thread stalls, which
 * other alerts tell) is forgotten.
 */
public final class UnansweredPartitions {
    /** A partition not judged again for this long is no longer counted. */
    public static final long FORGET_MS = 60_000;

    private final ConcurrentHashMap<TopicPartition, Long> judgedAtMs = new ConcurrentHashMap<>();
    private final LongSupplier clockMs;

    public UnansweredPartitions(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    public UnansweredPartitions() {
        this(System::currentTimeMillis);
    }

    void unanswered(TopicPartition tp, long nowMs) {
        judgedAtMs.put(tp, nowMs);
    }

    void answered(TopicPartition tp) {
        judgedAtMs.remove(tp);
    }

    /** How many input partitions are judged not answering now. */
    public int count() {
        long now = clockMs.getAsLong();
        judgedAtMs.values().removeIf(at -> now - at > FORGET_MS);
        return judgedAtMs.size();
    }
}
