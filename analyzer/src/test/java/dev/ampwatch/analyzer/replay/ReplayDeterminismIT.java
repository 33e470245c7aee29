package dev.ampwatch.analyzer.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.accuracy.ReferenceIntegrator;
import dev.ampwatch.analyzer.accuracy.ReferenceIntegrator.RunResult;
import dev.ampwatch.analyzer.accuracy.ReferenceIntegrator.RunSpec;
import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.ComponentEnergy;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same joules at any speed: a multi-host, multi-run trace (GPU counters, a wrapping CPU package
 * counter, a 1 Hz wall meter, overlapping runs on separate GPUs) is replayed at full speed, as
 * {@code ampwatch replay} sends it (host keys, host-wide PROGRESS every second, STREAM_END), into a
 * freshly started analyzer on fresh topics, twenty times, with every core kept busy by spinning
 * threads. Every final run total, component and epoch must equal the offline reference to 1e-9 each
 * time, with no late record and no dead letter. Before the co-partitioned design a third of such
 * replays lost part of a run.
 */
class ReplayDeterminismIT {
    static final double RELATIVE = 1e-9;
    static final long PROGRESS_US = 1_000_000;
    static final ReplayTrace TRACE = new ReplayTrace(20261129L, "rig-a", "rig-b", "rig-c");
    static final Map<String, RunResult> REFERENCE = reference();

    private final AtomicBoolean spinning = new AtomicBoolean(true);
    private final List<Thread> spinners = new ArrayList<>();

    @BeforeEach
    void keepTheCoresBusy() {
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            Thread t = new Thread(() -> {
                long x = 0;
                while (spinning.get()) {
                    x += System.nanoTime() % 7;
                }
                if (x == 42) {
                    System.out.print("");
                }
            }, "busy-" + i);
            t.setDaemon(true);
            t.start();
            spinners.add(t);
        }
    }

    @AfterEach
    void stopSpinning() throws InterruptedException {
        spinning.set(false);
        for (Thread t : spinners) {
            t.join();
        }
    }

    @RepeatedTest(20)
    void aFullSpeedReplayIntoARunningAnalyzerGivesTheReferenceJoulesEveryTime(@TempDir Path stateDir) throws Exception {
        String prefix = "det-" + System.nanoTime() + ".";
        Topics topics = Topics.withPrefix(prefix);
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        try (Admin admin = Admin.create(client)) {
            List<NewTopic> all = new ArrayList<>();
            topics.names().forEach(n -> all.add(new NewTopic(n, Optional.of(2), Optional.empty())));
            admin.createTopics(all).all().get();
        }
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId(prefix + "analyzer").withTopics(topics)
                .withStateDir(stateDir);
        Map<String, RunEnergy> finals = new LinkedHashMap<>();
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(5));
             KafkaConsumer<String, RunEnergy> out = consumer(client, topics)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(90))).isTrue();
            replay(client, topics);
            await().atMost(Duration.ofSeconds(180)).pollDelay(Duration.ZERO).until(() -> {
                out.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value().getIsFinal()) {
                        finals.put(r.key(), r.value());
                    }
                });
                return finals.keySet().containsAll(REFERENCE.keySet());
            });
        }
        assertThat(problems(finals)).as("differences from the offline reference").isEmpty();
        assertThat(deadLetters(client, topics)).as("dead letters written").isZero();
    }

    /** Sends the trace as replay does: time order, host keys, host-wide PROGRESS per second, STREAM_END. */
    static void replay(Map<String, Object> client, Topics topics) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        var sampleSer = topics.powerSamples().valueSerde().serializer();
        var eventSer = topics.trainingEvents().valueSerde().serializer();
        String sampleTopic = topics.powerSamples().name();
        String eventTopic = topics.trainingEvents().name();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            replay(TRACE, s -> p.send(new ProducerRecord<>(sampleTopic, null, s.getEventTime().toEpochMilli(), s.getHost(),
                            sampleSer.serialize(sampleTopic, s))),
                    e -> p.send(new ProducerRecord<>(eventTopic, null, e.getEventTime().toEpochMilli(), e.getHost(),
                            eventSer.serialize(eventTopic, e))));
            p.flush();
        }
    }

    /** The replay order, to any sink. */
    static void replay(ReplayTrace trace, java.util.function.Consumer<dev.ampwatch.schema.PowerSample> samples,
                       java.util.function.Consumer<TrainingEvent> events) {
        Set<String> sinceMarker = new LinkedHashSet<>();
        Map<String, Long> last = new LinkedHashMap<>();
        long marked = Long.MIN_VALUE;
        for (ReplayTrace.Item item : trace.items()) {
            long boundary = Math.floorDiv(item.tUs() - 1, PROGRESS_US) * PROGRESS_US;
            if (boundary > marked) {
                for (String h : sinceMarker) {
                    events.accept(marker(h, boundary, EventKind.PROGRESS));
                }
                sinceMarker.clear();
                marked = boundary;
            }
            if (item.sample() != null) {
                samples.accept(item.sample());
            } else {
                events.accept(item.event());
            }
            sinceMarker.add(item.host());
            last.merge(item.host(), item.tUs(), Math::max);
        }
        last.forEach((h, t) -> {
            events.accept(marker(h, t, EventKind.PROGRESS));
            events.accept(marker(h, t, EventKind.STREAM_END));
        });
    }

    private static TrainingEvent marker(String host, long tUs, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId("").setExperimentId("").setHost(host).setEventTime(ReplayTrace.at(tUs))
                .setKind(kind).build();
    }

    private static KafkaConsumer<String, RunEnergy> consumer(Map<String, Object> client, Topics topics) {
        Map<String, Object> c = new HashMap<>(client);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + topics.runEnergy().name());
        KafkaConsumer<String, RunEnergy> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                topics.runEnergy().valueSerde().deserializer());
        consumer.subscribe(List.of(topics.runEnergy().name()));
        return consumer;
    }

    private static long deadLetters(Map<String, Object> client, Topics topics) throws Exception {
        try (Admin admin = Admin.create(client)) {
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            for (int p = 0; p < 2; p++) {
                ends.put(new TopicPartition(topics.deadLetters(), p), OffsetSpec.latest());
            }
            return admin.listOffsets(ends).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        }
    }

    static List<String> problems(Map<String, RunEnergy> finals) {
        List<String> problems = new ArrayList<>();
        for (ReplayTrace.Host host : TRACE.hosts) {
            for (RunSpec run : host.runs()) {
                compare(problems, run, finals.get(run.id()), REFERENCE.get(run.id()));
            }
        }
        return problems;
    }

    private static Map<String, RunResult> reference() {
        Map<String, RunResult> all = new LinkedHashMap<>();
        for (ReplayTrace.Host h : TRACE.hosts) {
            all.putAll(new ReferenceIntegrator(AnalyzerConfig.defaults().maxGap().toNanos() / 1000)
                    .integrate(h.devices(), h.runs()));
        }
        return all;
    }

    private static void compare(List<String> problems, RunSpec run, RunEnergy got, RunResult want) {
        if (got == null) {
            problems.add(run.id() + ": no final record");
            return;
        }
        if (!got.getStartTime().equals(ReplayTrace.at(run.startUs())) || got.getEndTime() == null
                || !got.getEndTime().equals(ReplayTrace.at(run.endUs()))) {
            problems.add(run.id() + ": interval " + got.getStartTime() + ".." + got.getEndTime());
        }
        close(problems, run.id() + " total", got.getEnergyJoules(), want.total());
        for (ComponentEnergy c : got.getComponents()) {
            String key = c.getComponent().name() + "/" + c.getDevice();
            Double ref = want.joulesByDevice.get(key);
            if (ref == null) {
                problems.add(run.id() + ": component " + key + " not in the reference");
            } else {
                close(problems, run.id() + " " + key, c.getEnergyJoules(), ref);
            }
        }
        if (got.getComponents().size() != want.joulesByDevice.size()) {
            problems.add(run.id() + ": " + got.getComponents().size() + " components, reference " + want.joulesByDevice.keySet());
        }
        if (got.getEpochs().size() != run.epochs().size()) {
            problems.add(run.id() + ": " + got.getEpochs().size() + " epochs, expected " + run.epochs().size());
        } else {
            for (int e = 0; e < run.epochs().size(); e++) {
                close(problems, run.id() + " epoch " + (e + 1), got.getEpochs().get(e).getEnergyJoules(), want.epochTotal(e));
            }
        }
        if (got.getQuality().getLateSamples() != 0 || got.getQuality().getLateEvents() != 0
                || got.getQuality().getBoundariesMoved()) {
            problems.add(run.id() + ": quality " + got.getQuality());
        }
    }

    private static void close(List<String> problems, String what, double got, double want) {
        double tolerance = Math.max(1e-9, RELATIVE * Math.max(Math.abs(got), Math.abs(want)));
        if (!(Math.abs(got - want) <= tolerance)) {
            problems.add(String.format("%s: analyzer %.12f J, reference %.12f J (diff %.3g)", what, got, want, got - want));
        }
    }
}
