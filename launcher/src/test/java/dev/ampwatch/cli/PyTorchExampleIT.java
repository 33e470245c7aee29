package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.ConfigurationSummary;
import dev.ampwatch.schema.EpochEnergy;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The PyTorch trainer of the docs ({@code docs/examples/pytorch_fashion_mnist.py}) measured as a user measures theirs:
 * {@code ampwatch follow -- python3 ...} on a real broker, analyzer and power-agent (the estimate source), an fp32 and
 * an amp-bf16 MLP and a small CNN on the CPU. The runs come out complete, with their epochs, the trainer's accuracy and model size, and
 * their energy; the experiment's statistics keep the two precisions apart. Needs a Python with PyTorch (CI installs
 * Debian's python3-torch; {@code AMPWATCH_PYTHON} names another); skipped, saying so, without one.
 */
class PyTorchExampleIT {
    static final String HOST = "pytorch-rig";
    static final String EXPERIMENT = "pytorch-example";
    static final Path SCRIPT = Path.of("..", "docs", "examples", "pytorch_fashion_mnist.py");
    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    static final int TRAIN = 3000;

    @Test
    void followMeasuresThePyTorchExampleInBothPrecisions(@TempDir Path dir) throws Exception {
        String python = pythonWithTorch().orElse(null);
        Assumptions.assumeTrue(python != null, "no python3 with PyTorch (apt-get install python3-torch, or AMPWATCH_PYTHON)");
        Assumptions.assumeTrue(Files.isDirectory(DATA), DATA + " is missing (apt-get install dataset-fashion-mnist)");
        assertThat(SCRIPT).exists();
        try (LocalRig rig = LocalRig.start(dir, "pytorch-it", HOST, Duration.ofMillis(200))) {
            for (String precision : List.of("fp32", "amp-bf16")) {
                StringWriter out = new StringWriter();
                assertThat(follow(out, "torch-" + precision, python, SCRIPT.toString(), "--precision", precision,
                        "--epochs", "2", "--batch-size", "64", "--train-samples", String.valueOf(TRAIN),
                        "--test-samples", "1000", "--threads", "1")).as(out.toString()).isZero();
                assertThat(out.toString()).as("the trainer's own lines are passed through").contains("epoch 2/2: loss");
            }
            StringWriter cnnOut = new StringWriter();
            assertThat(follow(cnnOut, "torch-cnn", python, SCRIPT.toString(), "--conv", "c8k3s2,c16k3s2", "--hidden", "64",
                    "--epochs", "1", "--batch-size", "64", "--train-samples", "500", "--test-samples", "200", "--threads", "1"))
                    .as(cnnOut.toString()).isZero();
            try (RunEnergyWatcher runs = new RunEnergyWatcher(rig.client(), rig.topics());
                    ExperimentStatsWatcher stats = new ExperimentStatsWatcher(rig.client(), rig.topics())) {
                Map<String, RunEnergy> finals = runs.awaitFinal(Set.of("torch-fp32", "torch-amp-bf16", "torch-cnn"), Duration.ofSeconds(90));
                for (String precision : List.of("fp32", "amp-bf16")) {
                    RunEnergy run = finals.get("torch-" + precision);
                    assertThat(run).as(precision).isNotNull();
                    assertThat(run.getStatus()).isEqualTo(RunStatus.COMPLETED);
                    assertThat(run.getConfig().getPrecision()).isEqualTo(precision);
                    assertThat(run.getConfig().getBackend()).isEqualTo("pytorch");
                    // 784-256-128-10: weights and biases; 6 x the multiply-adds per sample (forward and backward)
                    assertThat(run.getConfig().getParameterCount()).isEqualTo(235_146L);
                    assertThat(run.getConfig().getFlopsPerSample()).isEqualTo(6.0 * (784 * 256 + 256 * 128 + 128 * 10));
                    assertThat(run.getConfig().getTrainSamples()).isEqualTo(TRAIN);
                    assertThat(run.getEpochs()).hasSize(2);
                    for (EpochEnergy e : run.getEpochs()) {
                        assertThat(e.getEndTime()).as("epoch %d completed", e.getEpoch()).isNotNull();
                        assertThat(e.getSamples()).isEqualTo(TRAIN);
                        assertThat(e.getTestAccuracy()).as("a model that learned something").isBetween(0.5, 1.0);
                        assertThat(e.getEnergyJoules()).as("the estimate source's power over epoch %d", e.getEpoch()).isPositive();
                    }
                    double epochs = run.getEpochs().stream().mapToDouble(EpochEnergy::getEnergyJoules).sum();
                    assertThat(epochs).as("the epochs' energy is within the run's").isLessThanOrEqualTo(run.getEnergyJoules() * (1 + 1e-12));
                    assertThat(run.getJoulesPerSample()).isCloseTo(run.getEnergyJoules() / (2.0 * TRAIN), within(1e-9 * run.getEnergyJoules()));
                }
                // the CNN: 28x28x1 -> 14x14x8 -> 7x7x16 (kernel 3, padding 1, stride 2) -> 64 -> 10, counted by hand
                RunEnergy cnn = finals.get("torch-cnn");
                assertThat(cnn).isNotNull();
                assertThat(cnn.getStatus()).isEqualTo(RunStatus.COMPLETED);
                assertThat(cnn.getConfig().getConvLayers()).extracting(l -> List.of(l.getChannels(), l.getKernel(), l.getStride()))
                        .containsExactly(List.of(8, 3, 2), List.of(16, 3, 2));
                assertThat(cnn.getConfig().getParameterCount()).isEqualTo((9 * 1 * 8 + 8) + (9 * 8 * 16 + 16) + (784 * 64 + 64) + (64 * 10 + 10));
                assertThat(cnn.getConfig().getFlopsPerSample())
                        .isEqualTo(6.0 * (14 * 14 * 8 * 9 * 1 + 7 * 7 * 16 * 9 * 8 + 784 * 64 + 64 * 10));
                ExperimentStats experiment = stats.await(EXPERIMENT, 3, Duration.ofSeconds(60));
                assertThat(experiment).isNotNull();
                assertThat(experiment.getConfigurations()).as("a CNN is never pooled with an MLP")
                        .extracting(ConfigurationSummary::getPrecision, ConfigurationSummary::getRuns)
                        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("fp32", 1),
                                org.assertj.core.groups.Tuple.tuple("amp-bf16", 1), org.assertj.core.groups.Tuple.tuple("fp32", 1));
            }
        }
    }

    /**
     * The seed study's design on the PyTorch trainer: {@code ampwatch sweep GRID -- python3 ...} with an fp32 benchmark and
     * amp-bf16, two repeats each in a shuffled order; the sweep waits for the analyzer and prints the runs' energy and the
     * statistics' verdict; the experiment's statistics hold both configurations, two runs each, and their comparison.
     */
    @Test
    void sweepRunsThePyTorchExampleAsAnExperiment(@TempDir Path dir) throws Exception {
        String python = pythonWithTorch().orElse(null);
        Assumptions.assumeTrue(python != null, "no python3 with PyTorch (apt-get install python3-torch, or AMPWATCH_PYTHON)");
        Assumptions.assumeTrue(Files.isDirectory(DATA), DATA + " is missing (apt-get install dataset-fashion-mnist)");
        Path grid = Files.writeString(dir.resolve("grid.json"), """
                {"precisions": ["fp32", "amp-bf16"], "repeats": 2, "seed": 11, "cooldown": "0s", "experiment_id": "torch-sweep",
                 "benchmark": {"batch_size": 64, "epochs": 2}, "train_limit": %d}
                """.formatted(TRAIN));
        try (LocalRig rig = LocalRig.start(dir, "pytorch-sweep-it", HOST, Duration.ofMillis(200))) {
            StringWriter out = new StringWriter();
            CommandLine cli = Ampwatch.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(out, true));
            int code = cli.execute("sweep", grid.toString(), "--bootstrap-servers", SharedBroker.bootstrapServers(),
                    "--topic-prefix", "pytorch-sweep-it.", "--host", HOST, "--application-id", "pytorch-sweep-it", "--results-wait", "90s",
                    "--", python, SCRIPT.toString(), "--precision", "{precision}", "--batch-size", "{batch_size}", "--epochs", "{epochs}",
                    "--seed", "{seed}", "--train-samples", "{train_limit}", "--test-samples", "1000", "--threads", "1");
            String text = out.toString();
            assertThat(code).as(text).isZero();
            assertThat(text).contains("warming up").contains("[4/4]");
            assertThat(text.lines().filter(l -> l.endsWith("  completed"))).as(text).hasSize(4);
            assertThat(text).as("the analyzer's results, as the demo prints them").contains("energy [J]").contains("amp-bf16");
            try (ExperimentStatsWatcher stats = new ExperimentStatsWatcher(rig.client(), rig.topics())) {
                ExperimentStats experiment = stats.await("torch-sweep", 4, Duration.ofSeconds(60));
                assertThat(experiment).isNotNull();
                assertThat(experiment.getConfigurations()).extracting(ConfigurationSummary::getPrecision, ConfigurationSummary::getRuns,
                        ConfigurationSummary::getBenchmark).containsExactlyInAnyOrder(
                                org.assertj.core.groups.Tuple.tuple("fp32", 2, true),
                                org.assertj.core.groups.Tuple.tuple("amp-bf16", 2, false));
                assertThat(experiment.getComparisons()).as("amp-bf16 against the fp32 benchmark").isNotEmpty();
            }
        }
    }

    /** {@code AMPWATCH_PYTHON}, else the first of python3 on the PATH and /usr/bin/python3 that imports torch. */
    static Optional<String> pythonWithTorch() throws InterruptedException {
        List<String> candidates = new ArrayList<>();
        Optional.ofNullable(System.getenv("AMPWATCH_PYTHON")).ifPresent(candidates::add);
        candidates.addAll(List.of("python3", "/usr/bin/python3"));
        for (String python : candidates) {
            try {
                Process p = new ProcessBuilder(python, "-c", "import torch, numpy").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return Optional.of(python);
                }
                p.destroyForcibly();
            } catch (IOException notThere) {
                // the next one
            }
        }
        return Optional.empty();
    }

    private static int follow(StringWriter out, String runId, String... command) {
        CommandLine cli = Ampwatch.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        String[] head = {"follow", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", "pytorch-it.",
            "--host", HOST, "--run-id", runId, "--experiment-id", EXPERIMENT, "--"};
        return cli.execute(Stream.concat(Stream.of(head), Stream.of(command)).toArray(String[]::new));
    }
}
