package dev.ampwatch.analyzer.streams;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * The input partitions an analyzer's tasks judge not answering right now ({@link Receiving}: no leader, or a broker
 * that has not answered for longer than the break time), across its engine threads: the gauge
 * {@code ampwatch_analyzer_input_partitions_unanswered} and the alert on it. A partition counts while a task keeps
 * judging it so (every tick); one not judged for {@link #FORGET_MS} (its task moved, or its thread stalls, which
 * other alerts tell) is forgotten. The partitions of a thread that waits on Kafka (a blocked commit) for longer than
 * {@link #WAITING_MS} count too ({@link #waitingOnKafka}).
 */
public final class UnansweredPartitions {
    /** A partition not judged again for this long is no longer counted. */
    public static final long FORGET_MS = 60_000;
    /** An engine thread waiting on Kafka for longer than this counts its input partitions (it judges none meanwhile). */
    public static final long WAITING_MS = Receiving.MAX_BREAK_MS;

    private final ConcurrentHashMap<TopicPartition, Long> judgedAtMs = new ConcurrentHashMap<>();
    /** Per engine thread waiting on Kafka (a commit the broker does not answer): its input partitions, since when. */
    private final ConcurrentHashMap<Object, Waiting> waiting = new ConcurrentHashMap<>();
    private final LongSupplier clockMs;

    private record Waiting(java.util.List<TopicPartition> inputs, long sinceMs) {}

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

    /**
     * Engine thread {@code who} waits on Kafka from now on (a commit: up to {@code max.block.ms}, 60 s by default, when the
     * broker does not answer), holding the hosts of {@code inputs}. While it waits it judges nothing: a broker outage
     * that began during a commit left the count at 0 for its whole length (an operator review: 3 of 6 outages of
     * 30-70 s). Thread-safe.
     */
    public void waitingOnKafka(Object who, java.util.Collection<TopicPartition> inputs) {
        waiting.put(who, new Waiting(java.util.List.copyOf(inputs), clockMs.getAsLong()));
    }

    /** {@code who} no longer waits. */
    public void doneWaiting(Object who) {
        waiting.remove(who);
    }

    /** How many input partitions are judged not answering now, or belong to a thread waiting on Kafka too long. */
    public int count() {
        long now = clockMs.getAsLong();
        judgedAtMs.values().removeIf(at -> now - at > FORGET_MS);
        java.util.Set<TopicPartition> all = new java.util.HashSet<>(judgedAtMs.keySet());
        waiting.values().forEach(w -> {
            if (now - w.sinceMs() > WAITING_MS) {
                all.addAll(w.inputs());
            }
        });
        return all.size();
    }
}
