package dev.ampwatch.power.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSampleMapper;
import dev.ampwatch.power.metrics.AgentStats;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaPowerPublisherTest {

    private final AgentStats stats = new AgentStats();

    private static PowerSample sample(double watts) {
        return new PowerSampleMapper("host-a").toRecord(SourceType.NVML,
                PowerReading.instant(Component.GPU, "gpu0", Instant.EPOCH, watts));
    }

    private static MockProducer<String, PowerSample> producer(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new StringSerializer(),
                AmpwatchSerdes.powerSample().serializer());
    }

    @Test
    void publishesKeyedByHostAndCountsAcks() {
        MockProducer<String, PowerSample> producer = producer(true);
        try (KafkaPowerPublisher publisher = new KafkaPowerPublisher(producer, "ampwatch.power-samples",
                stats, 100, InstantSource.system())) {
            publisher.accept("nvml", sample(1));
            publisher.accept("nvml", sample(2));
            await().until(() -> stats.source("nvml").samplesPublished() == 2);
        }
        assertThat(producer.history()).allSatisfy(r -> {
            assertThat(r.topic()).isEqualTo("ampwatch.power-samples");
            assertThat(r.key()).isEqualTo("host-a");
        });
        assertThat(producer.history()).extracting(r -> r.value().getPowerWatts()).containsExactly(1.0, 2.0);
        assertThat(producer.closed()).isTrue();
    }

    @Test
    void failedSendsAreCounted() {
        MockProducer<String, PowerSample> producer = producer(false);
        try (KafkaPowerPublisher publisher = new KafkaPowerPublisher(producer, "t", stats, 100,
                InstantSource.system())) {
            publisher.accept("rapl", sample(1));
            await().until(() -> producer.history().size() == 1);
            producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker down"));
            assertThat(stats.source("rapl").sendsFailed()).isEqualTo(1);
            assertThat(stats.source("rapl").samplesPublished()).isZero();
        }
    }

    @Test
    void fullBufferDropsTheOldestAndNeverBlocksTheSampler() throws Exception {
        CountDownLatch inSend = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        MockProducer<String, PowerSample> producer = new MockProducer<>(true, null,
                new StringSerializer(), AmpwatchSerdes.powerSample().serializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<String, PowerSample> r, Callback cb) {
                inSend.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.send(r, cb);
            }
        };
        try (KafkaPowerPublisher publisher = new KafkaPowerPublisher(producer, "t", stats, 2,
                InstantSource.system())) {
            publisher.accept("nvml", sample(1));
            inSend.await(); // the sender holds sample 1 inside send()
            for (int w = 2; w <= 5; w++) {
                publisher.accept("nvml", sample(w)); // buffer of 2: 2 and 3 get dropped
            }
            assertThat(stats.source("nvml").samplesDropped()).isEqualTo(2);
            release.countDown();
        }
        assertThat(producer.history()).extracting(r -> r.value().getPowerWatts())
                .containsExactly(1.0, 4.0, 5.0);
    }

    @Test
    void producerPropertiesEnforceIdempotenceAndPassSecurityThrough() {
        Map<String, Object> props = KafkaPublishers.producerProperties(Map.of(
                "bootstrap.servers", "b1:9093", "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512", "acks", "1"), "host-a");
        assertThat(props).containsEntry("enable.idempotence", "true").containsEntry("acks", "all")
                .containsEntry("bootstrap.servers", "b1:9093").containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("client.id", "ampwatch-power-agent-host-a");
    }
}
