package dev.ampwatch.cli;

import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the run-energy topic (committed records only) until the final totals of given runs are in. */
final class RunEnergyWatcher implements AutoCloseable {
    /** Its consumer groups' names start so (one a watcher; `ampwatch acls` lets the trainer role read them). */
    static final String GROUP_PREFIX = "ampwatch-demo-";
    private final KafkaConsumer<String, RunEnergy> consumer;
    private final Map<String, RunEnergy> finals = new HashMap<>();

    RunEnergyWatcher(Map<String, Object> clientProperties, Topics topics) {
        consumer = new KafkaConsumer<>(committedFromStart(clientProperties, GROUP_PREFIX), new StringDeserializer(), topics.runEnergy().valueSerde().deserializer());
        consumer.subscribe(List.of(topics.runEnergy().name()));
    }

    /** Consumer settings that read a topic from its start, committed records only, in a group of its own. */
    static Map<String, Object> committedFromStart(Map<String, Object> clientProperties, String groupPrefix) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put("group.id", groupPrefix + java.util.UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        return props;
    }

    /** The final records of {@code runIds}, waiting at most {@code timeout}; missing runs are absent. */
    Map<String, RunEnergy> awaitFinal(Set<String> runIds, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!finals.keySet().containsAll(runIds) && Instant.now().isBefore(deadline)) {
            for (ConsumerRecord<String, RunEnergy> r : consumer.poll(Duration.ofMillis(250))) {
                if (r.value() != null && r.value().getIsFinal()) {
                    finals.put(r.key(), r.value());
                }
            }
        }
        return Map.copyOf(finals);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
