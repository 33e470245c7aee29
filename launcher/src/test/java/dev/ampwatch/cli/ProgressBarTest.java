package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.trainer.TrainingProgress.Step;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void rendersEpochBarLossAndThroughput() {
        assertThat(ProgressBar.render(new Step("r", "amp-bf16", 2, 5, 30_000, 60_000, 0.51234, 8123.4)))
                .isEqualTo("amp-bf16  epoch 2/5 [###############...............]  50%  loss 0.5123  8,123 samples/s");
    }

    @Test
    void endsTheLineWhenTheEpochIsDone() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = ProgressBar.to(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        bar.onStep(new Step("r", "fp32", 1, 1, 100, 100, 0.3, 1000));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).startsWith("\rfp32").endsWith("\n").contains("100%");
    }
}
