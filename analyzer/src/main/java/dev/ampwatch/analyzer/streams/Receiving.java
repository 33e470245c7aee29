package dev.ampwatch.analyzer.streams;

import java.util.function.LongSupplier;

/**
 * Since when the engine has been receiving without a break: its consumer getting fetch responses (a
 * consumer that is caught up gets one every {@code fetch.max.wait.ms}, 500 ms by default) and the engine's
 * thread running, each no more than the break time apart ({@link #breakFor}: 5 s under
 * the default 30 s idle and quiet times). One consumer's count covers all its partitions: a cluster where
 * only some input partitions lost their leader (several brokers, replication factor 1, one broker down) is
 * still receiving for this rule.
 *
 * <p>The rules that judge a host by what did not arrive (an input idle, a host quiet, a trainer silent for
 * so long in the analyzer's clock) count only time since then: a broker outage, a commit blocked on an
 * unreachable broker, or a stalled process is not a host that stopped sending, and its records are still
 * in Kafka. Without this a 12 s outage closed a heartbeating run as FAILED at its last heartbeat before the
 * outage (BrokerOutageIT). Not thread-safe: one per engine thread (or step).
 */
public final class Receiving {
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

    /**
     * @param fetchResponses the cumulative count of fetch responses of the consumer that feeds the engine
     * @param breakMs a pause longer than this between fetch responses, or between two calls, is a break
     */
    public Receiving(LongSupplier fetchResponses, long breakMs) {
        this.fetchResponses = fetchResponses;
        this.breakMs = breakMs;
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
     * Since when the consumer {@code clientId} (any one when null) among a Kafka client's {@code metrics} has
     * been receiving, from its count of fetch responses ({@code consumer-fetch-manager-metrics fetch-total});
     * null when there is no such metric.
     */
    public static Receiving of(java.util.Map<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> metrics,
                               String clientId, long breakMs) {
        for (java.util.Map.Entry<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> e : metrics.entrySet()) {
            org.apache.kafka.common.MetricName n = e.getKey();
            if (n.name().equals("fetch-total") && n.group().equals("consumer-fetch-manager-metrics") && !n.tags().containsKey("topic")
                    && (clientId == null || clientId.equals(n.tags().get("client-id")))) {
                org.apache.kafka.common.Metric fetches = e.getValue();
                return new Receiving(() -> (long) ((Number) fetches.metricValue()).doubleValue(), breakMs);
            }
        }
        return null;
    }
}
