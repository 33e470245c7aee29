package dev.ampwatch.cli;

import dev.ampwatch.schema.kafka.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates ampwatch's topics where they are missing; existing topics are left as they are. */
public final class TopicSetup {
    private TopicSetup() {}

    /**
     * A topic is usable once the broker serves its partitions: a producer that writes to a partition
     * whose leadership the broker has not applied yet gets NOT_LEADER, and an idempotent one with several
     * requests in flight can then stall on sequence numbers until its delivery timeout and lose the batch
     * (KAFKA-15591). Waiting until every partition has a leader in the broker's metadata (at most 30 s)
     * narrows that window; it does not close it, so producers that write at once also keep one request
     * in flight (replay).
     */
    static void awaitLeaders(Admin admin, List<String> names) throws ExecutionException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            boolean ready;
            try {
                var described = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
                ready = described.values().stream()
                        .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw e;
                }
                ready = false; // created, but not yet in the metadata the broker answers from (it happened in CI)
            }
            if (ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("topics " + names + " have partitions without a leader after 30 s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    public static void ensure(Map<String, Object> clientProperties, Topics topics, int partitions) {
        try (Admin admin = Admin.create(clientProperties)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String name : topics.names()) {
                if (!existing.contains(name)) {
                    NewTopic topic = new NewTopic(name, java.util.Optional.of(partitions), java.util.Optional.empty());
                    if (name.equals(topics.runEnergy().name()) || name.equals(topics.experimentStats().name())
                            || name.equals(topics.runExclusions().name())) {
                        // one record per run (experiment) matters: the latest; compaction keeps it forever
                        topic.configs(Map.of("cleanup.policy", "compact"));
                    }
                    missing.add(topic);
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topics at " + clientProperties.get("bootstrap.servers")
                        + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + clientProperties.get("bootstrap.servers")
                    + " did not answer within 30 s; is it running and reachable?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }
}
