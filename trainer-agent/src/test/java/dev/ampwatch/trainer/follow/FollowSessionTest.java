package dev.ampwatch.trainer.follow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** {@link FollowSession} over a POSIX shell script standing in for a trainer; events go to a list. */
class FollowSessionTest {
    static final String START = "{\"ampwatch\":\"run_started\",\"config\":{\"precision\":\"fp32\",\"batch_size\":64,"
            + "\"epochs\":1,\"learning_rate\":0.01,\"optimizer\":\"sgd\",\"dataset\":\"x\",\"train_samples\":1000,\"parameter_count\":10}}";

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final List<TrainingEvent> events = Collections.synchronizedList(new ArrayList<>());

    int run(String script) throws Exception {
        TrainerLines lines = new TrainerLines(new FollowDefaults("exp", Optional.of("r"), "rig-1", List.of(), "external", "unknown"),
                InstantSource.system(), () -> "generated");
        FollowSession session = new FollowSession(lines, null, events::add, new PrintWriter(out, true), new PrintWriter(err, true), null);
        return session.run(List.of("sh", "-c", script), "exp", "r", timeout -> {
            if (timeout == null) {
                new CountDownLatch(1).await(); // never stopped
            }
            return false;
        });
    }

    /**
     * Runs {@code script} and stops follow (as Ctrl-C does) once the run has started; with {@code terminalCtrlC} the
     * trainer gets SIGINT too, as a terminal's Ctrl-C sends it to the whole foreground process group.
     */
    int runStopped(String script, boolean terminalCtrlC) throws Exception {
        TrainerLines lines = new TrainerLines(new FollowDefaults("exp", Optional.of("r"), "rig-1", List.of(), "external", "unknown"),
                InstantSource.system(), () -> "generated");
        CountDownLatch started = new CountDownLatch(1);
        FollowSession session = new FollowSession(lines, null, e -> {
            events.add(e);
            if (e.getKind() == EventKind.RUN_STARTED) {
                started.countDown();
            }
        }, new PrintWriter(out, true), new PrintWriter(err, true), null).stopGrace(java.time.Duration.ofSeconds(3));
        return session.run(List.of("sh", "-c", script), "exp", "r", timeout -> {
            if (timeout != null) {
                return false;
            }
            started.await();
            if (terminalCtrlC) {
                for (ProcessHandle trainer : ProcessHandle.current().children().toList()) {
                    try {
                        new ProcessBuilder("kill", "-INT", String.valueOf(trainer.pid())).inheritIO().start().waitFor();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
            return true;
        });
    }

    /**
     * A trainer that ignores SIGINT and SIGTERM is killed after the grace periods, and its run still fails as
     * interrupted before follow returns 130. Before, SIGTERM went through Process.destroy(), which also closed the
     * trainer's stdout under the reader: follow failed with "Stream closed" and the run stayed open (a review).
     */
    @Test
    void aTrainerIgnoringSignalsIsKilledAndItsRunFailsAsInterrupted() throws Exception {
        String script = "trap '' INT TERM; printf '%s\\n' '" + START + "'; while true; do echo working; sleep 0.1; done";
        assertThat(runStopped(script, false)).as(err.toString()).isEqualTo(130);
        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED, EventKind.RUN_FAILED);
        assertThat(events.get(1).getFailureReason()).isEqualTo("interrupted");
        assertThat(err.toString()).contains("did not end within 3 s of SIGTERM: SIGKILL").contains("run r failed: interrupted")
                .doesNotContain("Stream closed");
    }

    /**
     * Ctrl-C in a terminal reaches the trainer too: it has the grace period to end by itself (a checkpoint saved in its
     * KeyboardInterrupt handler) before follow sends SIGTERM. Before, SIGTERM came 0.1 s after the SIGINT and cut the
     * save short (a review).
     */
    @Test
    void aTrainerSavingACheckpointOnCtrlCIsNotCutShort() throws Exception {
        String script = "trap 'echo saving; sleep 1; echo checkpoint saved; exit 1' INT; trap 'echo got SIGTERM; exit 143' TERM; "
                + "printf '%s\\n' '" + START + "'; while true; do sleep 0.1; done";
        assertThat(runStopped(script, true)).as(err.toString()).isEqualTo(130);
        assertThat(out.toString()).contains("saving\ncheckpoint saved\n").doesNotContain("SIGTERM");
        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED, EventKind.RUN_FAILED);
        assertThat(events.get(1).getFailureReason()).isEqualTo("interrupted");
    }

    /** Exit 0 without run_completed: the run is failed and follow's status says the measurement did not complete. */
    @Test
    void aTrainerExiting0WithARunOpenFailsItAndExits1() throws Exception {
        assertThat(run("printf '%s\\n' '" + START + "'")).isEqualTo(1);
        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED, EventKind.RUN_FAILED);
        assertThat(events.get(1).getFailureReason()).isEqualTo("trainer exited (code 0) without run_completed");
        assertThat(err.toString()).contains("exit status 1");
    }

    /** A progress bar redraws itself with \r: passed through as it is, not made into lines. */
    /** An exit above 128 names its signal: 137 is SIGKILL (a review read the bare number). */
    @Test
    void anExitCodeAbove128NamesItsSignal() {
        org.assertj.core.api.Assertions.assertThat(FollowSession.exit(1)).isEqualTo("1");
        org.assertj.core.api.Assertions.assertThat(FollowSession.exit(137))
                .isEqualTo("137 (128 + 9: killed by SIGKILL, e.g. the out-of-memory killer or kill -9)");
        org.assertj.core.api.Assertions.assertThat(FollowSession.exit(143)).isEqualTo("143 (128 + 15: killed by SIGTERM)");
    }

    @Test
    void carriageReturnsArePassedThroughUnchanged() throws Exception {
        String script = "printf '%s\\n' '" + START + "'; printf 'epoch 1\\n1/3 [=..]\\r2/3 [==.]\\r3/3 [===]\\r\\n'; "
                + "printf 'windows line\\r\\n'; printf '{\"ampwatch\":\"run_completed\"}\\r\\n'; printf 'no newline at the end'";
        assertThat(run(script)).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("epoch 1\n1/3 [=..]\r2/3 [==.]\r3/3 [===]\r\nwindows line\r\nno newline at the end\n");
        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED, EventKind.RUN_COMPLETED);
    }

    /** Keras: the epoch's JSON line printed right after a bar that ends without a newline. */
    @Test
    void anEpochAfterAProgressBarIsPublishedAndTheBarPassedThrough() throws Exception {
        String script = "printf '%s\\n' '" + START + "'; printf '%s\\n' '{\"ampwatch\":\"epoch_started\",\"epoch\":1}'; "
                + "printf '\\r1/2 [=.] - loss: 0.6\\r2/2 [==] - loss: 0.5'; "
                + "printf '%s\\n' '{\"ampwatch\":\"epoch_completed\",\"epoch\":1,\"metrics\":{\"loss\":0.5,\"samples\":1000}}'; "
                + "printf '\\r1/2 [=.]\\r'; printf '%s\\n' '{\"ampwatch\":\"run_completed\"}'";
        assertThat(run(script)).as(err.toString()).isZero();
        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED, EventKind.EPOCH_STARTED,
                EventKind.EPOCH_COMPLETED, EventKind.RUN_COMPLETED);
        assertThat(out.toString()).isEqualTo("\r1/2 [=.] - loss: 0.6\r2/2 [==] - loss: 0.5\n\r1/2 [=.]\r\n");
        assertThat(err.toString()).doesNotContain("not published");
    }

    /** A review: a trainer whose every line was refused (its own run id) was told it printed none, and pointed to --whole-run. */
    @Test
    void aTrainerWhoseEveryLineWasRefusedIsToldSo() throws Exception {
        assertThat(run("echo '{\"ampwatch\":\"epoch_started\",\"epoch\":1}'; echo '{\"ampwatch\":\"run_completed\"}'")).isZero();
        assertThat(events).isEmpty();
        assertThat(err.toString()).contains("every ampwatch line the trainer printed was refused (2, the reasons above); nothing "
                + "published").doesNotContain("printed no ampwatch lines").doesNotContain("--whole-run");
    }

    @Test
    void aTrainerWithoutAmpwatchLinesIsPointedToWholeRun() throws Exception {
        assertThat(run("echo hello")).isZero();
        assertThat(events).isEmpty();
        assertThat(err.toString()).contains("the trainer printed no ampwatch lines; nothing published")
                .contains("--whole-run");
    }

    @Test
    void notesAndRefusalsGoToStderr() throws Exception {
        String script = "printf '%s\\n' '" + START + "'; printf '%s\\n' '{\"ampwatch\":\"epoch_started\",\"epoch\":1}'; "
                + "printf '%s\\n' '{\"ampwatch\":\"epoch_completed\",\"epoch\":1,\"metrics\":{\"loss\":NaN,\"samples\":1000}}'; "
                + "printf '%s\\n' '{\"ampwatch\":\"epoch_completed\",\"epoch\":1,\"metrics\":{\"loss\":0.5,\"samples\":1000}}'; "
                + "printf '%s\\n' '{\"ampwatch\":\"run_completed\"}'";
        assertThat(run(script)).as(err.toString()).isZero();
        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(EventKind.RUN_STARTED, EventKind.EPOCH_STARTED,
                EventKind.EPOCH_COMPLETED, EventKind.RUN_COMPLETED);
        assertThat(err.toString()).contains("line 3: metrics.loss is NaN")
                .contains("line 4: epoch: epoch 1 has already completed; not published")
                .containsOnlyOnce("epoch 1 completed");
    }
}
