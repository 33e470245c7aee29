package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Short profiling on a real broker, analyzer and power-agent (the estimate source): {@code profile} trains
 * the built-in model for 2 of 6 planned epochs and {@code follow --profile-epochs 2} stops a shell trainer
 * after its second epoch; each prints the analyzer's forecast of the whole run, and the run's final record is
 * FAILED with the profiling reason and carries the forecast.
 */
class ProfileIT {
    static final String HOST = "profile-rig";

    @Test
    void profileAndFollowStopAfterTwoEpochsAndPrintTheForecastOfTheWholeRun(@TempDir Path dir) throws Exception {
        try (LocalRig rig = LocalRig.start(dir, "profile-it", HOST, Duration.ofMillis(200))) {
            // profile and follow check first that the analyzer runs and this host's readings arrive: the agent's first is awaited
            await().atMost(Duration.ofSeconds(60)).until(() -> PipelineCheck.run(rig.client(), rig.topics(), "profile-it", HOST,
                    java.time.InstantSource.system()).ok());
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            PrintStream stdout = System.out;
            int code;
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            try {
                code = Ampwatch.commandLine().execute("profile", "--bootstrap-servers", SharedBroker.bootstrapServers(),
                        "--topic-prefix", "profile-it.", "--application-id", "profile-it", "--host", HOST, "--run-id", "profiled-train", "--experiment-id", "profile-it",
                        "--epochs", "6", "--profile-epochs", "2", "--train-limit", "3000", "--test-limit", "500", "--device", "cpu");
            } finally {
                System.setOut(stdout);
            }
            String out = printed.toString(StandardCharsets.UTF_8);
            assertThat(code).as(out).isZero();
            assertThat(out).contains("forecast of run profiled-train from its first 2 epochs", "for all 6 planned", "energy ",
                    "time ", "CO2e ");
            java.util.regex.Matcher energy = java.util.regex.Pattern.compile("energy +[0-9.]+ J +\\(([0-9.]+) to [0-9.]+ J\\); "
                    + "([0-9.]+) J spent by the end of epoch 2, ([0-9.]+) J when the profiled run stopped").matcher(out);
            assertThat(energy.find()).as(out).isTrue();
            assertThat(Double.parseDouble(energy.group(1))).as("the low bound is never below what the epochs spent")
                    .isGreaterThanOrEqualTo(Double.parseDouble(energy.group(2)));
            assertThat(Double.parseDouble(energy.group(3))).isGreaterThanOrEqualTo(Double.parseDouble(energy.group(2)));

            StringWriter followOut = new StringWriter();
            CommandLine follow = Ampwatch.commandLine();
            follow.setOut(new PrintWriter(followOut, true));
            follow.setErr(new PrintWriter(followOut, true));
            String trainer = trainer(6);
            assertThat(follow.execute("follow", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", "profile-it.",
                    "--application-id", "profile-it", "--host", HOST, "--run-id", "profiled-follow", "--experiment-id", "profile-it",
                    "--profile-epochs", "2", "--", "sh", "-c", trainer)).as(followOut.toString()).isZero();
            assertThat(followOut.toString()).contains("profiled for 2 epochs: stopping the trainer",
                    "forecast of run profiled-follow from its first 2 epochs").doesNotContain("epoch 3 completed");

            // a trainer that reports steps: every 5 steps one epoch (window), 30 steps planned
            StringWriter stepsOut = new StringWriter();
            CommandLine steps = Ampwatch.commandLine();
            steps.setOut(new PrintWriter(stepsOut, true));
            steps.setErr(new PrintWriter(stepsOut, true));
            assertThat(steps.execute("follow", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", "profile-it.",
                    "--application-id", "profile-it", "--host", HOST, "--run-id", "profiled-steps", "--experiment-id", "profile-it", "--steps-per-epoch", "5",
                    "--profile-epochs", "2", "--", "sh", "-c", stepTrainer(30))).as(stepsOut.toString()).isZero();
            assertThat(stepsOut.toString()).contains("forecast of run profiled-steps from its first 2 epochs", "for all 6 planned");

            try (RunEnergyWatcher watcher = new RunEnergyWatcher(rig.client(), rig.topics())) {
                Map<String, RunEnergy> finals = watcher.awaitFinal(Set.of("profiled-train", "profiled-follow", "profiled-steps"),
                        Duration.ofSeconds(60));
                for (String run : List.of("profiled-train", "profiled-follow", "profiled-steps")) {
                    RunEnergy r = finals.get(run);
                    assertThat(r).as(run).isNotNull();
                    assertThat(r.getStatus()).isEqualTo(RunStatus.FAILED);
                    assertThat(r.getFailureReason()).startsWith("profiled: stopped after 2 epochs");
                    assertThat(r.getEpochs()).hasSize(2);
                    assertThat(r.getForecast()).as(run).isNotNull();
                    assertThat(r.getForecast().getAfterEpoch()).isEqualTo(2);
                    assertThat(r.getForecast().getPlannedEpochs()).isEqualTo(6);
                    assertThat(r.getForecast().getEnergyJoules()).isGreaterThan(r.getEnergyJoules());
                    assertThat(r.getForecastChecks()).as("a stopped run is not scored").isEmpty();
                }
            }
        }
    }

    /** A trainer that reports steps, not epochs: a step line every 0.2 s. */
    private static String stepTrainer(int totalSteps) {
        String start = FollowCommandTest.START.replace("{\"ampwatch\":\"run_started\",",
                "{\"ampwatch\":\"run_started\",\"total_steps\":" + totalSteps + ",");
        return "echo '" + start + "'; for s in $(seq 1 " + totalSteps + "); do sleep 0.2; "
                + "echo \"{\\\"ampwatch\\\":\\\"step\\\",\\\"step\\\":$s,\\\"loss\\\":0.5}\"; done; "
                + "echo '" + FollowCommandTest.COMPLETED + "'";
    }

    /** A trainer printing ampwatch lines for {@code epochs} epochs of about a second each. */
    private static String trainer(int epochs) {
        String start = FollowCommandTest.START.replace("\"epochs\":1", "\"epochs\":" + epochs);
        StringBuilder s = new StringBuilder("echo '" + start + "'; ");
        s.append("for e in $(seq 1 ").append(epochs).append("); do ")
                .append("echo \"{\\\"ampwatch\\\":\\\"epoch_started\\\",\\\"epoch\\\":$e}\"; ")
                .append("sleep 1; ")
                .append("echo \"{\\\"ampwatch\\\":\\\"epoch_completed\\\",\\\"epoch\\\":$e,\\\"metrics\\\":{\\\"loss\\\":0.5,\\\"samples\\\":600,\\\"duration_ms\\\":1000}}\"; ")
                .append("done; echo '").append(FollowCommandTest.COMPLETED).append("'");
        return s.toString();
    }
}
