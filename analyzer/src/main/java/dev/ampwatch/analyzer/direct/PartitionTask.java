package dev.ampwatch.analyzer.direct;

import dev.ampwatch.analyzer.streams.HostInput;
import dev.ampwatch.analyzer.streams.HostStep;
import dev.ampwatch.analyzer.streams.TimelineCache;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.function.BiConsumer;
import org.apache.kafka.common.utils.Bytes;

/**
 * One partition of the host-keyed inputs on the direct engine: the records fetched from its two topic
 * partitions, taken in event-time order (as Kafka Streams' timestamp synchronization does), its hosts'
 * timelines over the restored changelog partition, and the offsets processed so far. Not thread-safe;
 * owned by one {@link Member}.
 */
final class PartitionTask {
    /** A fetched record, decoded (or not: {@code input} null and {@code error} set), with its event time. */
    record Fetched(boolean sample, long offset, long timestampMs, byte[] key, byte[] value, long recordTimestampMs,
                   HostInput input, String error) {}

    /** Where the task's store writes go: the changelog, in the open transaction. */
    interface ChangelogSink {
        void write(int partition, Bytes key, byte[] value);
    }

    final int partition;
    final ArrayDeque<Fetched> samples = new ArrayDeque<>();
    final ArrayDeque<Fetched> events = new ArrayDeque<>();
    /** The next offset to commit per input (-1: nothing processed since assignment). */
    long samplesNext = -1;
    long eventsNext = -1;
    boolean offsetsMoved;
    final TimelineCache timelines;
    final HostStep step;

    PartitionTask(int partition, NavigableMap<Bytes, byte[]> restored, ChangelogSink sink, TimelineCache.Factory factory,
                  java.util.function.Function<HostStep.Timelines, HostStep> steps) {
        this.partition = partition;
        this.timelines = new TimelineCache(new TimelineCache.Kv() {
            @Override
            public byte[] get(Bytes key) {
                return restored.get(key);
            }

            @Override
            public void forEachWithPrefix(byte[] prefix, BiConsumer<Bytes, byte[]> action) {
                for (Map.Entry<Bytes, byte[]> e : restored.tailMap(Bytes.wrap(prefix), true).entrySet()) {
                    if (!startsWith(e.getKey().get(), prefix)) {
                        break;
                    }
                    action.accept(e.getKey(), e.getValue());
                }
            }

            @Override
            public void put(Bytes key, byte[] value) {
                restored.put(key, value);
                sink.write(partition, key, value);
            }

            @Override
            public void delete(Bytes key) {
                restored.remove(key);
                sink.write(partition, key, null);
            }
        }, factory);
        this.step = steps.apply(timelines);
    }

    /**
     * The next record to process, or null to wait: the earlier head of the two inputs while both have
     * records; one input alone only when the other is known to be caught up ({@code lag} 0), so a
     * backlog is taken in event-time order. Ties go to the training event (a run's start before the
     * readings stamped with the same time). Correctness does not rest on this order (the host's
     * watermark does), only how much waits in the grace buffer.
     */
    Fetched next(OptionalLong samplesLag, OptionalLong eventsLag) {
        Fetched s = samples.peekFirst();
        Fetched e = events.peekFirst();
        if (s != null && e != null) {
            return e.timestampMs() <= s.timestampMs() ? events.pollFirst() : samples.pollFirst();
        }
        if (s != null && caughtUp(eventsLag)) {
            return samples.pollFirst();
        }
        if (e != null && caughtUp(samplesLag)) {
            return events.pollFirst();
        }
        return null;
    }

    void processed(Fetched record) {
        if (record.sample()) {
            samplesNext = record.offset() + 1;
        } else {
            eventsNext = record.offset() + 1;
        }
        offsetsMoved = true;
    }

    void clearQueues() {
        samples.clear();
        events.clear();
    }

    private static boolean caughtUp(OptionalLong lag) {
        return lag.isPresent() && lag.getAsLong() == 0;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        if (key.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
