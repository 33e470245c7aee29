package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.trainer.kafka.HeartbeatScheduler;
import dev.ampwatch.trainer.kafka.KafkaTrainingPublisher;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** follow and sweep publish through KafkaTrainingPublisher, so their open runs get its PROGRESS heartbeats. */
class HeartbeatCommandsTest {
    @TempDir
    Path dir;
    final MockProducer<String, TrainingEvent> mock = new MockProducer<>(true, null, new StringSerializer(),
            AmpwatchSerdes.trainingEvent().serializer());
    final StringWriter err = new StringWriter();

    private CommandLine cli() {
        CommandLine cli = Ampwatch.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        return cli;
    }

    private List<TrainingEvent> sent() {
        return mock.history().stream().map(ProducerRecord::value).toList();
    }

    @Test
    void followsRunGetsHeartbeatsWhileTheTrainerRuns() {
        Path seen = dir.resolve("heartbeat-seen");
        HeartbeatScheduler daemon = HeartbeatScheduler.daemon();
        HeartbeatScheduler signalling = new HeartbeatScheduler() { // tells the trainer once a PROGRESS is out
            @Override
            public Repeating every(Duration interval, Runnable tick) {
                return daemon.every(interval, () -> {
                    tick.run();
                    if (sent().stream().anyMatch(e -> e.getKind() == EventKind.PROGRESS)) {
                        touch(seen);
                    }
                });
            }

            @Override
            public void close() {
                daemon.close();
            }
        };
        CommandLine cli = cli();
        try (KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(mock, "t", InstantSource.system(),
                Duration.ofMillis(5), signalling)) {
            ((FollowCommand) cli.getSubcommands().get("follow").getCommand()).listener = publisher;
            // the trainer stays in its run until the heartbeat has been sent, however slow the machine
            String script = "echo '" + FollowCommandTest.START + "'; n=0; while [ ! -f \"$1\" ] && [ $n -lt 3000 ]; do "
                    + "sleep 0.01; n=$((n+1)); done; echo '" + FollowCommandTest.COMPLETED + "'";
            assertThat(cli.execute("follow", "--run-id", "run-h", "--host", "rig-9", "--", "sh", "-c", script, "sh",
                    seen.toString())).as(err.toString()).isZero();
        }
        List<TrainingEvent> sent = sent();
        assertThat(sent.get(0).getKind()).isEqualTo(EventKind.RUN_STARTED);
        assertThat(sent.get(sent.size() - 1).getKind()).isEqualTo(EventKind.RUN_COMPLETED);
        assertThat(sent.subList(1, sent.size() - 1)).isNotEmpty().allSatisfy(p -> {
            assertThat(p.getKind()).isEqualTo(EventKind.PROGRESS);
            assertThat(p.getRunId()).isEqualTo("run-h");
            assertThat(p.getHost()).isEqualTo("rig-9");
            assertThat(p.getEventTime()).isAfterOrEqualTo(sent.get(0).getEventTime())
                    .isBefore(sent.get(sent.size() - 1).getEventTime());
        });
        assertThat(mock.history()).extracting(ProducerRecord::key).containsOnly("rig-9");
    }

    @Test
    void sweepHeartbeatsEachRunWhileItIsOpenAndNoneBetween() throws Exception {
        List<String> schedule = Collections.synchronizedList(new ArrayList<>());
        HeartbeatScheduler recording = new HeartbeatScheduler() {
            @Override
            public Repeating every(Duration interval, Runnable tick) {
                schedule.add("start");
                return () -> schedule.add("stop");
            }

            @Override
            public void close() {
                schedule.add("close");
            }
        };
        Path grid = Files.writeString(dir.resolve("tiny.json"), """
                {"precisions": ["fp32", "amp-bf16"], "benchmark": {"batch_size": 50, "hidden": [8], "epochs": 1},
                 "train_limit": 200, "test_limit": 100, "cooldown": "0s", "seed": 3}
                """);
        CommandLine cli = cli();
        try (KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(mock, "t", InstantSource.system(),
                Duration.ofSeconds(1), recording)) {
            ((SweepCommand) cli.getSubcommands().get("sweep").getCommand()).listener = publisher;
            assertThat(cli.execute("sweep", grid.toString(), "--no-warm-up", "--threads", "1", "--host", "h"))
                    .as(err.toString()).isZero();
            assertThat(schedule).containsExactly("start", "stop", "start", "stop");
        }
        assertThat(sent()).filteredOn(e -> e.getKind() == EventKind.RUN_STARTED).hasSize(2);
        assertThat(mock.history()).extracting(ProducerRecord::key).containsOnly("h");
    }

    private static void touch(Path file) {
        try {
            Files.writeString(file, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
