package dev.ampwatch.analyzer.streams;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Since when the engine has been receiving without a break: its consumer getting fetch responses (a
 * consumer that is caught up gets one every {@code fetch.max.wait.ms}, 500 ms by default) and the engine's
 * thread running, each no more than the break time apart ({@link #breakFor}: 5 s under
 * the default 30 s idle and quiet times). One consumer's count covers all its partitions, so a task is judged
 * on its own input partitions too ({@link #task}, where the consumer is at hand: {@link #of(Consumer, long)}):
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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Receiving.class);
    /** Since when one task's inputs (or the whole engine) have been received without a break. */
    @FunctionalInterface
    public interface Since {
        /** When receiving last began without a break, as of {@code nowMs} (the analyzer's clock). */
        long since(long nowMs);
    }

    /**
     * What a consumer knows of the partitions it reads; called on the consumer's own thread. {@link #of(Consumer, String)}
     * asks the consumer itself.
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


    /** The longest {@link #breakFor} gives: the defaults (30 s idle and quiet times) get it. */
    public static final long MAX_BREAK_MS = 5000;
    /** How often, at most, the fetch-response count is read (a metric). */
    private static final long READ_EVERY_MS = 100;

    private final LongSupplier fetchResponses;
    private final long breakMs;
    private long responses = Long.MIN_VALUE;
    private long responseMs;
    private long readMs = Long.MIN_VALUE;
    private long calledMs = Long.MIN_VALUE;
    private long sinceMs = Long.MIN_VALUE;
    /** null: the engine's consumer only (all partitions judged as one). */
    private final Reach reach;
    /** Where partitions judged not answering are counted; null: nowhere. */
    private final UnansweredPartitions unanswered;
    /** Per broker node: {responses last read (MIN_VALUE: no baseline yet), when they last grew (MIN_VALUE: never seen to), read at}. */
    private final Map<Integer, long[]> nodes = new HashMap<>();

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
        this.reach = reach;
        this.unanswered = unanswered;
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
        List<Judged> own = inputs.stream().map(Judged::new).toList();
        return nowMs -> {
            long since = since(nowMs);
            if (reach != null) {
                for (Judged j : own) {
                    since = Math.max(since, partitionSince(j, nowMs));
                }
            }
            return since;
        };
    }

    /** One input partition of a task, as last judged. */
    private static final class Judged {
        final TopicPartition tp;
        /** Receiving since: when last judged not answering. */
        long sinceMs = Long.MIN_VALUE;
        long judgedMs = Long.MIN_VALUE;
        /** When the present streak of not answering began; MIN_VALUE: answering. */
        long silentFromMs = Long.MIN_VALUE;
        /** Whether the present streak was logged. */
        boolean warned;

        Judged(TopicPartition tp) {
            this.tp = tp;
        }
    }

    private long partitionSince(Judged j, long nowMs) {
        if (j.judgedMs == Long.MIN_VALUE || nowMs - j.judgedMs >= READ_EVERY_MS || nowMs < j.judgedMs) {
            j.judgedMs = nowMs;
            String why = unanswered(j.tp, nowMs);
            if (why != null) {
                j.sinceMs = nowMs;
                if (j.silentFromMs == Long.MIN_VALUE) {
                    j.silentFromMs = nowMs;
                } else if (j.warned) {
                    if (unanswered != null) {
                        unanswered.unanswered(j.tp, nowMs);
                    }
                } else if (nowMs - j.silentFromMs >= breakMs) {
                    j.warned = true;
                    if (unanswered != null) {
                        unanswered.unanswered(j.tp, nowMs);
                    }
                    LOG.warn("input partition {}: {}; the hosts on partition {} are not judged idle or quiet until it answers "
                            + "(what they send waits in Kafka)", j.tp, why, j.tp.partition());
                }
            } else {
                if (j.warned) {
                    LOG.info("input partition {} answers again after {} ms", j.tp, nowMs - j.silentFromMs);
                    if (unanswered != null) {
                        unanswered.answered(j.tp);
                    }
                }
                j.silentFromMs = Long.MIN_VALUE;
                j.warned = false;
            }
        }
        return j.sinceMs;
    }

    /**
     * Why {@code tp} is not answering, or null when it is paused or its source answered within the break time (a
     * node's first count is only a baseline).
     */
    private String unanswered(TopicPartition tp, long nowMs) {
        if (reach.paused(tp)) {
            return null;
        }
        int source = reach.source(tp);
        if (source < 0) {
            return "it has no leader (or the analyzer's consumer knows none)";
        }
        long[] n = nodes.computeIfAbsent(source, k -> new long[] {Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE});
        if (n[2] == Long.MIN_VALUE || nowMs - n[2] >= READ_EVERY_MS || nowMs < n[2]) {
            n[2] = nowMs;
            long count = reach.responses(source);
            if (count < 0) {
                n[0] = Long.MIN_VALUE;
            } else if (count != n[0]) {
                if (n[0] != Long.MIN_VALUE) {
                    n[1] = nowMs;
                }
                n[0] = count;
            }
        }
        if (n[1] != Long.MIN_VALUE && nowMs - n[1] <= breakMs) {
            return null;
        }
        return "broker " + source + ", which it is fetched from, " + (n[1] == Long.MIN_VALUE ? "has not answered the analyzer's consumer yet"
                : "has not answered the analyzer's consumer for " + (nowMs - n[1]) + " ms");
    }

    /**
     * Since when {@code consumer} has been receiving, its tasks judged on their own partitions too ({@link #task});
     * null when it has no fetch-response count. To be used on the consumer's thread.
     */
    public static Receiving of(Consumer<?, ?> consumer, long breakMs) {
        return of(consumer, breakMs, null);
    }

    /** As above, counting the partitions judged not answering in {@code unanswered} (null: not). */
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
