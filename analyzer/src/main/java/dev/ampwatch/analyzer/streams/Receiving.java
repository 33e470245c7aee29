package dev.ampwatch.analyzer.streams;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;

/**
 * Since when the engine has been receiving without a break: its consumer getting fetch responses (a
 * consumer that is caught up gets one every {@code fetch.max.wait.ms}, 500 ms by default) and the engine's
 * thread running, each no more than the break time apart ({@link #breakFor}: 5 s under
 * the default 30 s idle and quiet times). One consumer's count covers all its partitions, so a task is judged
 * on its own input partitions too ({@link #task}, where the consumer is at hand: {@link #of(Consumer, long, UnansweredPartitions)}):
 * each must have a source (its leader, or the replica the consumer was sent to) that answers the consumer within
 * the break time, unless the engine paused it. A
 * cluster where only some input partitions lost their leader (several brokers, replication factor 1, one
 * broker down) is then not receiving for the hosts on those partitions, and receiving for the others
 * (PartialOutageIT).
 *
 * <p>The rules that judge a host by what did not arrive (an input idle, a host quiet, a trainer silent for
 * so long in the analyzer's clock) count only time since then: a broker outage, a commit blocked on an
 * unreachable broker, or a stalled process is not a host that stopped sending, and its records are still
 * in Kafka. Without this a 12 s outage closed a heartbeating run as FAILED at its last heartbeat before the
 * outage (BrokerOutageIT). Not thread-safe: one per engine thread (or step).
 */
public final class Receiving {
    /** Since when one task's inputs (or the whole engine) have been received without a break. */
    @FunctionalInterface
    public interface Since {
        /** When receiving last began without a break, as of {@code nowMs} (the analyzer's clock). */
        long since(long nowMs);
    }

    /** The longest {@link #breakFor} gives: the defaults (30 s idle and quiet times) get it. */
    public static final long MAX_BREAK_MS = 5000;
    /** How often, at most, the fetch-response count is read (a metric). */
    static final long READ_EVERY_MS = 100;

    private final LongSupplier fetchResponses;
    private final long breakMs;
    private long responses = Long.MIN_VALUE;
    private long responseMs;
    private long readMs = Long.MIN_VALUE;
    private long calledMs = Long.MIN_VALUE;
    private long sinceMs = Long.MIN_VALUE;
    /** null: the engine's consumer only (all partitions judged as one). */
    private final PartitionAnswers answers;

    /**
     * @param fetchResponses the cumulative count of fetch responses of the consumer that feeds the engine
     * @param breakMs a pause longer than this between fetch responses, or between two calls, is a break
     */
    public Receiving(LongSupplier fetchResponses, long breakMs) {
        this(fetchResponses, breakMs, null);
    }

    /** As {@link #Receiving(LongSupplier, long)}, judging each task's partitions too by {@code reach} (null: not). */
    public Receiving(LongSupplier fetchResponses, long breakMs, Reach reach) {
        this(fetchResponses, breakMs, reach, null);
    }

    /** As above, counting the partitions judged not answering (and logged) in {@code unanswered} (null: not). */
    public Receiving(LongSupplier fetchResponses, long breakMs, Reach reach, UnansweredPartitions unanswered) {
        this.fetchResponses = fetchResponses;
        this.breakMs = breakMs;
        this.answers = reach == null ? null : new PartitionAnswers(reach, breakMs, unanswered);
    }

    /**
     * The break time for {@code config} and a consumer's {@code fetch.max.wait.ms}: a third of the shorter
     * of {@code --input-idle} and {@code --quiet-flush} (those not 0), so that a break is noticed well before
     * either could fire, within 2 s (and at least two fetch waits and a tick: a caught-up consumer is answered
     * once per fetch wait, and a quiet Kafka Streams task looks only at its ticks) to {@link #MAX_BREAK_MS}
     * (a slow or loaded broker answers late without being away).
     */
    public static long breakFor(dev.ampwatch.analyzer.AnalyzerConfig config, long fetchMaxWaitMs) {
        long shortest = Long.MAX_VALUE;
        for (java.time.Duration d : new java.time.Duration[] {config.inputIdle(), config.quietFlush()}) {
            if (!d.isZero()) {
                shortest = Math.min(shortest, d.toMillis());
            }
        }
        long floor = Math.max(2000, 2 * fetchMaxWaitMs + HostStep.TICK.toMillis());
        return shortest == Long.MAX_VALUE ? Math.max(floor, MAX_BREAK_MS) : Math.max(floor, Math.min(MAX_BREAK_MS, shortest / 3));
    }

    /** A consumer's {@code fetch.max.wait.ms} among Kafka client settings under any of {@code keys}; 500 (the default) if none. */
    public static long fetchMaxWaitMs(java.util.Map<?, ?> settings, String... keys) {
        for (String key : keys) {
            Object v = settings.get(key);
            if (v != null) {
                return Long.parseLong(String.valueOf(v).trim());
            }
        }
        return 500;
    }

    /** When the engine last began receiving without a break, as of {@code nowMs} (the analyzer's clock). */
    public long since(long nowMs) {
        if (readMs == Long.MIN_VALUE || nowMs - readMs >= READ_EVERY_MS || nowMs < readMs) {
            readMs = nowMs;
            long r = fetchResponses.getAsLong();
            if (r != responses) {
                responses = r;
                responseMs = nowMs;
            }
        }
        if (calledMs == Long.MIN_VALUE || nowMs - calledMs > breakMs || nowMs - responseMs > breakMs) {
            sinceMs = nowMs;
        }
        calledMs = nowMs;
        return sinceMs;
    }

    /**
     * Since when a task reading {@code inputs} has been receiving: the engine ({@link #since(long)}) and each of
     * the partitions, unless paused, fetched from a broker the consumer heard from within the break time (without a
     * {@link Reach}, the engine alone). The same for all the task's hosts: both inputs of a host are on one
     * partition number.
     */
    public Since task(Collection<TopicPartition> inputs) {
        List<PartitionAnswers.Judged> own = inputs.stream().map(PartitionAnswers.Judged::new).toList();
        return nowMs -> {
            long since = since(nowMs);
            if (answers != null) {
                for (PartitionAnswers.Judged j : own) {
                    since = Math.max(since, answers.since(j, nowMs));
                }
            }
            return since;
        };
    }

    /**
     * Since when {@code consumer} has been receiving, its tasks judged on their own partitions too ({@link #task}),
     * those that do not answer counted in {@code unanswered} (null: not); null when it has no fetch-response count.
     * To be used on the consumer's thread.
     */
    public static Receiving of(Consumer<?, ?> consumer, long breakMs, UnansweredPartitions unanswered) {
        Map.Entry<MetricName, ? extends Metric> fetches = fetchTotal(consumer.metrics(), null);
        return fetches == null ? null : new Receiving(count(fetches.getValue()), breakMs,
                Reach.of(consumer, fetches.getKey().tags().get("client-id")), unanswered);
    }

    /**
     * Since when the consumer {@code clientId} (any one when null) among a Kafka client's {@code metrics} has
     * been receiving, from its count of fetch responses ({@code consumer-fetch-manager-metrics fetch-total});
     * null when there is no such metric. Its tasks are judged as the whole consumer.
     */
    public static Receiving of(Map<MetricName, ? extends Metric> metrics, String clientId, long breakMs) {
        Map.Entry<MetricName, ? extends Metric> fetches = fetchTotal(metrics, clientId);
        return fetches == null ? null : new Receiving(count(fetches.getValue()), breakMs);
    }

    private static Map.Entry<MetricName, ? extends Metric> fetchTotal(Map<MetricName, ? extends Metric> metrics, String clientId) {
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            MetricName n = e.getKey();
            if (n.name().equals("fetch-total") && n.group().equals("consumer-fetch-manager-metrics") && !n.tags().containsKey("topic")
                    && (clientId == null || clientId.equals(n.tags().get("client-id")))) {
                return e;
            }
        }
        return null;
    }

    private static LongSupplier count(Metric metric) {
        return () -> (long) ((Number) metric.metricValue()).doubleValue();
    }
}
