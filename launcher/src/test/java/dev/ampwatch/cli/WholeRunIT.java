package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code follow --whole-run} on a real broker, analyzer and power-agent (the estimate source): a command that prints
 * no ampwatch lines (a shell script busy for about two seconds) becomes one run, and the analyzer's final record
 * gives it the energy of its whole duration; one that fails becomes a FAILED run with the exit code.
 */
class WholeRunIT {
    static final String HOST = "whole-run-rig";

    @Test
    void anUninstrumentedCommandGetsTheEnergyOfItsWholeDuration(@TempDir Path dir) throws Exception {
        try (LocalRig rig = LocalRig.start(dir, "whole-run-it", HOST, Duration.ofMillis(200))) {
            // busy for about 2 s, printing like an uninstrumented training script
            String busy = "echo 'epoch 1/3'; end=$(($(date +%s) + 2)); while [ $(date +%s) -lt $end ]; do :; done; echo done";
            assertThat(follow("whole-ok", "--", "sh", "-c", busy)).isZero();
            assertThat(follow("whole-failed", "--", "sh", "-c", "echo 'CUDA out of memory'; exit 3")).isEqualTo(3);

            try (RunEnergyWatcher watcher = new RunEnergyWatcher(rig.client(), rig.topics())) {
                Map<String, RunEnergy> finals = watcher.awaitFinal(Set.of("whole-ok", "whole-failed"), Duration.ofSeconds(60));
                RunEnergy ok = finals.get("whole-ok");
                assertThat(ok).isNotNull();
                assertThat(ok.getStatus()).isEqualTo(RunStatus.COMPLETED);
                assertThat(ok.getEpochs()).isEmpty();
                assertThat(ok.getDurationSeconds()).isGreaterThanOrEqualTo(1.0);
                assertThat(ok.getEnergyJoules()).as("the estimate source's power over the run").isGreaterThan(0.0);
                assertThat(ok.getJoulesPerSample()).as("no epochs were reported, so no samples").isNull();
                assertThat(ok.getConfig().getPrecision()).isEqualTo("amp-bf16");
                assertThat(ok.getConfig().getWholeCommand()).as("start-up included: never pooled with trainer-reported runs").isTrue();
                RunEnergy failed = finals.get("whole-failed");
                assertThat(failed).isNotNull();
                assertThat(failed.getStatus()).isEqualTo(RunStatus.FAILED);
                assertThat(failed.getFailureReason()).isEqualTo("trainer exited with code 3");
            }
        }
    }

    private static int follow(String runId, String... command) {
        StringWriter out = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        String[] args = new String[12 + command.length];
        String[] head = {"follow", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", "whole-run-it.",
            "--host", HOST, "--run-id", runId, "--experiment-id", "whole-run-it", "--whole-run=" + FollowCommandTest.WHOLE_RUN_CONFIG};
        System.arraycopy(head, 0, args, 0, head.length);
        System.arraycopy(command, 0, args, head.length, command.length);
        return cli.execute(args);
    }
}
