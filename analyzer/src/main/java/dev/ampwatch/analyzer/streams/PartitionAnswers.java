package dev.ampwatch.analyzer.streams;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether each input partition of a consumer's tasks is answering ({@link Receiving#task}): paused by the engine, or
 * fetched from a broker ({@link Reach#source}) whose count of responses grew within the break time. A partition that
 * does not answer for longer than the break time is logged once (WARN) and counted in {@link UnansweredPartitions}
 * until it answers again (INFO). Not thread-safe: one per engine thread, as its {@link Receiving}.
 */
final class PartitionAnswers {
    private static final Logger LOG = LoggerFactory.getLogger(Receiving.class);

    private final Reach reach;
    private final long breakMs;
    private final UnansweredPartitions unanswered;
    /** Per broker node: {responses last read (MIN_VALUE: no baseline yet), when they last grew (MIN_VALUE: never seen to), read at}. */
    private final Map<Integer, long[]> nodes = new HashMap<>();

    /** @param unanswered where partitions that do not answer are counted; null: nowhere */
    PartitionAnswers(Reach reach, long breakMs, UnansweredPartitions unanswered) {
        this.reach = reach;
        this.breakMs = breakMs;
        this.unanswered = unanswered == null ? new UnansweredPartitions() : unanswered;
    }

    /** One input partition of a task, as last judged. */
    static final class Judged {
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

    /** Since when {@code j}'s partition has been answering, as of {@code nowMs}; judged at most every {@link Receiving#READ_EVERY_MS}. */
    long since(Judged j, long nowMs) {
        if (j.judgedMs == Long.MIN_VALUE || nowMs - j.judgedMs >= Receiving.READ_EVERY_MS || nowMs < j.judgedMs) {
            j.judgedMs = nowMs;
            String why = why(j.tp, nowMs);
            if (why == null) {
                if (j.warned) {
                    LOG.info("input partition {} answers again after {} ms", j.tp, nowMs - j.silentFromMs);
                    unanswered.answered(j.tp);
                }
                j.silentFromMs = Long.MIN_VALUE;
                j.warned = false;
            } else {
                j.sinceMs = nowMs;
                if (j.silentFromMs == Long.MIN_VALUE) {
                    j.silentFromMs = nowMs;
                } else if (!j.warned && nowMs - j.silentFromMs >= breakMs) {
                    j.warned = true;
                    LOG.warn("input partition {}: {}; the hosts on partition {} are not judged idle or quiet until it answers "
                            + "(what they send waits in Kafka)", j.tp, why, j.tp.partition());
                }
                if (j.warned) {
                    unanswered.unanswered(j.tp, nowMs);
                }
            }
        }
        return j.sinceMs;
    }

    /**
     * Why {@code tp} is not answering, or null when it is paused or its source answered within the break time (a
     * node's first count is only a baseline).
     */
    private String why(TopicPartition tp, long nowMs) {
        if (reach.paused(tp)) {
            return null;
        }
        int source = reach.source(tp);
        if (source < 0) {
            return "it has no leader (or the analyzer's consumer knows none)";
        }
        long[] n = nodes.computeIfAbsent(source, k -> new long[] {Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE});
        if (n[2] == Long.MIN_VALUE || nowMs - n[2] >= Receiving.READ_EVERY_MS || nowMs < n[2]) {
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
}
