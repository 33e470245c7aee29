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

    public static void ensure(Map<String, Object> clientProperties, Topics topics, int partitions) {
        try (Admin admin = Admin.create(clientProperties)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String name : topics.names()) {
                if (!existing.contains(name)) {
                    NewTopic topic = new NewTopic(name, java.util.Optional.of(partitions), java.util.Optional.empty());
                    if (name.equals(topics.runEnergy().name()) || name.equals(topics.experimentStats().name())) {
                        // one record per run (experiment) matters: the latest; compaction keeps it forever
                        topic.configs(Map.of("cleanup.policy", "compact"));
                    }
                    missing.add(topic);
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
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
