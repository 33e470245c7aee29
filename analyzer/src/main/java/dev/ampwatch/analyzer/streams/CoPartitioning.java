package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.kafka.Topics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The analyzer's correctness rests on one task seeing both inputs of a host: the two input topics must
 * be keyed by host (checked per record) and have the same number of partitions (checked here, at start).
 */
public final class CoPartitioning {
    private CoPartitioning() {}

    /**
     * Throws {@link IllegalStateException} with the counts and the fix when both input topics exist with
     * different partition counts. Missing topics are left to Kafka Streams (it waits for or reports them).
     *
     * @return the inputs' partition count; empty when an input topic does not exist yet
     */
    public static java.util.OptionalInt check(Admin admin, Topics topics) {
        String events = topics.trainingEvents().name();
        String samples = topics.powerSamples().name();
        Map<String, TopicDescription> found;
        try {
            found = admin.describeTopics(List.of(events, samples)).allTopicNames().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return java.util.OptionalInt.empty();
            }
            throw new IllegalStateException("cannot describe the input topics " + events + " and " + samples + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not describe the input topics within 30 s; is it reachable?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the input topics", e);
        }
        int e = found.get(events).partitions().size();
        int s = found.get(samples).partitions().size();
        if (e != s) {
            throw new IllegalStateException(message(events, e, samples, s));
        }
        return java.util.OptionalInt.of(e);
    }

    /** The partition count of {@code topic}; empty when it does not exist (yet). */
    public static java.util.OptionalInt partitions(Admin admin, String topic) {
        try {
            return java.util.OptionalInt.of(admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic).partitions().size());
        } catch (ExecutionException | TimeoutException e) {
            return java.util.OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.OptionalInt.empty();
        }
    }

    static String message(String events, int e, String samples, int s) {
        return "the input topics are not co-partitioned: " + events + " has " + e + " partition" + (e == 1 ? "" : "s")
                + ", " + samples + " has " + s + ". Both are keyed by host and must have the same count, or a host's "
                + "training events and power samples meet in different tasks. Add partitions to the smaller one "
                + "(kafka-topics --alter --partitions " + Math.max(e, s) + ") before any data is on it, or start on a new "
                + "--topic-prefix (docs/topics.md, \"Upgrading\").";
    }
}
