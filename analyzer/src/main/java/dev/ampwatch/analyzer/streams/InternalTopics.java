package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.kafka.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.TopologyDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topology's internal topics (store changelogs, the repartition topic) before Kafka Streams
 * starts, with the settings Kafka Streams gives them. Left to Kafka Streams, a fresh application creates
 * them during its first assignment, after the group's metadata was taken: the group then rebalances a
 * second time, and the second stream thread idled ~2.5 s until the first had opened its stores and
 * rejoined (docs/benchmarks.md). Topics that exist are left as they are; Kafka Streams still checks their
 * partition counts.
 */
public final class InternalTopics {
    private static final Logger LOG = LoggerFactory.getLogger(InternalTopics.class);

    private InternalTopics() {}

    /**
     * The internal topics of {@code topology}: a source topic that is not one of {@code topics} is a
     * repartition topic, every store has a changelog except those in {@code sourceBackedStores} (restored
     * from their source topic); all have {@code partitions} partitions, the inputs' count.
     */
    static List<NewTopic> of(String applicationId, TopologyDescription topology, Topics topics, Set<String> sourceBackedStores,
                             int partitions, Optional<Short> replicationFactor) {
        Set<String> user = Set.of(topics.trainingEvents().name(), topics.powerSamples().name(), topics.runEnergy().name(),
                topics.experimentStats().name(), topics.deadLetters(), topics.runExclusions().name());
        Set<String> repartition = new TreeSet<>();
        Set<String> stores = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : topology.subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
                    source.topicSet().stream().filter(t -> !user.contains(t)).forEach(repartition::add);
                }
                if (node instanceof TopologyDescription.Processor processor) {
                    processor.stores().stream().filter(s -> !sourceBackedStores.contains(s)).forEach(stores::add);
                }
            }
        }
        List<NewTopic> out = new ArrayList<>();
        for (String r : repartition) { // Kafka Streams deletes what it consumed itself
            out.add(new NewTopic(applicationId + "-" + r, Optional.of(partitions), replicationFactor).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE, TopicConfig.RETENTION_MS_CONFIG, "-1",
                    TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(50 * 1024 * 1024))));
        }
        for (String s : stores) {
            out.add(new NewTopic(applicationId + "-" + s + "-changelog", Optional.of(partitions), replicationFactor)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        }
        return out;
    }

    /**
     * Creates the run-exclusions topic (an input of the statistics, compacted) where it is missing: a deployment set up
     * before it existed (2026-12-03) lacks it, and Kafka Streams does not start without its source topics. A failure
     * (no CREATE right) is logged with what to do.
     */
    public static void createExclusionsTopic(Admin admin, Topics topics, Optional<Short> replicationFactor) {
        String name = topics.runExclusions().name();
        int partitions = CoPartitioning.partitions(admin, topics.runEnergy().name()).orElse(1); // no more than run-energy's
        try {
            if (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(name)) {
                int has = admin.describeTopics(List.of(name)).allTopicNames().get(30, TimeUnit.SECONDS).get(name).partitions().size();
                if (has > partitions) {
                    LOG.error("{} has {} partitions, more than {} ({}): the statistics' repartition topic is sized by the larger,"
                            + " and Kafka Streams refuses the existing one; recreate {} with at most {} partitions", name, has,
                            topics.runEnergy().name(), partitions, name, partitions);
                }
                return;
            }
            admin.createTopics(List.of(new NewTopic(name, Optional.of(partitions), replicationFactor)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get(30, TimeUnit.SECONDS);
            LOG.info("created {} ({} partitions, compacted): the run exclusions the statistics read (ampwatch exclude)", name, partitions);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.error("could not create {} ({}): the statistics (on the streams engine the whole analyzer) cannot start"
                        + " without it; create it (compacted, at most as many partitions as {}) or run ampwatch broker's topic"
                        + " set-up", name, e.getCause().getMessage(), topics.runEnergy().name());
            }
        } catch (TimeoutException e) {
            LOG.error("{} could not be checked or created within 30 s: the statistics (on the streams engine the whole analyzer)"
                    + " cannot start without it", name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Creates the ones missing; a failure is only logged (Kafka Streams then creates them itself).
     *
     * @return the names of those created here (not those that existed)
     */
    public static Set<String> create(Admin admin, List<NewTopic> internal) {
        Set<String> made = new TreeSet<>();
        try {
            admin.createTopics(internal).values().forEach((name, created) -> {
                try {
                    created.get(30, TimeUnit.SECONDS);
                    made.add(name);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        LOG.warn("could not create internal topic {} up front ({}); Kafka Streams will create it", name,
                                e.getCause().getMessage());
                    }
                } catch (TimeoutException e) {
                    LOG.warn("internal topic {} not created within 30 s; Kafka Streams will create it", name);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("could not create the internal topics up front ({}); Kafka Streams will create them", e.getMessage());
        }
        return made;
    }
}
