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
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ampwatch sweep GRID -- COMMAND}: a sweep of the user's own trainer (a shell script printing ampwatch's lines). */
class CommandSweepTest {
    /** A trainer: $1 precision, $2 batch size, $3 epochs, $4 seed; $5 (optional) an exit code after run_started. */
    static final String TRAINER = """
            #!/bin/sh
            echo "{\\"ampwatch\\":\\"run_started\\",\\"config\\":{\\"precision\\":\\"$1\\",\\"batch_size\\":$2,\\"hidden_units\\":[32],\
            \\"epochs\\":$3,\\"learning_rate\\":0.01,\\"optimizer\\":\\"adam\\",\\"dataset\\":\\"toy\\",\\"train_samples\\":600,\
            \\"parameter_count\\":25450,\\"seed\\":$4}}"
            [ -n "$5" ] && exit "$5"
            i=1
            while [ $i -le $3 ]; do
              echo "{\\"ampwatch\\":\\"epoch_started\\",\\"epoch\\":$i}"
              echo "training epoch $i of $1"
              echo "{\\"ampwatch\\":\\"epoch_completed\\",\\"epoch\\":$i,\\"metrics\\":{\\"loss\\":0.5,\\"test_accuracy\\":0.8,\
            \\"samples\\":600,\\"duration_ms\\":100}}"
              i=$((i+1))
            done
            echo '{"ampwatch":"run_completed"}'
            """;

    @TempDir
    Path dir;
    Path trainer;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final List<TrainingEvent> events = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void writeTrainer() throws Exception {
        trainer = Files.writeString(dir.resolve("trainer.sh"), TRAINER);
    }

    int sweep(String... args) {
        CommandLine cli = Ampwatch.commandLine();
        ((SweepCommand) cli.getSubcommands().get("sweep").getCommand()).listener = events::add;
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    Path grid(String json) throws Exception {
        return Files.writeString(dir.resolve("grid.json"), json);
    }

    List<TrainingEvent> of(EventKind kind) {
        return events.stream().filter(e -> e.getKind() == kind && !e.getExperimentId().endsWith(".start-up")).toList();
    }

    /** The events of the trainers' start-ups (from each command's start to its run_started). */
    List<TrainingEvent> startUps(EventKind kind) {
        return events.stream().filter(e -> e.getKind() == kind && e.getExperimentId().endsWith(".start-up")).toList();
    }

    @Test
    void eachPlannedRunIsTheCommandWithItsValuesFollowedAsFollowDoes() throws Exception {
        Path grid = grid("""
                {"precisions": ["fp32", "amp-bf16"], "repeats": 2, "seed": 3, "cooldown": "0s", "experiment_id": "exp-cmd",
                 "benchmark": {"epochs": 2, "batch_size": 64}}
                """);
        int code = sweep("sweep", grid.toString(), "--no-warm-up", "--host", "rig-1", "--devices", "gpu0", "--backend", "pytorch",
                "--", "sh", trainer.toString(), "{precision}", "{batch_size}", "{epochs}", "{seed}");
        assertThat(code).as(out + "\n" + err).isZero();

        List<TrainingEvent> starts = of(EventKind.RUN_STARTED);
        assertThat(starts).hasSize(4);
        assertThat(starts).allSatisfy(e -> {
            assertThat(e.getExperimentId()).isEqualTo("exp-cmd");
            assertThat(e.getHost()).isEqualTo("rig-1");
            assertThat(e.getDevices()).containsExactly("gpu0");
            assertThat(e.getConfig().getBatchSize()).isEqualTo(64);
            assertThat(e.getConfig().getEpochs()).isEqualTo(2);
            assertThat(e.getConfig().getBackend()).as("the trainer gave none").isEqualTo("pytorch");
            // the benchmark (fp32) is flagged, so the analyzer compares every configuration with it
            assertThat(e.getConfig().getBenchmark()).isEqualTo(e.getConfig().getPrecision().equals("fp32"));
        });
        assertThat(starts.stream().map(e -> e.getConfig().getPrecision()).collect(Collectors.groupingBy(p -> p, Collectors.counting())))
                .isEqualTo(Map.of("fp32", 2L, "amp-bf16", 2L));
        assertThat(starts.stream().map(e -> e.getConfig().getSeed()).collect(Collectors.toSet()))
                .as("repeat r trains with seed 42 + r - 1").containsExactlyInAnyOrder(42L, 43L);
        assertThat(starts.stream().map(TrainingEvent::getRunId).distinct()).hasSize(4);
        // the plan's order: the runs ran in the order printed
        List<String> planned = out.toString().lines().filter(l -> l.matches("\\[\\d/4] .*")).map(l -> l.substring(l.lastIndexOf(' ') + 1)).toList();
        assertThat(starts.stream().map(TrainingEvent::getRunId).toList()).isEqualTo(planned);
        assertThat(of(EventKind.EPOCH_COMPLETED)).hasSize(8);
        assertThat(of(EventKind.RUN_COMPLETED)).extracting(TrainingEvent::getRunId).containsExactlyElementsOf(planned);
        assertThat(out.toString()).as("the trainer's other lines pass through").contains("training epoch 2 of amp-bf16")
                .contains("run 1: sh " + trainer + " ");
        assertThat(out.toString().lines().filter(l -> l.contains("80.00%") && l.endsWith("completed"))).hasSize(4);
        assertThat(err.toString()).doesNotContain("warning");

        // each command's start-up (Python starting, loading its data) is a run of <experiment>.start-up that ends exactly
        // where the trainer's run starts, published before it: neither idle time nor the measured run's
        assertThat(startUps(EventKind.RUN_STARTED)).hasSize(4).allSatisfy(e -> {
            assertThat(e.getExperimentId()).isEqualTo("exp-cmd.start-up");
            assertThat(e.getHost()).isEqualTo("rig-1");
            assertThat(e.getDevices()).containsExactly("gpu0");
            assertThat(e.getConfig().getWholeCommand()).isTrue();
        });
        List<TrainingEvent> ends = startUps(EventKind.RUN_COMPLETED);
        assertThat(ends).hasSize(4);
        for (int i = 0; i < 4; i++) {
            TrainingEvent end = ends.get(i);
            TrainingEvent run = starts.get(i);
            assertThat(end.getEventTime()).isEqualTo(run.getEventTime());
            assertThat(events.indexOf(end)).isLessThan(events.indexOf(run));
            assertThat(startUps(EventKind.RUN_STARTED).get(i).getRunId()).isEqualTo(end.getRunId());
        }
    }

    @Test
    void aWarmUpRunsTheBenchmarkForOneEpochInAnExperimentOfItsOwn() throws Exception {
        Path grid = grid("""
                {"precisions": ["fp32", "amp-fp16"], "cooldown": "0s", "experiment_id": "exp-w", "benchmark": {"epochs": 3}}
                """);
        assertThat(sweep("sweep", grid.toString(), "--", "sh", trainer.toString(), "{precision}", "{batch_size}", "{epochs}", "{seed}"))
                .as(err.toString()).isZero();
        TrainingEvent first = events.stream().filter(e -> !e.getExperimentId().endsWith(".start-up")).findFirst().orElseThrow();
        assertThat(first.getKind()).isEqualTo(EventKind.RUN_STARTED);
        assertThat(first.getExperimentId()).isEqualTo("exp-w.warm-up");
        assertThat(first.getRunId()).startsWith("warm-up-training-");
        assertThat(first.getConfig().getEpochs()).isEqualTo(1);
        assertThat(first.getConfig().getPrecision()).isEqualTo("fp32");
        assertThat(of(EventKind.RUN_STARTED).stream().filter(e -> e.getExperimentId().equals("exp-w"))).hasSize(2)
                .allSatisfy(e -> assertThat(e.getConfig().getEpochs()).isEqualTo(3));
    }

    @Test
    void aCommandThatIsNotGivenAFactorTheGridVariesIsRefusedBeforeAnyRun() throws Exception {
        Path grid = grid("""
                {"precisions": ["fp32", "amp-bf16"], "batch_sizes": [32, 64], "cooldown": "0s", "learning_rate": 0.1}
                """);
        assertThat(sweep("sweep", grid.toString(), "--", "sh", trainer.toString(), "{precison}", "{batch_size}", "3", "1"))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("the command's {precison} is no placeholder (known: {precision}, {batch_size}")
                .contains("the grid varies precisions (fp32, amp-bf16) but the command has no {precision}: every run would train "
                        + "the same configuration")
                .contains("the grid gives \"learning_rate\" but the command has no {learning_rate}")
                .doesNotContain("varies batch_sizes");
        assertThat(events).isEmpty();

        assertThat(sweep("sweep", grid.toString(), "--device", "cpu", "--", "sh", trainer.toString(), "{precision}",
                "{batch_size}", "{learning_rate}", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("--device, --threads and --keep-models are for ampwatch's own trainer");
        assertThat(sweep("sweep", grid.toString(), "--devices", "gpu0", "--dry-run")).isEqualTo(2);
        assertThat(err.toString()).contains("--devices and --backend are for a command of your own (after --)");
        // a review: a mistyped program failed every run, cool-downs between; a placeholder without its key put in 0
        assertThat(sweep("sweep", grid.toString(), "--", "/usr/bin/pythonX", "{precision}", "{batch_size}", "{learning_rate}",
                "{train_limit}")).isEqualTo(2);
        assertThat(err.toString()).contains("cannot find /usr/bin/pythonX (or it is not executable): every run would fail")
                .contains("the command uses {train_limit} but the grid has no \"train_limit\"");
        assertThat(sweep("sweep", grid.toString(), "--", "no-such-program-7", "{precision}", "{batch_size}", "{learning_rate}"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("cannot find no-such-program-7 on the PATH");
        assertThat(events).isEmpty();
    }

    @Test
    void aDryRunPrintsTheFirstRunsCommand() throws Exception {
        Path grid = grid("""
                {"precisions": ["amp-bf16"], "seed": 1, "experiment_id": "exp-d", "learning_rate": 0.001, "hidden": [[512, 256]],
                 "benchmark": {"precision": "amp-bf16", "hidden": [512, 256]}}
                """);
        assertThat(sweep("sweep", grid.toString(), "--dry-run", "--", "sh", "train.py", "--precision={precision}",
                "--hidden", "{hidden}", "--lr", "{learning_rate}", "--run", "{run_id}", "--exp", "{experiment_id}", "--seed", "{seed}"))
                .as(err.toString()).isZero();
        assertThat(out.toString()).contains("each run: sh train.py --precision={precision} --hidden {hidden}")
                .contains("run 1: sh train.py --precision=amp-bf16 --hidden 512,256 --lr 0.001 --run RUN_ID --exp exp-d --seed 42")
                .contains("data: your trainer's\n").doesNotContain("Fashion-MNIST if installed");
        // printed as a shell would need them typed
        Path plain = Files.writeString(dir.resolve("plain.json"), """
                {"precisions": ["amp-bf16"], "seed": 1, "benchmark": {"precision": "amp-bf16"}}
                """);
        assertThat(sweep("sweep", plain.toString(), "--dry-run", "--", "sh", "-c", "python3 train.py --precision {precision}"))
                .as(err.toString()).isZero();
        assertThat(out.toString()).contains("run 1: sh -c 'python3 train.py --precision amp-bf16'");
        assertThat(events).isEmpty();
        // JSON needs no escaping; {{name}} is a literal {name}, no placeholder
        assertThat(sweep("sweep", plain.toString(), "--dry-run", "--", "sh", "train.py", "--json", "{\"p\": {\"q\": \"{precision}\"}}",
                "--literal", "{{seed}}")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("run 1: sh train.py --json '{\"p\": {\"q\": \"amp-bf16\"}}' --literal {seed}");
        // -- with nothing after it is a mistake, not a sweep of ampwatch's own trainer
        assertThat(sweep("sweep", plain.toString(), "--dry-run", "--")).isEqualTo(2);
        assertThat(err.toString()).contains("nothing after --: give your trainer's command there");

        Path cnn = Files.writeString(dir.resolve("cnn.json"), """
                {"conv_layers": "c32k3s1,c64k3s2", "seed": 1}
                """);
        assertThat(sweep("sweep", cnn.toString(), "--dry-run", "--", "sh", "train.py", "--conv", "{conv_layers}"))
                .as(err.toString()).isZero();
        assertThat(out.toString()).contains("run 1: sh train.py --conv c32k3s1,c64k3s2")
                .contains("model: a CNN, convolutions c32k3s1,c64k3s2 in front of the hidden layers");
        assertThat(sweep("sweep", cnn.toString(), "--dry-run", "--", "sh", "train.py")).isEqualTo(2);
        assertThat(err.toString()).contains("the grid gives \"conv_layers\" but the command has no {conv_layers}");
    }

    @Test
    void aRunThatFailsIsReportedAndTheSweepGoesOn() throws Exception {
        Path grid = grid("""
                {"precisions": ["fp32", "amp-bf16"], "cooldown": "0s", "seed": 7, "benchmark": {"epochs": 1}}
                """);
        // amp-bf16 exits 3 after its run_started; fp32 is given an empty fifth argument and completes
        Path wrapper = Files.writeString(dir.resolve("wrap.sh"), "p=$1; shift; if [ \"$p\" = amp-bf16 ]; then sh " + trainer
                + " $p \"$@\" 3; else sh " + trainer + " $p \"$@\"; fi\n");
        int code = sweep("sweep", grid.toString(), "--no-warm-up", "--", "sh", wrapper.toString(), "{precision}", "{batch_size}",
                "{epochs}", "{seed}");
        assertThat(code).as("a run failed").isEqualTo(1);
        assertThat(of(EventKind.RUN_FAILED)).singleElement().satisfies(e -> assertThat(e.getFailureReason())
                .isEqualTo("trainer exited with code 3"));
        assertThat(of(EventKind.RUN_COMPLETED)).hasSize(1);
        assertThat(out.toString()).contains("failed: trainer exited with code 3");
    }

    @Test
    void aTrainerThatTakesTheConvolutionsIsNotWarnedAndOneThatDropsThemIs() throws Exception {
        Path grid = grid("""
                {"conv_layers": "c32k3s1,c64k3s2", "cooldown": "0s", "benchmark": {"epochs": 1}}
                """);
        // a trainer printing the layers it was given (as the PyTorch example does), and one ignoring them
        String takes = "echo '{\"ampwatch\":\"run_started\",\"config\":{\"precision\":\"fp32\",\"batch_size\":128,"
                + "\"hidden_units\":[256,128],\"epochs\":1,\"learning_rate\":0.01,\"optimizer\":\"adam\",\"dataset\":\"toy\","
                + "\"train_samples\":600,\"parameter_count\":1,\"conv_layers\":[\"'$(echo $0 | sed 's/,/\",\"/')'\"]}}'; "
                + "echo '{\"ampwatch\":\"run_completed\"}'";
        assertThat(sweep("sweep", grid.toString(), "--no-warm-up", "--", "sh", "-c", takes, "{conv_layers}")).as(err.toString()).isZero();
        assertThat(err.toString()).doesNotContain("warning");
        assertThat(of(EventKind.RUN_STARTED)).singleElement()
                .satisfies(e -> assertThat(e.getConfig().getConvLayers()).hasSize(2));
        assertThat(sweep("sweep", grid.toString(), "--no-warm-up", "--", "sh", "-c", takes.replace("$(echo $0 | sed 's/,/\",\"/')", "c8k3s1"),
                "{conv_layers}")).isZero();
        assertThat(err.toString()).contains("reported conv_layers [c8k3s1] (planned [c32k3s1, c64k3s2])");
    }

    @Test
    void aTrainerThatDoesNotTakeAValueIsWarnedAboutByName() throws Exception {
        Path grid = grid("""
                {"precisions": ["amp-bf16"], "batch_sizes": [32], "cooldown": "0s",
                 "benchmark": {"epochs": 1, "precision": "amp-bf16", "batch_size": 32}}
                """);
        // the command always says fp32 and batch 64, whatever the plan
        assertThat(sweep("sweep", grid.toString(), "--no-warm-up", "--", "sh", trainer.toString(), "fp32", "64", "{epochs}", "1"))
                .as(err.toString()).isZero();
        assertThat(err.toString()).contains("reported precision fp32 (planned amp-bf16), batch_size 64 (planned 32): the analyzer "
                + "takes a run's configuration from its run_started line");
        // the summary shows what ran (as the analyzer will group it), not the plan (a review saw both, disagreeing)
        assertThat(out.toString().lines().filter(l -> l.matches("\\s+1\\s+\\S+\\s+fp32\\s+64\\s+32\\s+1\\s+1\\s+.*completed"))).hasSize(1);
    }

    @Test
    void aTrainerThatPrintsNoLinesFailsItsRunInTheSummary() throws Exception {
        Path grid = grid("""
                {"cooldown": "0s", "benchmark": {"epochs": 1}}
                """);
        assertThat(sweep("sweep", grid.toString(), "--no-warm-up", "--", "sh", "-c", "echo 'no ampwatch lines here'"))
                .as("a run that was not measured is no success").isEqualTo(1);
        assertThat(out.toString()).contains("no ampwatch lines here").contains("failed: no run_started of run ")
                .contains("was published (exit 0; follow's messages above say why)")
                .contains("train/s: the samples_per_second your trainer reported");
        assertThat(err.toString()).contains("the trainer printed no ampwatch lines; nothing published");
        assertThat(of(EventKind.RUN_STARTED)).isEmpty();
        assertThat(startUps(EventKind.RUN_FAILED)).singleElement().satisfies(e -> assertThat(e.getFailureReason())
                .isEqualTo("the trainer exited with code 0 before its run_started"));
        StringWriter results = new StringWriter();
        new SweepResults(Map.of(), dev.ampwatch.schema.kafka.Topics.withPrefix("x."), "app", java.time.Duration.ofMinutes(2), "exp")
                .print(List.of(), List.of(), new PrintWriter(results, true));
        assertThat(results.toString()).as("no waiting for records that cannot come (a review waited 65 s)")
                .isEqualTo("no run of the sweep was published: no results to wait for" + System.lineSeparator());
    }
}
