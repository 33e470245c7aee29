package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the analyzer process in the middle of a run, then a restart on an empty state directory
 * (state comes back from the changelogs): the final totals are those of an uninterrupted run, once.
 */
class AnalyzerCrashIT {
    static final Instant T0 = Instant.parse("2026-11-23T07:00:00Z");
    static final double WATTS = 150.0;

    @Test
    void finalTotalsSurviveAKillInTheMiddleOfARun(@TempDir Path dir) throws Exception {
        Topics topics = Topics.withPrefix("crash.");
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        TopicSetup.ensure(client, topics, 1);
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer());
             var watcher = new KafkaConsumer<>(consumerProps(client), new StringDeserializer(),
                     topics.runEnergy().valueSerde().deserializer())) {
            watcher.subscribe(List.of(topics.runEnergy().name()));
            List<RunEnergy> seen = new ArrayList<>();

            Process first = startAnalyzer(dir.resolve("state-1"));
            events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(2, EventKind.RUN_STARTED)));
            for (int s = 0; s <= 14; s++) {
                samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", sample(s)));
                if (s > 2) { // the trainer's heartbeat: the run's events up to s have been sent
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(s, EventKind.PROGRESS)));
                }
            }
            samples.flush();
            events.flush();
            await().atMost(Duration.ofSeconds(90)).until(() -> poll(watcher, seen).stream()
                    .anyMatch(r -> !r.getIsFinal() && r.getAttributedUntil().isAfter(T0.plusSeconds(6))));
            first.destroyForcibly().waitFor(); // SIGKILL: no commit, no clean shutdown

            for (int s = 15; s <= 40; s++) {
                samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", sample(s)));
                if (s < 25) {
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(s, EventKind.PROGRESS)));
                } else if (s == 25) {
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(25, EventKind.RUN_COMPLETED)));
                }
            }
            samples.flush();
            events.flush();
            Process second = startAnalyzer(dir.resolve("state-2"));
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> poll(watcher, seen).stream().anyMatch(RunEnergy::getIsFinal));
                // anything still in flight would show up as a second final record
                await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> {
                    poll(watcher, seen);
                    return true;
                });
            } finally {
                second.destroy();
                second.waitFor();
            }
            List<RunEnergy> finals = seen.stream().filter(RunEnergy::getIsFinal).toList();
            assertThat(finals).hasSize(1);
            assertThat(finals.get(0).getEnergyJoules()).isCloseTo(WATTS * 23, within(1e-9 * WATTS * 23));
            assertThat(finals.get(0).getDurationSeconds()).isCloseTo(23.0, within(1e-9));
        }
    }

    private static Process startAnalyzer(Path stateDir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), Ampwatch.class.getName(),
                "analyzer", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", "crash.",
                "--application-id", "crash-analyzer", "--state-dir", stateDir.toString(), "--http-port", "0",
                "-X", "session.timeout.ms=6000") // the killed member's session ends sooner
                .redirectErrorStream(true)
                .redirectOutput(new File(stateDir + ".log"))
                .start();
    }

    private static List<RunEnergy> poll(KafkaConsumer<String, RunEnergy> consumer, List<RunEnergy> into) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> into.add(r.value()));
        return into;
    }

    private static Map<String, Object> consumerProps(Map<String, Object> client) {
        Map<String, Object> props = new HashMap<>(client);
        props.put("group.id", "crash-watcher");
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        return props;
    }

    private static PowerSample sample(int second) {
        return PowerSample.newBuilder().setHost("rig").setSource(SourceType.NVML).setComponent(Component.GPU)
                .setDevice("gpu0").setEventTime(T0.plusSeconds(second)).setPowerWatts(WATTS).build();
    }

    private static TrainingEvent event(int second, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId("crash-run").setExperimentId("crash").setHost("rig")
                .setDevices(List.of("gpu0")).setEventTime(T0.plusSeconds(second)).setKind(kind).build();
    }
}
