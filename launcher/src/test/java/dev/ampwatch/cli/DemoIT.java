package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's demo, shortened: its own broker process, FP32 and mixed precision twice each in a seeded
 * shuffled order, final energy per run, the statistics' verdict in words, the HTML report.
 */
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
                    "--test-limit", "1000", "--idle", "2s", "--min-idle", "1s", "--repeats", "2", "--cooldown", "1s",
                    "--order-seed", "1", "--inference-precisions", "fp32,int8", "--inference-passes", "2");
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertThat(rc).isZero();
        assertThat(out).containsPattern("(?m)^fp32 +\\S+ +[0-9.]+ +[0-9.]+")
                .containsPattern("(?m)^amp-bf16 +\\S+ +[0-9.]+ +[0-9.]+")
                .containsPattern("\\(--order-seed 1\\): (fp32|amp-bf16), (fp32|amp-bf16), (fp32|amp-bf16), (fp32|amp-bf16)\n")
                .containsPattern("(?m)^  amp-bf16 vs fp32: draws [0-9.]+ W (less|more) \\(.*95 % CI .*\\), (not )?significant after Holm "
                        + "\\(p [=<] [0-9.]+\\); energy: ")
                .containsPattern("(?m)^  int8 phase=inference vs fp32 phase=inference: draws [0-9.]+ W (less|more)")
                .contains("report: " + dir.resolve("report.html").toAbsolutePath())
                // repeat r trains with --seed + r - 1 (42, 43): repeats of one seed were identical trainings (a review)
                .containsPattern("training fp32: run \\S+, 1 epochs, seed 42 ").containsPattern("training fp32: run \\S+, 1 epochs, seed 43 ")
                .containsPattern("training amp-bf16: run \\S+, 1 epochs, seed 43 ");
        // one device for every run, said once, first (no GPU here: all on the CPU, saying why)
        assertThat(out.lines().filter(l -> l.startsWith("device: ") || l.contains("chosen with --device"))).singleElement()
                .asString().startsWith("device: ");
        // the fp32 models' inference: two runs per precision, 2 passes of the 1,000 test images each
        assertThat(out).containsPattern("(?m)^int8 +\\S+ +2 +2000 +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+%")
                .containsPattern("(?m)^fp32 +\\S+ +2 +2000 +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+%")
                .containsPattern("(?m)^fp32 +\\(2\\) +[0-9.]+ +[0-9]+ +[0-9.]+ +[0-9.]+$")  // the means per precision
                .containsPattern("(?m)^int8 +\\(2\\) +[0-9.]+ +[0-9]+ +[0-9.]+ +[0-9.]+$");
        assertThat(dir.resolve("report.html")).content().contains("<section id=\"inference\">");
        assertThat(dir.resolve("report.html")).content().contains("<figure class=\"plot\" data-plot=\"power-over-time\"");
    }
}
