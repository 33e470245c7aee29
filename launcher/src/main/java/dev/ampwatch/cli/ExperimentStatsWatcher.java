package dev.ampwatch.cli;

import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.kafka.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the experiment-stats topic (committed records only) until an experiment's statistics include given runs. */
final class ExperimentStatsWatcher implements AutoCloseable {
    private final KafkaConsumer<String, ExperimentStats> consumer;
    private final Map<String, ExperimentStats> latest = new HashMap<>();

    ExperimentStatsWatcher(Map<String, Object> clientProperties, Topics topics) {
        consumer = new KafkaConsumer<>(RunEnergyWatcher.committedFromStart(clientProperties, "ampwatch-demo-stats-"), new StringDeserializer(), topics.experimentStats().valueSerde().deserializer());
        consumer.subscribe(List.of(topics.experimentStats().name()));
    }

    /** The statistics of {@code experimentId} once they count {@code runs} finished runs; the latest seen, or null, on timeout. */
    ExperimentStats await(String experimentId, int runs, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (finished(latest.get(experimentId)) < runs && Instant.now().isBefore(deadline)) {
            for (ConsumerRecord<String, ExperimentStats> r : consumer.poll(Duration.ofMillis(250))) {
                if (r.value() != null) {
                    latest.put(r.key(), r.value());
                }
            }
        }
        return latest.get(experimentId);
    }

    private static int finished(ExperimentStats s) {
        return s == null ? 0 : s.getConfigurations().stream().mapToInt(c -> c.getRuns() + c.getFailedRuns()).sum();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
