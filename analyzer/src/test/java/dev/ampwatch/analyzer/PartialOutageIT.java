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
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A cluster of two brokers with replication factor 1 where one goes away in the middle of two runs: the inputs'
 * partition 1 (host rig-b) is on broker 2, everything else (partition 0 with host rig-a, the outputs, the changelogs,
 * the groups' and transactions' logs) on broker 1. The analyzer's consumer keeps hearing from broker 1, so it is
 * receiving as a whole; rig-b's task must still not judge rig-b quiet or its trainer silent while its partitions
 * have no leader (Receiving#task), and rig-a must go on being attributed meanwhile, and rig-c (on broker 1 too),
 * whose trainer dies during the outage, be closed as silent during it. Before, rig-b's run was closed as
 * FAILED at its last heartbeat before the outage, with about half its joules.
 */
class PartialOutageIT {
    /** Longer than the quiet-flush and input-idle times of the analyzer below: the point of the test. */
    private static final Duration OUTAGE = Duration.ofSeconds(12);

    static final Instant T0 = Instant.now().minusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    @ParameterizedTest
    @EnumSource(AnalyzerConfig.Engine.class)
    void aHostWhosePartitionsLostTheirLeaderIsNotJudgedQuietWhileTheOthersGoOn(AnalyzerConfig.Engine engine, @TempDir Path dir)
            throws Exception {
        try (InProcessBroker first = InProcessBroker.start(dir.resolve("broker-1"))) {
            Map<String, Object> client = Map.of("bootstrap.servers", first.bootstrapServers());
            Topics topics = Topics.withPrefix("partial.");
            BrokerFixture.createTopics(client, topics, 2);
            clusterLogsOnThisBroker(client);
            AnalyzerConfig config = AnalyzerConfig.defaults().toBuilder().applicationId("partial-" + engine).topics(topics)
                    .stateDir(dir.resolve("state")).engine(engine).inputIdle(Duration.ofSeconds(5)).quietFlush(Duration.ofSeconds(5)).build();
            try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(5));
                 // joins once the analyzer made its topics, all on broker 1; then partition 1 of both inputs moves to it
                 JoiningBroker second = JoiningBroker.start(first, dir.resolve("broker-2"), 2)) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                moveToBroker(client, topics, 1, second.nodeId());
                produce(client, topics, "rig-a", 0, 0, 10, true);
                produce(client, topics, "rig-b", 1, 0, 10, true);
                BrokerFixture.awaitRunEnergy(client, topics, e -> e.getEnergyJoules() > 0, 2, Duration.ofSeconds(60));
                second.stop();
                long downUntil = System.nanoTime() + OUTAGE.toNanos();
                // rig-a's partitions are on broker 1: its run goes on and ends during the outage, exactly
                produce(client, topics, "rig-a", 0, 11, 20, false);
                // and rig-c, on broker 1 too, is a trainer killed during the outage: its task is still receiving, so
                // it is judged silent and closed at its last heartbeat (10 s in) while broker 2 is away
                produce(client, topics, "rig-c", 0, 0, 10, true);
                Map<String, RunEnergy> during = BrokerFixture.awaitRunEnergy(client, topics, e -> e.getIsFinal()
                        && (e.getRunId().equals("run-rig-a") || e.getRunId().equals("run-rig-c")), 2, Duration.ofSeconds(60));
                assertExact(during.get("run-rig-a"));
                RunEnergy c = during.get("run-rig-c");
                assertThat(c.getStatus()).hasToString("FAILED");
                assertThat(c.getQuality().getClosedSilent()).isTrue();
                assertThat(c.getEnergyJoules()).isEqualTo(100.0 * 10, org.assertj.core.data.Offset.offset(1e-6));
                // the outage is a length of wall-clock time against the analyzer's wall-clock rules: nothing to wait for but it
                await("the outage").atMost(OUTAGE.plusSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> System.nanoTime() > downUntil);
                second.start();
                produce(client, topics, "rig-b", 1, 11, 20, false);
                RunEnergy b = BrokerFixture.awaitRunEnergy(client, topics, e -> e.getRunId().equals("run-rig-b") && e.getIsFinal(), 1,
                        Duration.ofSeconds(120)).get("run-rig-b");
                assertExact(b);
            }
        }
    }

    private static void assertExact(RunEnergy e) {
        assertThat(e.getStatus()).as("%s status (%s)", e.getRunId(), e.getFailureReason()).hasToString("COMPLETED");
        assertThat(e.getEnergyJoules()).as(e.getRunId()).isEqualTo(100.0 * 20, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(e.getQuality().getClosedSilent()).isFalse();
        assertThat(e.getQuality().getGaps()).isZero();
        assertThat(e.getQuality().getLateSamples()).isZero();
        assertThat(e.getQuality().getLateEvents()).isZero();
    }

    /**
     * Makes the groups' offsets log and the transactions' log now, while this is the only broker (they are made at
     * first use, their partitions spread over the brokers there are then): the outage is of the inputs' partitions alone.
     */
    private static void clusterLogsOnThisBroker(Map<String, Object> client) throws Exception {
        Map<String, Object> transactional = new java.util.HashMap<>(client);
        transactional.put("transactional.id", "partial-setup");
        try (var producer = new KafkaProducer<>(transactional, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
        }
        try (Admin admin = Admin.create(client)) {
            admin.listConsumerGroupOffsets("partial-setup").all().get(); // finding its coordinator makes the offsets log
            assertThat(admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true)).names().get())
                    .contains("__consumer_offsets", "__transaction_state");
        }
    }

    /** Moves partition {@code partition} of both inputs to broker {@code node} alone; returns once it leads them. */
    private static void moveToBroker(Map<String, Object> client, Topics topics, int partition, int node) throws Exception {
        List<TopicPartition> inputs = List.of(new TopicPartition(topics.powerSamples().name(), partition),
                new TopicPartition(topics.trainingEvents().name(), partition));
        try (Admin admin = Admin.create(client)) {
            Map<TopicPartition, Optional<NewPartitionReassignment>> moves = new java.util.HashMap<>();
            inputs.forEach(tp -> moves.put(tp, Optional.of(new NewPartitionReassignment(List.of(node)))));
            admin.alterPartitionReassignments(moves).all().get();
            await("partition " + partition + " led by broker " + node).atMost(Duration.ofSeconds(60)).until(() -> {
                if (!admin.listPartitionReassignments().reassignments().get().isEmpty()) {
                    return false;
                }
                var described = admin.describeTopics(inputs.stream().map(TopicPartition::topic).toList()).allTopicNames().get();
                return inputs.stream().allMatch(tp -> {
                    var info = described.get(tp.topic()).partitions().get(tp.partition());
                    return info.leader() != null && info.leader().id() == node && info.replicas().size() == 1;
                });
            });
        }
    }

    private static void produce(Map<String, Object> client, Topics topics, String host, int partition, int from, int to, boolean start) {
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer())) {
            String eventsTopic = topics.trainingEvents().name();
            if (start) {
                events.send(new ProducerRecord<>(eventsTopic, partition, host, event(host, 0, EventKind.RUN_STARTED)));
            }
            for (int s = from; s <= to; s++) {
                samples.send(new ProducerRecord<>(topics.powerSamples().name(), partition, host, PowerSample.newBuilder().setHost(host)
                        .setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0").setEventTime(T0.plusSeconds(s))
                        .setEnergyUj(1_000_000_000L + 100_000_000L * s).setPowerWatts(100.0).build()));
                if (s > 0 && s < 20) {
                    events.send(new ProducerRecord<>(eventsTopic, partition, host, event(host, s, EventKind.PROGRESS)));
                } else if (s == 20) {
                    events.send(new ProducerRecord<>(eventsTopic, partition, host, event(host, s, EventKind.RUN_COMPLETED)));
                }
            }
        }
    }

    private static TrainingEvent event(String host, int second, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId("run-" + host).setExperimentId("exp").setHost(host).setDevices(List.of("gpu0"))
                .setEventTime(T0.plusSeconds(second)).setKind(kind).build();
    }
}
