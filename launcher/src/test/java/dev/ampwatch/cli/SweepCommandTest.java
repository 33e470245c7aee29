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

class SweepCommandTest {
    @TempDir
    Path dir;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final List<TrainingEvent> events = Collections.synchronizedList(new ArrayList<>());

    int sweep(String... args) {
        CommandLine cli = Ampwatch.commandLine();
        ((SweepCommand) cli.getSubcommands().get("sweep").getCommand()).listener = events::add;
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** Found by a user review: a bad table was found only by the first run, after the plan and the warm-up. */
    @Test
    void aGridsTableIsCheckedBeforeAnyRunAndNamedByTheGridsKeys() throws Exception {
        Path table = Files.writeString(dir.resolve("houses.csv"), "area,price\n1,2\n2,4\n3,6\n4,8\n5,10\n");
        Path grid = Files.writeString(dir.resolve("grid.json"), """
                {"task": "regression", "dataset": "%s", "target": "cost", "seed": 1}
                """.formatted(table.toString().replace("\\", "/")));
        assertThat(sweep("sweep", grid.toString(), "--dry-run")).isEqualTo(1);
        assertThat(err.toString()).contains("grid " + grid + " (\"dataset\", \"target\", \"task\")")
                .contains("has no column 'cost' to learn");
        assertThat(out.toString()).contains("data: " + table + ", target cost, task regression");
        Path good = Files.writeString(dir.resolve("good.json"), """
                {"task": "regression", "dataset": "%s", "target": "price", "seed": 1}
                """.formatted(table.toString().replace("\\", "/")));
        assertThat(sweep("sweep", good.toString(), "--dry-run")).as(err.toString()).isZero();
    }

    /** A review: a grid naming a missing directory failed every run alike, a cool-down after each; --dry-run said nothing. */
    @Test
    void aGridsDatasetDirectoryIsCheckedBeforeAnyRun() throws Exception {
        Path grid = Files.writeString(dir.resolve("nope.json"), """
                {"precisions": ["fp32"], "repeats": 3, "dataset": "%s"}
                """.formatted(dir.resolve("nope").toString().replace("\\", "/")));
        assertThat(sweep("sweep", grid.toString(), "--dry-run")).isEqualTo(1);
        assertThat(err.toString()).contains("grid " + grid + " (\"dataset\"): " + dir.resolve("nope") + ": no such file or directory");
        Files.createDirectories(dir.resolve("nope"));
        Files.write(dir.resolve("nope/train-images-idx3-ubyte.gz"), new byte[0]);
        assertThat(sweep("sweep", grid.toString(), "--no-warm-up")).isEqualTo(1);
        assertThat(err.toString()).contains("no train-labels-idx1-ubyte file in " + dir.resolve("nope"));
        assertThat(events).as("nothing trained, nothing published").isEmpty();
    }

    @Test
    void aDryRunPrintsTheShuffledPlanAndItsSeed() throws Exception {
        Path grid = Files.writeString(dir.resolve("grid.json"), """
                {"mode": "one-at-a-time", "precisions": ["fp32", "amp-fp16", "amp-bf16"], "batch_sizes": [64, 128],
                 "repeats": 2, "seed": 5, "experiment_id": "exp-dry"}
                """);
        assertThat(sweep("sweep", grid.toString(), "--dry-run", "--cooldown", "10s")).as(err.toString()).isZero();
        String text = out.toString();
        assertThat(text).startsWith("sweep exp-dry: one-at-a-time, 8 runs (4 configurations x 2 repeats), order seed 5, cool-down 10s");
        assertThat(text).contains("benchmark: fp32, batch 128, hidden 256,128, 5 epochs").contains("--seed 5");
        assertThat(text.lines().filter(l -> l.matches("\\s+\\d+\\s+.*"))).hasSize(8);
        assertThat(events).isEmpty();

        StringWriter again = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setOut(new PrintWriter(again, true));
        cli.execute("sweep", grid.toString(), "--dry-run", "--cooldown", "10s");
        assertThat(again.toString()).as("same seed, same order").isEqualTo(text);
    }

    @Test
    void runsEveryPlannedRunUnderOneExperimentInThePlannedOrder() throws Exception {
        Path grid = Files.writeString(dir.resolve("tiny.json"), """
                {"precisions": ["fp32", "amp-bf16"], "benchmark": {"batch_size": 50, "hidden": [8], "epochs": 1},
                 "train_limit": 200, "test_limit": 100, "cooldown": "50ms", "seed": 3}
                """);
        int code = sweep("sweep", grid.toString(), "--no-warm-up", "--threads", "1", "--experiment-id", "exp-tiny", "--host", "h");

        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(events).extracting(TrainingEvent::getKind).containsExactly(
                EventKind.RUN_STARTED, EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED, EventKind.RUN_COMPLETED,
                EventKind.RUN_STARTED, EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED, EventKind.RUN_COMPLETED);
        assertThat(events).extracting(TrainingEvent::getExperimentId).containsOnly("exp-tiny");
        assertThat(events).extracting(TrainingEvent::getHost).containsOnly("h");
        List<TrainingEvent> starts = events.stream().filter(e -> e.getKind() == EventKind.RUN_STARTED).toList();
        assertThat(starts).extracting(e -> e.getConfig().getPrecision()).containsExactlyInAnyOrder("fp32", "amp-bf16");
        assertThat(starts).allSatisfy(e -> {
            assertThat(e.getConfig().getBatchSize()).isEqualTo(50);
            assertThat(e.getConfig().getHiddenUnits()).containsExactly(8);
            assertThat(e.getConfig().getTrainSamples()).isEqualTo(200);
        });
        assertThat(starts.get(0).getRunId()).isNotEqualTo(starts.get(1).getRunId());
        // fp32 at the grid's benchmark settings is the benchmark configuration: its runs say so
        assertThat(starts).extracting(e -> e.getConfig().getPrecision() + ":" + e.getConfig().getBenchmark())
                .containsExactlyInAnyOrder("fp32:true", "amp-bf16:false");
        // the printed plan's order is the order the runs ran in
        List<String> planned = out.toString().lines().filter(l -> l.matches("\\s+[12]\\s+(fp32|amp-bf16)\\s+.*"))
                .map(l -> l.trim().split("\\s+")[1]).toList();
        assertThat(planned).containsExactly(starts.get(0).getConfig().getPrecision(), starts.get(1).getConfig().getPrecision());
        assertThat(out.toString()).contains("cool-down 50ms").contains("sweep exp-tiny: 2 of 2 runs").contains("completed");
        // one device for the whole sweep, said once (no GPU here: auto puts every run on the CPU, saying why)
        assertThat(out.toString().lines().filter(l -> l.startsWith("device: "))).singleElement().asString()
                .containsAnyOf("every run of the experiment is on the CPU", "every run of the experiment on it");
    }

    /**
     * With inference in the grid, each completed training run's model runs inference in every listed precision
     * (an order shuffled per run), under the same experiment and host; fp32 inference of the benchmark's model is
     * the inference benchmark; --keep-models keeps the models.
     */
    @Test
    void aSweepMixesTrainingAndInferenceRunsInOneExperiment() throws Exception {
        Path grid = mixedGrid("mixed.json", 2, 40);
        Path models = dir.resolve("models");
        int code = sweep("sweep", grid.toString(), "--threads", "1", "--experiment-id", "exp-mixed", "--host", "h",
                "--keep-models", models.toString()); // with the warm-ups

        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("after each completed training run, inference of its model in fp32, int8 (2 passes over "
                + "the test split, batch 40)").contains("4 inference runs").contains("inference runs: 4");
        assertThat(out.toString()).contains("warming up the JIT for each inference precision");
        // the warm-ups are runs of their own experiment (the analyzer must not take their power for idle): one training,
        // then one pass per inference precision, each started and completed, on the sweep's host
        List<TrainingEvent> warmUps = events.stream().filter(e -> e.getExperimentId().equals("exp-mixed.warm-up")).toList();
        assertThat(warmUps).filteredOn(e -> e.getKind() == EventKind.RUN_STARTED).extracting(e -> e.getConfig().getPrecision())
                .containsExactly("fp32", "fp32", "int8");
        assertThat(warmUps).filteredOn(e -> e.getKind() == EventKind.RUN_COMPLETED).hasSize(3);
        assertThat(warmUps).allMatch(e -> e.getRunId().startsWith("warm-up-") && e.getHost().equals("h"));
        assertThat(warmUps).noneMatch(e -> e.getKind() == EventKind.RUN_STARTED && e.getConfig().getBenchmark());
        events.removeAll(warmUps);
        List<TrainingEvent> starts = events.stream().filter(e -> e.getKind() == EventKind.RUN_STARTED).toList();
        assertThat(starts).hasSize(6);
        assertThat(events).extracting(TrainingEvent::getExperimentId).containsOnly("exp-mixed");
        assertThat(events).extracting(TrainingEvent::getHost).containsOnly("h");
        List<TrainingEvent> inference = starts.stream()
                .filter(e -> e.getConfig().getPhase() == dev.ampwatch.schema.RunPhase.INFERENCE).toList();
        assertThat(inference).extracting(e -> e.getConfig().getPrecision()).containsExactlyInAnyOrder("fp32", "int8", "fp32", "int8");
        assertThat(inference).allSatisfy(e -> {
            assertThat(e.getConfig().getBatchSize()).isEqualTo(40);
            assertThat(e.getConfig().getEpochs()).as("passes").isEqualTo(2);
            assertThat(e.getConfig().getTrainSamples()).as("test split").isEqualTo(100);
            assertThat(e.getConfig().getHiddenUnits()).containsExactly(8);
        });
        // a training run, then its two inference runs: the order of events says whose model each ran
        for (int i = 0; i < 6; i += 3) {
            assertThat(starts.get(i).getConfig().getPhase()).isNull();
            boolean benchmarkModel = starts.get(i).getConfig().getBenchmark();
            assertThat(starts.subList(i + 1, i + 3)).allSatisfy(e -> assertThat(e.getConfig().getBenchmark())
                    .isEqualTo(benchmarkModel && e.getConfig().getPrecision().equals("fp32")));
        }
        long passes = events.stream().filter(e -> e.getKind() == EventKind.EPOCH_COMPLETED && e.getMetrics().getLatencyP50Ms() != null)
                .count();
        assertThat(passes).isEqualTo(8);
        try (var files = Files.list(models)) {
            assertThat(files.map(f -> f.getFileName().toString())).hasSize(2).allMatch(n -> n.endsWith(".ampwmodel"));
        }
    }

    /** A tiny grid of fp32 and amp-bf16 training runs, each model then inferred in fp32 and int8. */
    private Path mixedGrid(String name, int repeats, int batchSize) throws java.io.IOException {
        return Files.writeString(dir.resolve(name), """
                {"precisions": ["fp32", "amp-bf16"], "benchmark": {"batch_size": 50, "hidden": [8], "epochs": 1},
                 "train_limit": 200, "test_limit": 100, "cooldown": "0s", "seed": 3,
                 "inference": {"precisions": ["fp32", "int8"], "repeats": %d, "batch_size": %d}}
                """.formatted(repeats, batchSize));
    }

    /** Kafka failing under an inference run stops the sweep, as it does under a training run; nothing more runs. */
    @Test
    void aKafkaFailureDuringInferenceStopsTheSweep() throws Exception {
        Path grid = mixedGrid("kafka.json", 1, 50);
        CommandLine cli = Ampwatch.commandLine();
        ((SweepCommand) cli.getSubcommands().get("sweep").getCommand()).listener = e -> {
            if (e.getConfig() != null && e.getConfig().getPhase() == dev.ampwatch.schema.RunPhase.INFERENCE) {
                throw new dev.ampwatch.trainer.kafka.PublishException("training-events", e.getRunId(), e.getKind(),
                        new org.apache.kafka.common.errors.TimeoutException("the broker is gone"));
            }
            events.add(e);
        };
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("sweep", grid.toString(), "--no-warm-up", "--threads", "1")).isEqualTo(1);
        assertThat(err.toString()).contains("cannot publish to Kafka, sweep stopped");
        assertThat(events.stream().filter(e -> e.getKind() == EventKind.RUN_STARTED)).as("the second training run never started")
                .hasSize(1);
    }

    @Test
    void aGpuAskedForThatCannotRunTheGridStopsTheSweepBeforeKafka() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.ampwatch.trainer.DeviceChoice.forExperiment("auto",
                List.of(dev.ampwatch.trainer.precision.Precision.FP32), List.of(), 1).device().equals("cpu"), "a GPU works here");
        // no broker at this address: the device is checked first, so the reason is the GPU's, not Kafka's
        assertThat(sweep("sweep", "../docs/examples/sweep-grid.json", "--device", "gpu", "--bootstrap-servers", "127.0.0.1:1"))
                .isEqualTo(1);
        assertThat(err.toString()).contains("--device gpu: ").doesNotContain("Kafka");
    }

    @Test
    void aBadGridFileIsAClearError() throws Exception {
        Path grid = Files.writeString(dir.resolve("bad.json"), "{\"batch_sizes\": [\"64\"]}");
        assertThat(sweep("sweep", grid.toString(), "--dry-run")).isEqualTo(1);
        assertThat(err.toString()).contains("batch_sizes[0]: expected an integer, got the string \"64\"");
    }

    @Test
    void theDocumentedExamplePlans() {
        assertThat(sweep("sweep", "../docs/examples/sweep-grid.json", "--dry-run")).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("sweep mp-sweep-1: one-at-a-time");
    }

    @Test
    void hasHelp() {
        StringWriter help = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setOut(new PrintWriter(help, true));
        assertThat(cli.execute("sweep", "--help")).isZero();
        assertThat(help.toString()).contains("Usage: ampwatch sweep").contains("--dry-run").contains("docs/trainer.md");
    }
}
