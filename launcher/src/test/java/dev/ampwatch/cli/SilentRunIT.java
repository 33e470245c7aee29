package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code follow} killed with SIGKILL in the middle of a run (no RUN_FAILED is ever sent), while the rig's
 * power keeps flowing: the analyzer closes the run as FAILED, {@code closed_silent}, at its last heartbeat,
 * with the energy of the time it ran, on a real broker.
 */
class SilentRunIT {
    private static final String PREFIX = "silent-it.";
    private static final double WATTS = 100.0;

    @Test
    void aRunWhoseFollowWasKilledIsClosedAtItsLastHeartbeat(@TempDir Path dir) throws Exception {
        Topics topics = Topics.withPrefix(PREFIX);
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        TopicSetup.ensure(client, topics, 1);
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId("silent-it").withTopics(topics)
                .withStateDir(dir.resolve("state")).withInputIdle(Duration.ofSeconds(3)).withQuietFlush(Duration.ofSeconds(60));
        AtomicBoolean sampling = new AtomicBoolean(true);
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(10));
             var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var events = new KafkaConsumer<>(consumer(client, "silent-events"), new StringDeserializer(),
                     topics.trainingEvents().valueSerde().deserializer());
             var results = new KafkaConsumer<>(consumer(client, "silent-results"), new StringDeserializer(),
                     topics.runEnergy().valueSerde().deserializer())) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            Thread agent = new Thread(() -> { // the rig's power-agent: 100 W, a reading every 100 ms of its clock
                long next = System.currentTimeMillis();
                while (sampling.get()) {
                    samples.send(new ProducerRecord<>(topics.powerSamples().name(), "silent-rig", PowerSample.newBuilder()
                            .setHost("silent-rig").setSource(SourceType.RAPL).setComponent(Component.CPU_PACKAGE).setDevice("package-0")
                            .setEventTime(Instant.ofEpochMilli(next)).setPowerWatts(WATTS).build()));
                    next += 100;
                    java.util.concurrent.locks.LockSupport.parkNanos(Math.max(0, next - System.currentTimeMillis()) * 1_000_000);
                }
            }, "silent-it-agent");
            agent.start();

            Process follow = follow(dir);
            List<TrainingEvent> sent = new ArrayList<>();
            events.subscribe(List.of(topics.trainingEvents().name()));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                events.poll(Duration.ofMillis(200)).forEach(r -> sent.add(r.value()));
                return sent.stream().filter(e -> e.getKind() == EventKind.PROGRESS).count() >= 3;
            });
            List<ProcessHandle> trainer = follow.descendants().toList();
            // SIGKILL follow first: no RUN_FAILED, no more heartbeats. Killing its trainer first raced: follow could
            // see the trainer die and report it before its own kill landed (a busy CI machine lost that race).
            follow.destroyForcibly().waitFor();
            trainer.forEach(ProcessHandle::destroyForcibly);
            // what the killed follow managed to send: its last heartbeat is the run's last sign of life
            await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> {
                events.poll(Duration.ofMillis(200)).forEach(r -> sent.add(r.value()));
                return true;
            });
            assertThat(sent).noneMatch(e -> e.getKind() == EventKind.RUN_FAILED || e.getKind() == EventKind.RUN_COMPLETED);
            Instant start = sent.stream().filter(e -> e.getKind() == EventKind.RUN_STARTED).findFirst().orElseThrow().getEventTime();
            Instant last = sent.stream().map(TrainingEvent::getEventTime).max(Instant::compareTo).orElseThrow();

            results.subscribe(List.of(topics.runEnergy().name()));
            List<RunEnergy> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                results.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
                return seen.stream().anyMatch(RunEnergy::getIsFinal);
            });
            sampling.set(false);
            agent.join();
            RunEnergy run = seen.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
            assertThat(run.getRunId()).isEqualTo("silent-run");
            assertThat(run.getStatus()).isEqualTo(RunStatus.FAILED);
            assertThat(run.getQuality().getClosedSilent()).isTrue();
            assertThat(run.getQuality().getBoundariesMoved()).isFalse();
            assertThat(run.getFailureReason()).contains("the trainer fell silent").contains(last.toString());
            assertThat(run.getEndTime()).isEqualTo(last);
            double seconds = Duration.between(start, last).toNanos() / 1e9;
            assertThat(run.getDurationSeconds()).isCloseTo(seconds, within(1e-6));
            assertThat(run.getEnergyJoules()).isCloseTo(WATTS * seconds, within(1e-6 * WATTS * seconds));
        } finally {
            sampling.set(false);
        }
    }

    private static Process follow(Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String trainer = "echo '" + FollowCommandTest.START + "'; sleep 600";
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), Ampwatch.class.getName(),
                "follow", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", PREFIX, "--host", "silent-rig",
                "--run-id", "silent-run", "--", "sh", "-c", trainer)
                .redirectErrorStream(true).redirectOutput(new File(dir.resolve("follow.log").toString())).start();
    }

    private static Map<String, Object> consumer(Map<String, Object> client, String group) {
        Map<String, Object> p = new HashMap<>(client);
        p.put("group.id", group);
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        return p;
    }
}
