package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An analyzer that ran on the Kafka Streams engine continues on the direct engine with the same
 * application id (docs/architecture.md): same consumer group and committed offsets, same changelog. A run
 * that spans the switch comes out whole, and nothing is read twice (a second reading of a time already
 * attributed would be dead-lettered as a duplicate).
 */
class EngineSwitchIT {
    private static final Instant T0 = Instant.parse("2026-11-29T09:00:00Z");

    @Test
    void aRunSpanningASwitchFromStreamsToDirectComesOutWhole(@TempDir Path stateDir) throws Exception {
        Topics topics = Topics.withPrefix("switch.");
        Map<String, Object> client = BrokerFixture.client();
        BrokerFixture.createTopics(topics, 2);
        AnalyzerConfig streams = AnalyzerConfig.defaults().toBuilder().applicationId("switch").topics(topics)
                .stateDir(stateDir).engine(AnalyzerConfig.Engine.STREAMS).build();
        try (AnalyzerApp app = AnalyzerApp.start(streams, client, "127.0.0.1", 0, Duration.ofMinutes(5))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            produce(client, topics, 0, 30);
            // a running total attributed past 25 s is committed: the state and offsets of the first half
            BrokerFixture.awaitRunEnergy(topics, e -> !e.getIsFinal() && e.getAttributedUntil().isAfter(T0.plusSeconds(25)), 1,
                    Duration.ofSeconds(60));
        }
        AnalyzerConfig direct = streams.toBuilder().engine(AnalyzerConfig.Engine.DIRECT).build();
        try (AnalyzerApp app = AnalyzerApp.start(direct, client, "127.0.0.1", 0, Duration.ofMinutes(5))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            produce(client, topics, 31, 60);
            RunEnergy last = BrokerFixture.awaitRunEnergy(topics, RunEnergy::getIsFinal, 1, Duration.ofSeconds(60)).get("run-s");
            // 100 W from the start at 10 s to the end at 50 s, readings every second: exactly 4000 J
            assertThat(last.getEnergyJoules()).isEqualTo(4000.0);
            assertThat(last.getDurationSeconds()).isEqualTo(40.0);
            assertThat(last.getQuality().getLateSamples()).isZero();
            assertThat(last.getQuality().getGaps()).isZero();
        }
        try (var dead = new KafkaConsumer<>(BrokerFixture.readCommitted("switch"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            dead.subscribe(List.of(topics.deadLetters()));
            int n = 0;
            for (int i = 0; i < 5; i++) {
                n += dead.poll(Duration.ofMillis(300)).count();
            }
            assertThat(n).as("dead letters (a duplicate would mean records read twice)").isZero();
        }
    }

    /** Readings at 100 W from {@code from} to {@code to} s, the run's heartbeats, its start at 10 s, its end at 50 s. */
    private static void produce(Map<String, Object> client, Topics topics, int from, int to) {
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer())) {
            for (int s = from; s <= to; s++) {
                if (s == 10) {
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(s, EventKind.RUN_STARTED)));
                } else if (s == 50) {
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(s, EventKind.RUN_COMPLETED)));
                } else if (s > 10 && s < 50) {
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(s, EventKind.PROGRESS)));
                }
                samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", PowerSample.newBuilder().setHost("rig")
                        .setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                        .setEventTime(T0.plusSeconds(s)).setPowerWatts(100.0).build()));
            }
        }
    }

    private static TrainingEvent event(int second, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId("run-s").setExperimentId("exp").setHost("rig").setDevices(List.of("gpu0"))
                .setEventTime(T0.plusSeconds(second)).setKind(kind).build();
    }
}
