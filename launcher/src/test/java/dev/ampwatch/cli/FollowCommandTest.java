package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `follow` over a POSIX shell script standing in for a trainer; events go to a list instead of Kafka. */
class FollowCommandTest {
    static final String START = "{\"ampwatch\":\"run_started\",\"config\":{\"precision\":\"amp-bf16\",\"batch_size\":64,"
            + "\"hidden_units\":[32],\"epochs\":1,\"learning_rate\":0.01,\"optimizer\":\"adam\",\"dataset\":\"fashion-mnist\","
            + "\"train_samples\":600,\"parameter_count\":25450,\"backend\":\"pytorch\"}}";
    static final String EPOCH_STARTED = "{\"ampwatch\":\"epoch_started\",\"epoch\":1}";
    static final String EPOCH_COMPLETED = "{\"ampwatch\":\"epoch_completed\",\"epoch\":1,\"metrics\":{\"loss\":0.61,"
            + "\"test_accuracy\":0.78,\"samples\":600,\"duration_ms\":1500}}";
    static final String COMPLETED = "{\"ampwatch\":\"run_completed\"}";

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final List<TrainingEvent> events = Collections.synchronizedList(new ArrayList<>());

    int follow(String... args) {
        CommandLine cli = Ampwatch.commandLine();
        ((FollowCommand) cli.getSubcommands().get("follow").getCommand()).listener = events::add;
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** A shell script echoing each line, then exiting with {@code exit}. */
    static String script(int exit, String... lines) {
        StringBuilder s = new StringBuilder();
        for (String l : lines) {
            s.append("echo '").append(l).append("'; ");
        }
        return s.append("exit ").append(exit).toString();
    }

    @Test
    void turnsATrainersLinesIntoEventsAndPassesTheRestThrough() {
        int code = follow("follow", "--experiment-id", "exp-f", "--run-id", "run-f", "--host", "rig-9", "--devices", "gpu0",
                "--", "sh", "-c", script(0, "loading data...", START, EPOCH_STARTED, "step 10/10 loss 0.61", EPOCH_COMPLETED,
                        COMPLETED, "done"));

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString().lines()).containsExactly("loading data...", "step 10/10 loss 0.61", "done");
        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED, EventKind.EPOCH_STARTED,
                EventKind.EPOCH_COMPLETED, EventKind.RUN_COMPLETED);
        assertThat(events).allSatisfy(e -> {
            assertThat(e.getRunId()).isEqualTo("run-f");
            assertThat(e.getExperimentId()).isEqualTo("exp-f");
            assertThat(e.getHost()).isEqualTo("rig-9");
            assertThat(e.getDevices()).containsExactly("gpu0");
        });
        assertThat(events.get(0).getConfig().getPrecision()).isEqualTo("amp-bf16");
        assertThat(events.get(0).getConfig().getBackend()).isEqualTo("pytorch");
        assertThat(events.get(0).getConfig().getDeviceName()).isEqualTo("unknown");
        assertThat(events.get(2).getMetrics().getLoss()).isEqualTo(0.61);
        assertThat(events).extracting(TrainingEvent::getEventTime).isSorted();
    }

    @Test
    void aNonZeroExitWithoutRunCompletedPublishesRunFailedWithTheExitCode() {
        int code = follow("follow", "--run-id", "run-x", "--", "sh", "-c", script(3, START, EPOCH_STARTED, "Traceback: CUDA OOM"));

        assertThat(code).isEqualTo(3);
        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED, EventKind.EPOCH_STARTED,
                EventKind.RUN_FAILED);
        assertThat(events.get(2).getFailureReason()).isEqualTo("trainer exited with code 3");
        assertThat(events.get(2).getRunId()).isEqualTo("run-x");
        assertThat(err.toString()).contains("run run-x failed: trainer exited with code 3");
    }

    @Test
    void aTrainerThatDiesBeforeItStartsARunPublishesNothingAndSaysSo() {
        // a RUN_FAILED for a run that never started would only be dead-lettered by the analyzer (no open run)
        assertThat(follow("follow", "--run-id", "run-q", "--", "sh", "-c", "echo starting; exit 2")).isEqualTo(2);
        assertThat(events).isEmpty();
        assertThat(err.toString()).contains("exited with code 2 before it started a run; nothing published");
    }

    @Test
    void badLinesAreReportedWithTheirNumberAndNotPublished() {
        String bad = START.replace("\"batch_size\":64", "\"batch_size\":\"64\"");
        assertThat(follow("follow", "--", "sh", "-c", script(0, "hello", bad))).isZero();
        assertThat(events).isEmpty();
        assertThat(err.toString()).contains("line 2: config.batch_size: expected an integer, got the string \"64\"");
    }

    @Test
    void followsAFileTheTrainerWritesWhileItsStdoutPassesStraightThrough(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, "{\"ampwatch\":\"run_completed\",\"run_id\":\"stale\"}\n"); // a previous run's: skipped
        String script = "echo training; for l in '" + START + "' '" + EPOCH_STARTED + "' '" + EPOCH_COMPLETED + "' '" + COMPLETED
                + "'; do printf '%s\\n' \"$l\" >> \"$1\"; sleep 0.1; done";
        int code = follow("follow", "--from-file", file.toString(), "--run-id", "run-file", "--", "sh", "-c", script, "sh", file.toString());

        assertThat(code).as(err.toString()).isZero();
        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED, EventKind.EPOCH_STARTED,
                EventKind.EPOCH_COMPLETED, EventKind.RUN_COMPLETED);
        assertThat(events).extracting(TrainingEvent::getRunId).containsOnly("run-file");
    }

    @Test
    void withoutACommandFollowsAFileUntilItsRunsEnded(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, String.join("\n", START, EPOCH_STARTED, EPOCH_COMPLETED, COMPLETED) + "\n");
        assertThat(follow("follow", "--from-file", file.toString(), "--from-start")).isZero();
        assertThat(events).hasSize(4);
    }

    /** A run_started line's config, as --whole-run takes it. */
    static final String WHOLE_RUN_CONFIG = "{\"precision\":\"amp-bf16\",\"batch_size\":64,\"epochs\":3,\"learning_rate\":0.001,"
            + "\"optimizer\":\"adamw\",\"dataset\":\"imagenette\",\"train_samples\":9469,\"parameter_count\":11689512}";

    @Test
    void wholeRunMakesAnUninstrumentedCommandOneRunFromItsStartToItsExit() {
        // it prints an ampwatch line too: in whole-run mode that is the command's output, passed through unread
        String script = "echo epoch 1/3; echo '" + COMPLETED + "'; sleep 0.3; echo done";
        int code = follow("follow", "--whole-run", WHOLE_RUN_CONFIG, "--run-id", "run-w", "--devices", "gpu0",
                "--backend", "pytorch", "--", "sh", "-c", script);

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString().lines()).containsExactly("epoch 1/3", COMPLETED, "done");
        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED, EventKind.RUN_COMPLETED);
        assertThat(events).extracting(TrainingEvent::getRunId).containsOnly("run-w");
        assertThat(events.get(0).getDevices()).containsExactly("gpu0");
        assertThat(events.get(0).getConfig().getPrecision()).isEqualTo("amp-bf16");
        assertThat(events.get(0).getConfig().getBackend()).isEqualTo("pytorch");
        assertThat(events.get(0).getConfig().getParameterCount()).isEqualTo(11_689_512L);
        assertThat(java.time.Duration.between(events.get(0).getEventTime(), events.get(1).getEventTime()))
                .as("the run spans the command, its 0.3 s sleep included").isGreaterThanOrEqualTo(java.time.Duration.ofMillis(300));
    }

    @Test
    void wholeRunFailsTheRunWhenTheCommandFailsAndReadsItsConfigFromAFile(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("run.json"), WHOLE_RUN_CONFIG);
        assertThat(follow("follow", "--whole-run", config.toString(), "--", "sh", "-c", "echo oom; exit 4")).isEqualTo(4);
        assertThat(events).extracting(TrainingEvent::getKind, TrainingEvent::getFailureReason).containsExactly(
                org.assertj.core.groups.Tuple.tuple(EventKind.RUN_STARTED, null),
                org.assertj.core.groups.Tuple.tuple(EventKind.RUN_FAILED, "trainer exited with code 4"));
    }

    @Test
    void wholeRunRefusesABadConfigBeforeTheCommandStarts(@TempDir Path dir) {
        Path marker = dir.resolve("ran");
        String bad = WHOLE_RUN_CONFIG.replace("\"batch_size\":64", "\"batch_size\":\"64\"");
        assertThat(follow("follow", "--whole-run", bad, "--", "touch", marker.toString())).isEqualTo(2); // a usage error, as the other bad values of --whole-run
        assertThat(err.toString()).contains("--whole-run: config.batch_size: expected an integer, got the string \"64\"");
        assertThat(marker).doesNotExist();
        assertThat(events).isEmpty();

        assertThat(follow("follow", "--whole-run", "{\"precision\":", "--", "true")).isEqualTo(2);
        assertThat(err.toString()).contains("--whole-run is not JSON");
        assertThat(follow("follow", "--whole-run", "[1]", "--", "true")).isEqualTo(2);
        assertThat(err.toString()).contains("--whole-run: expected a JSON object (a run_started line's config), got array");
        assertThat(follow("follow", "--whole-run", dir.resolve("missing.json").toString(), "--", "true")).isEqualTo(2);
        assertThat(err.toString()).contains("cannot read --whole-run " + dir.resolve("missing.json") + ": no such file");
        assertThat(follow("follow", "--whole-run", WHOLE_RUN_CONFIG, "--steps-per-epoch", "100", "--", "true")).isEqualTo(2);
        assertThat(err.toString()).contains("--whole-run makes the command one run from its start to its exit");
        assertThat(follow("follow", "--whole-run", WHOLE_RUN_CONFIG, "--", "no-such-trainer-xyz")).isEqualTo(127);
        assertThat(err.toString()).contains("cannot start no-such-trainer-xyz");
        assertThat(events).as("a command that cannot start leaves no run behind").isEmpty();
    }

    @Test
    void needsACommandOrAFile() {
        assertThat(follow("follow")).isEqualTo(2);
        assertThat(err.toString()).contains("give the training command after --");
    }

    @Test
    void fromStartWithoutFromFileIsAUsageError(@TempDir Path dir) {
        Path marker = dir.resolve("ran");
        assertThat(follow("follow", "--from-start", "--", "touch", marker.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--from-start only works with --from-file");
        assertThat(marker).doesNotExist();
    }

    @Test
    void anUnknownProgramIsAClearError(@TempDir Path dir) throws Exception {
        assertThat(follow("follow", "--", "no-such-trainer-xyz")).as("a shell's status for a command not found").isEqualTo(127);
        assertThat(err.toString()).contains("cannot start no-such-trainer-xyz");
        Path notExecutable = java.nio.file.Files.writeString(dir.resolve("train.sh"), "echo hi\n");
        assertThat(follow("follow", "--", notExecutable.toString())).as("found, not executable").isEqualTo(126);
        assertThat(events).isEmpty();
    }

    @Test
    void hasHelp() {
        StringWriter help = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setOut(new PrintWriter(help, true));
        assertThat(cli.execute("follow", "--help")).isZero();
        assertThat(help.toString()).contains("Usage: ampwatch follow").contains("--from-file").contains("docs/trainer.md");
    }
}
