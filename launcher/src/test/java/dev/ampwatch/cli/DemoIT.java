package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's demo, shortened: its own broker process, FP32 and mixed precision, final energy per run. */
class DemoIT {

    @Test
    void demoTrainsBothPrecisionsAndPrintsTheirEnergy(@TempDir Path dir) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Ampwatch.commandLine().execute("demo", "--data-dir", dir.toString(), "--duration", "0s",
                    "--metrics-port", "0", "--agent-metrics-port", "0", "--precisions", "fp32,amp-bf16", "--epochs", "1", "--train-limit", "3000",
                    "--test-limit", "1000", "--idle", "2s", "--min-idle", "1s");
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertThat(rc).isZero();
        assertThat(out).containsPattern("(?m)^fp32 +\\S+ +[0-9.]+ +[0-9.]+")
                .containsPattern("(?m)^amp-bf16 +\\S+ +[0-9.]+ +[0-9.]+")
                .contains("amp-bf16   vs fp32: energy x");
    }
}
