package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.InProcessBroker;
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
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A broker outage in the middle of a run, on both engines: the run's trainer heartbeats and its power
 * agent samples all along (what they send during the outage reaches Kafka after it, as the agents' spools
 * deliver it), so the analyzer must attribute the run as if nothing happened. The outage outlasts
 * {@code --quiet-flush} and {@code --input-idle} (5 s here), which count only time in which the analyzer was
 * receiving (Receiving): before, the run was closed as FAILED at its last heartbeat before the outage, with
 * half its joules.
 */
class BrokerOutageIT {
    /** Longer than the quiet-flush and input-idle times of the analyzer below: the point of the test. */
    private static final Duration OUTAGE = Duration.ofSeconds(12);

    static final Instant T0 = Instant.now().minusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    @ParameterizedTest
    @EnumSource(AnalyzerConfig.Engine.class)
    void aRunGoingOnThroughABrokerOutageIsAttributedAsIfThereWasNone(AnalyzerConfig.Engine engine, @TempDir Path dir) throws Exception {
        InProcessBroker broker = InProcessBroker.start(dir.resolve("broker"));
        String bootstrap = broker.bootstrapServers();
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        Map<String, Object> client = Map.of("bootstrap.servers", bootstrap);
        Topics topics = Topics.withPrefix("outage.");
        BrokerFixture.createTopics(client, topics, 1);
        AnalyzerConfig config = AnalyzerConfig.defaults().toBuilder().applicationId("outage-" + engine).topics(topics)
                .stateDir(dir.resolve("state")).engine(engine).inputIdle(Duration.ofSeconds(5)).quietFlush(Duration.ofSeconds(5)).build();
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(5))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            produce(client, topics, 0, 10, true);
            BrokerFixture.awaitRunEnergy(client, topics, e -> e.getEnergyJoules() > 0, 1, Duration.ofSeconds(60));
            broker.close();
            long downUntil = System.nanoTime() + OUTAGE.toNanos();
            if (engine == AnalyzerConfig.Engine.DIRECT) {
                // the outage shows on the gauge whether it found the member polling (judged) or in a commit (waiting)
                AnalyzerApp running = app;
                await("the outage on the unanswered gauge").atMost(OUTAGE).until(() -> BrokerFixture.sum(BrokerFixture.scrape(running),
                        "ampwatch_analyzer_input_partitions_unanswered") > 0);
            }
            // the outage is a length of wall-clock time against the analyzer's wall-clock rules: nothing to wait for but it
            await("the outage").atMost(OUTAGE.plusSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() -> System.nanoTime() > downUntil);
            broker = InProcessBroker.start(dir.resolve("broker"), "127.0.0.1", port);
            produce(client, topics, 11, 22, false);
            RunEnergy e = BrokerFixture.awaitRunEnergy(client, topics, RunEnergy::getIsFinal, 1, Duration.ofSeconds(120)).get("run-outage");
            assertThat(e.getStatus()).as("status (%s)", e.getFailureReason()).hasToString("COMPLETED");
            assertThat(e.getEnergyJoules()).isEqualTo(100.0 * 20, org.assertj.core.data.Offset.offset(1e-6));
            assertThat(e.getQuality().getClosedSilent()).isFalse();
            assertThat(e.getQuality().getGaps()).isZero();
            assertThat(e.getQuality().getLateSamples()).isZero();
            assertThat(e.getQuality().getLateEvents()).isZero();
        } finally {
            broker.close();
        }
    }

    private static void produce(Map<String, Object> client, Topics topics, int from, int to, boolean start) {
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer())) {
            if (start) {
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(0, EventKind.RUN_STARTED)));
            }
            for (int s = from; s <= to; s++) {
                samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", PowerSample.newBuilder().setHost("rig")
                        .setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0").setEventTime(T0.plusSeconds(s))
                        .setEnergyUj(1_000_000_000L + 100_000_000L * s).setPowerWatts(100.0).build()));
                if (s > 0 && s < 20) {
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(s, EventKind.PROGRESS)));
                } else if (s == 20) {
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(s, EventKind.RUN_COMPLETED)));
                }
            }
        }
    }

    private static TrainingEvent event(int second, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId("run-outage").setExperimentId("exp").setHost("rig").setDevices(List.of("gpu0"))
                .setEventTime(T0.plusSeconds(second)).setKind(kind).build();
    }
}
