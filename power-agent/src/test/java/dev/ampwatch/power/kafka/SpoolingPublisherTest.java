package dev.ampwatch.power.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.power.metrics.AgentStats;
import dev.ampwatch.power.spool.SpoolFile;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction Kafka refuses counts its samples as failed sends, per source, and the same samples go again with a new
 * producer: ampwatch_power_sends_failed_total stayed 0 through a whole broker outage (an operator review).
 */
class SpoolingPublisherTest {
    /** What the Kafka 4 producer says when no broker answers read as a missing topic: the warning says both (a review). */
    @Test
    void aMetadataTimeoutSaysNoBrokerAnsweredOrNoTopic() {
        String said = SpoolingPublisher.describe(new KafkaException("send failed", new org.apache.kafka.common.errors.TimeoutException(
                "Topic demo.power-samples not present in metadata after 5000 ms.")));
        assertThat(said).contains("not present in metadata")
                .endsWith(": no broker answered in time (is Kafka down or the address wrong?), or the topic does not exist");
        assertThat(SpoolingPublisher.describe(new org.apache.kafka.common.errors.TimeoutException(
                "Timeout expired after 5000ms while awaiting InitProducerId"))).contains("no broker answered in time");
        assertThat(SpoolingPublisher.describe(new KafkaException("refused"))).isEqualTo("org.apache.kafka.common.KafkaException: refused");
    }

    @Test
    void aRefusedTransactionCountsItsSamplesAsFailedSendsAndTheyGoAgain(@TempDir Path dir) throws Exception {
        AgentStats stats = new AgentStats();
        List<MockProducer<String, byte[]>> made = new ArrayList<>();
        SpoolingPublisher publisher = new SpoolingPublisher(() -> {
            MockProducer<String, byte[]> p = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
            if (made.isEmpty()) {
                p.commitTransactionException = new KafkaException("the broker went away"); // the first one fails
            }
            made.add(p);
            return p;
        }, "power-samples", stats, SpoolFile.open(dir, 1 << 20), Duration.ZERO, InstantSource.system());
        try {
            publisher.acceptAll("nvml", List.of(sample(0), sample(1), sample(2)));
            await().atMost(Duration.ofSeconds(30)).until(() -> stats.source("nvml").samplesPublished() == 3);
            assertThat(stats.source("nvml").sendsFailed()).isEqualTo(3);
            assertThat(made).hasSize(2);
            assertThat(made.get(1).history()).hasSize(3);
        } finally {
            publisher.close();
        }
    }

    private static PowerSample sample(int second) {
        return PowerSample.newBuilder().setHost("rig").setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                .setEventTime(Instant.parse("2026-12-02T00:00:00Z").plusSeconds(second)).setPowerWatts(100.0).build();
    }
}
