package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.analyzer.direct.DirectEngine;
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
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A cluster of two brokers with replication factor 1 where one goes away in the middle of a run: the inputs'
 * partition 1 (host rig-b) is on broker 2, everything else (partition 0 with hosts rig-a and rig-c, the outputs, the
 * changelogs, the groups' and transactions' logs) on broker 1. The analyzer's consumer keeps hearing from broker 1, so
 * it is receiving as a whole; rig-b's task must still not judge rig-b quiet or its trainer silent while its partitions
 * have no leader (Receiving#task), while on partition 0 a run is attributed exactly and a killed trainer's run is
 * closed as silent during the outage. rig-b heartbeats all along, through the outage (its producer keeps what it
 * cannot deliver, as the agents' spools do), so nothing but the outage can make it look quiet. Before, rig-b's run was
 * closed as FAILED at its last heartbeat before the outage.
 */
class PartialOutageIT {
    /** The analyzer's quiet-flush and input-idle times. */
    private static final Duration QUIET = Duration.ofSeconds(8);
    /** At least this long, and more than twice the quiet time: the point of the test. */
    private static final Duration OUTAGE = Duration.ofSeconds(20);

    static final Instant T0 = Instant.now().minusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    /**
     * @param stateToo the changelog partition of the other task (partition 0: rig-a, rig-c) is on broker 2 too: the
     *     engine cannot commit during the outage, so it stalls, and attributes everything once broker 2 is back
     */
    @ParameterizedTest(name = "{0}, state of partition 0 on the broker that goes away: {1}")
    @CsvSource({"DIRECT,false", "STREAMS,false", "DIRECT,true", "STREAMS,true"})
    void aHostWhosePartitionsLostTheirLeaderIsNotJudgedQuietWhileTheOthersGoOn(AnalyzerConfig.Engine engine, boolean stateToo,
                                                                             @TempDir Path dir) throws Exception {
        try (InProcessBroker first = InProcessBroker.start(dir.resolve("broker-1"))) {
            Map<String, Object> client = Map.of("bootstrap.servers", first.bootstrapServers());
            Topics topics = Topics.withPrefix("partial.");
            BrokerFixture.createTopics(client, topics, 2);
            clusterLogsOnThisBroker(client);
            AnalyzerConfig config = AnalyzerConfig.defaults().toBuilder().applicationId("partial-" + engine).topics(topics)
                    .stateDir(dir.resolve("state")).engine(engine).inputIdle(QUIET).quietFlush(QUIET).build();
            try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(5));
                 // joins once the analyzer made its topics, all on broker 1; then partition 1 of both inputs moves to it
                 JoiningBroker second = JoiningBroker.start(first, dir.resolve("broker-2"), 2)) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                List<TopicPartition> moved = new java.util.ArrayList<>(List.of(new TopicPartition(topics.powerSamples().name(), 1),
                        new TopicPartition(topics.trainingEvents().name(), 1)));
                if (stateToo) {
                    moved.add(new TopicPartition(DirectEngine.changelogTopic(config), 0)); // the same topic on both engines
                }
                moveToBroker(client, moved, second.nodeId());
                RunEnergy b;
                try (Heartbeats rigB = new Heartbeats(client, topics, "rig-b", 1)) {
                    BrokerFixture.awaitRunEnergy(client, topics, e -> e.getRunId().equals("run-rig-b") && e.getEnergyJoules() > 0, 1,
                            Duration.ofSeconds(60));
                    second.stop();
                    long downUntil = System.nanoTime() + OUTAGE.toNanos();
                    // rig-a's partitions are on broker 1: a whole run during the outage, attributed exactly; and rig-c, on
                    // broker 1 too, a trainer killed during the outage: its task is still receiving, so it is judged
                    // silent and closed at its last heartbeat (10 s in) while broker 2 is away
                    produce(client, topics, "rig-a", 0, 0, 20, true);
                    produce(client, topics, "rig-c", 0, 0, 10, true);
                    if (!stateToo) {
                        assertRunsOfPartition0(client, topics);
                        // both inputs' partition 1 counted for the alert (AnalyzerInputPartitionsUnanswered)
                        await("the unanswered partitions on /metrics").atMost(Duration.ofSeconds(30))
                                .until(() -> unanswered(app), n -> n == 2);
                    }
                    // the outage is a length of wall-clock time against the analyzer's wall-clock rules: nothing to wait for but it
                    await("the outage").atMost(OUTAGE.plusSeconds(60)).pollInterval(Duration.ofMillis(500))
                            .until(() -> System.nanoTime() > downUntil);
                    second.start();
                    if (stateToo) {
                        assertRunsOfPartition0(client, topics);
                    }
                    // what rig-b sent during the outage reaches the analyzer once broker 2 is back
                    int sentDuringOutage = rigB.sent();
                    RunEnergy caughtUp = BrokerFixture.awaitRunEnergy(client, topics, e -> e.getRunId().equals("run-rig-b")
                            && (e.getIsFinal() || e.getEnergyJoules() >= 100.0 * sentDuringOutage - 1e-6), 1, Duration.ofSeconds(60))
                            .get("run-rig-b");
                    assertThat(caughtUp.getIsFinal()).as("rig-b's run ended, %s with %s J (%s)", caughtUp.getStatus(),
                            caughtUp.getEnergyJoules(), caughtUp.getFailureReason()).isFalse();
                    await("no unanswered partitions on /metrics").atMost(Duration.ofSeconds(30)).until(() -> unanswered(app), n -> n == 0);
                    int end = rigB.complete();
                    b = BrokerFixture.awaitRunEnergy(client, topics, e -> e.getRunId().equals("run-rig-b") && e.getIsFinal(), 1,
                            Duration.ofSeconds(120)).get("run-rig-b");
                    assertExact(b, end);
                }
            }
        }
    }

    private static double unanswered(AnalyzerApp app) throws Exception {
        return BrokerFixture.sum(BrokerFixture.scrape(app), "ampwatch_analyzer_input_partitions_unanswered");
    }

    /** rig-a's run exact; rig-c's, whose trainer was killed 10 s in, closed as silent at its last heartbeat. */
    static void assertRunsOfPartition0(Map<String, Object> client, Topics topics) {
        Map<String, RunEnergy> runs = BrokerFixture.awaitRunEnergy(client, topics, e -> e.getIsFinal()
                && (e.getRunId().equals("run-rig-a") || e.getRunId().equals("run-rig-c")), 2, Duration.ofSeconds(120));
        assertExact(runs.get("run-rig-a"), 20);
        RunEnergy c = runs.get("run-rig-c");
        assertThat(c.getStatus()).hasToString("FAILED");
        assertThat(c.getQuality().getClosedSilent()).isTrue();
        assertThat(c.getEnergyJoules()).isEqualTo(100.0 * 10, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(c.getQuality().getGaps()).isZero();
        assertThat(c.getQuality().getLateSamples()).isZero();
    }

    static void assertExact(RunEnergy e, int seconds) {
        assertThat(e.getStatus()).as("%s status (%s)", e.getRunId(), e.getFailureReason()).hasToString("COMPLETED");
        assertThat(e.getEnergyJoules()).as(e.getRunId()).isEqualTo(100.0 * seconds, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(e.getQuality().getClosedSilent()).isFalse();
        assertThat(e.getQuality().getGaps()).isZero();
        assertThat(e.getQuality().getLateSamples()).isZero();
        assertThat(e.getQuality().getLateEvents()).isZero();
    }

    /**
     * A running trainer and its power agent on {@code host}: the run's start, then a sample and a heartbeat per second
     * of event time, four a second of wall-clock time, on a schedule, until {@link #complete()}.
     */
    private static final class Heartbeats implements AutoCloseable {
        private final KafkaProducer<String, PowerSample> samples;
        private final KafkaProducer<String, TrainingEvent> events;
        private final Topics topics;
        private final String host;
        private final int partition;
        private final java.util.concurrent.ScheduledExecutorService schedule = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        private final java.util.concurrent.atomic.AtomicInteger second = new java.util.concurrent.atomic.AtomicInteger();

        Heartbeats(Map<String, Object> client, Topics topics, String host, int partition) {
            this.samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
            this.events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer());
            this.topics = topics;
            this.host = host;
            this.partition = partition;
            events.send(new ProducerRecord<>(topics.trainingEvents().name(), partition, host, event(host, 0, EventKind.RUN_STARTED)));
            samples.send(sample(0));
            schedule.scheduleAtFixedRate(() -> {
                int s = second.get() + 1;
                samples.send(sample(s));
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), partition, host, event(host, s, EventKind.PROGRESS)));
                second.set(s);
            }, 250, 250, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        private ProducerRecord<String, PowerSample> sample(int s) {
            return new ProducerRecord<>(topics.powerSamples().name(), partition, host, PowerSample.newBuilder().setHost(host)
                    .setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0").setEventTime(T0.plusSeconds(s))
                    .setEnergyUj(1_000_000_000L + 100_000_000L * s).setPowerWatts(100.0).build());
        }

        /** The last second sent so far. */
        int sent() {
            return second.get();
        }

        /** Stops the heartbeats and ends the run a second after the last; returns its length in seconds. */
        int complete() throws InterruptedException {
            schedule.shutdown();
            assertThat(schedule.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            int end = second.get() + 1;
            samples.send(sample(end));
            events.send(new ProducerRecord<>(topics.trainingEvents().name(), partition, host, event(host, end, EventKind.RUN_COMPLETED)));
            samples.flush();
            events.flush();
            return end;
        }

        @Override
        public void close() {
            schedule.shutdownNow();
            samples.close(Duration.ofSeconds(10));
            events.close(Duration.ofSeconds(10));
        }
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

    /** Moves {@code inputs} to broker {@code node} alone; returns once it leads them. */
    private static void moveToBroker(Map<String, Object> client, List<TopicPartition> inputs, int node) throws Exception {
        try (Admin admin = Admin.create(client)) {
            Map<TopicPartition, Optional<NewPartitionReassignment>> moves = new java.util.HashMap<>();
            inputs.forEach(tp -> moves.put(tp, Optional.of(new NewPartitionReassignment(List.of(node)))));
            admin.alterPartitionReassignments(moves).all().get();
            await(inputs + " led by broker " + node).atMost(Duration.ofSeconds(60)).until(() -> {
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

    static void produce(Map<String, Object> client, Topics topics, String host, int partition, int from, int to, boolean start) {
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
