package dev.ampwatch.trainer.sweep;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.trainer.TrainingListener;
import dev.ampwatch.trainer.WarmUp;
import dev.ampwatch.trainer.follow.FollowDefaults;
import dev.ampwatch.trainer.follow.FollowSession;
import dev.ampwatch.trainer.follow.TrainerLines;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sweep of the user's own trainer ({@code ampwatch sweep GRID -- COMMAND}): each planned run is the command with the
 * run's values put in for its placeholders ({@code {precision}}, {@code {batch_size}}, ...), followed as
 * {@code ampwatch follow} follows a trainer (the same lines, docs/trainer.md), under the run's id and the sweep's
 * experiment. The plan, order, repeats, cool-downs, warm-up, summary and results are the sweep's. Not thread-safe.
 */
public final class CommandSweep {
    /** The placeholders a command may hold, in the order the help lists them. */
    public static final List<String> PLACEHOLDERS = List.of("precision", "batch_size", "hidden", "epochs", "seed", "repeat", "run_id",
            "experiment_id", "learning_rate", "optimizer", "dataset", "train_limit", "test_limit", "conv_layers");
    /**
     * A placeholder {@code {name}}, or {@code {{name}}}: a literal {@code {name}} (group 1). Other braces are left as they
     * are, so JSON in an argument ({@code {"lr": {learning_rate}, "opt": {"beta": 0.9}}}) needs no escaping.
     */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Za-z_]+)}}|\\{([A-Za-z_]+)}");

    /**
     * How one run of the command ended.
     *
     * @param published whether its run_started was published (a record of it will come)
     * @param config the configuration its trainer reported in its run_started; null: none was published
     */
    public record Result(String status, EpochMetrics last, boolean interrupted, RuntimeException publishFailure, boolean published,
                         RunConfig config) {}

    /** The experiment of the trainers' start-ups ({@code <experiment>.start-up}): from each command's start to its run_started. */
    public static String startUpExperiment(String experimentId) {
        return experimentId + ".start-up";
    }

    private final List<String> command;
    /** The placeholders the command uses. */
    private final Set<String> placeholders;
    private final SweepPlan plan;
    private final String host;
    private final List<String> devices;
    private final String backend;
    private final PrintWriter out;
    private final PrintWriter err;

    public CommandSweep(List<String> command, SweepPlan plan, String host, List<String> devices, String backend, PrintWriter out,
                 PrintWriter err) {
        this.command = List.copyOf(command);
        this.placeholders = used(this.command);
        this.plan = plan;
        this.host = host;
        this.devices = List.copyOf(devices);
        this.backend = backend;
        this.out = out;
        this.err = err;
    }

    /** The placeholders {@code command} uses. */
    public static Set<String> used(List<String> command) {
        Set<String> used = new LinkedHashSet<>();
        for (String arg : command) {
            Matcher m = PLACEHOLDER.matcher(arg);
            while (m.find()) {
                if (m.group(2) != null) {
                    used.add(m.group(2));
                }
            }
        }
        return used;
    }

    /**
     * What keeps {@code command} from running {@code plan} as planned, each said with what to do: a placeholder it does
     * not know; a factor the plan varies that the command is not given (every run would train one configuration, and
     * the statistics compare configurations that were never run); a grid key only ampwatch's own trainer reads.
     */
    public static List<String> problems(List<String> command, SweepPlan plan) {
        List<String> problems = new ArrayList<>();
        if (!runnable(command.get(0))) {
            problems.add("cannot find " + command.get(0) + (command.get(0).contains("/") ? " (or it is not executable)" : " on the PATH")
                    + ": every run would fail");
        }
        Set<String> used = used(command);
        used.stream().filter(p -> !PLACEHOLDERS.contains(p)).forEach(p -> problems.add("the command's {" + p
                + "} is no placeholder (known: " + String.join(", ", PLACEHOLDERS.stream().map(k -> "{" + k + "}").toList()) + ")"));
        varies(plan, "precisions", "precision", RunSetting::precision, used, problems);
        varies(plan, "batch_sizes", "batch_size", RunSetting::batchSize, used, problems);
        varies(plan, "hidden", "hidden", RunSetting::hiddenText, used, problems);
        varies(plan, "epochs", "epochs", RunSetting::epochs, used, problems);
        SweepGrid grid = plan.grid();
        if (grid.dataset().isPresent() && !used.contains("dataset")) {
            problems.add("the grid gives \"dataset\" but the command has no {dataset}: put it where your trainer takes its data, "
                    + "or leave the key out");
        }
        if (used.contains("dataset") && grid.dataset().isEmpty()) {
            problems.add("the command uses {dataset} but the grid has no \"dataset\"");
        }
        if (used.contains("learning_rate") && grid.learningRate().isEmpty()) {
            problems.add("the command uses {learning_rate} but the grid has no \"learning_rate\" (ampwatch's own trainer's "
                    + "default is its optimizer's, not your trainer's)");
        }
        if (grid.learningRate().isPresent() && !used.contains("learning_rate")) {
            problems.add("the grid gives \"learning_rate\" but the command has no {learning_rate}");
        }
        if (used.contains("train_limit") && grid.trainLimit() == 0) {
            problems.add("the command uses {train_limit} but the grid has no \"train_limit\" (0, its default, means all to "
                    + "ampwatch's own trainer: give your trainer's value)");
        }
        if (used.contains("test_limit") && grid.testLimit() == 0) {
            problems.add("the command uses {test_limit} but the grid has no \"test_limit\" (0, its default, means all to "
                    + "ampwatch's own trainer: give your trainer's value)");
        }
        if (grid.trainLimit() > 0 && !used.contains("train_limit")) {
            problems.add("the grid gives \"train_limit\" but the command has no {train_limit}");
        }
        if (grid.testLimit() > 0 && !used.contains("test_limit")) {
            problems.add("the grid gives \"test_limit\" but the command has no {test_limit}");
        }
        if (!grid.convLayers().isEmpty() && !used.contains("conv_layers")) {
            problems.add("the grid gives \"conv_layers\" but the command has no {conv_layers}");
        }
        if (used.contains("conv_layers") && grid.convLayers().isEmpty()) {
            problems.add("the command uses {conv_layers} but the grid has no \"conv_layers\"");
        }
        if (grid.inference().isPresent()) {
            problems.add("\"inference\" runs models ampwatch trained itself: not with a command (run your trainer's inference "
                    + "as runs of their own, config.phase \"inference\")");
        }
        if (grid.table().isPresent() || grid.task() != dev.ampwatch.trainer.model.Task.CLASSIFICATION) {
            problems.add("\"task\", \"target\", \"exclude\", \"split_by\" and \"split_by_time\" are for ampwatch's own "
                    + "trainer: your trainer says its task in its run_started line");
        }
        return problems;
    }

    /** The values in their natural order (precisions as declared, numbers as numbers), whatever the run order. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    /** Whether {@code program} names an executable file, as a path or on the PATH. */
    static boolean runnable(String program) {
        if (program.contains("/")) {
            return java.nio.file.Files.isExecutable(java.nio.file.Path.of(program));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static void varies(SweepPlan plan, String key, String placeholder, Function<RunSetting, Comparable> value,
                               Set<String> used, List<String> problems) {
        List<String> values = plan.runs().stream().map(r -> value.apply(r.setting())).distinct().sorted()
                .map(String::valueOf).toList();
        if (values.size() > 1 && !used.contains(placeholder)) {
            problems.add("the grid varies " + key + " (" + String.join(", ", values) + ") but the command has no {" + placeholder
                    + "}: every run would train the same configuration");
        }
    }

    /** The command of {@code run} with {@code setting} (the run's, or the warm-up's), its id and experiment. */
    public List<String> commandOf(PlannedRun run, RunSetting setting, String runId, String experimentId) {
        List<String> args = new ArrayList<>();
        for (String arg : command) {
            Matcher m = PLACEHOLDER.matcher(arg);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String put = m.group(2) != null ? value(m.group(2), run, setting, runId, experimentId) : "{" + m.group(1) + "}";
                m.appendReplacement(sb, Matcher.quoteReplacement(put));
            }
            m.appendTail(sb);
            args.add(sb.toString());
        }
        return args;
    }

    private String value(String placeholder, PlannedRun run, RunSetting s, String runId, String experimentId) {
        SweepGrid grid = plan.grid();
        return switch (placeholder) {
            case "precision" -> s.precision().cliName();
            case "batch_size" -> String.valueOf(s.batchSize());
            case "hidden" -> s.hiddenUnits().stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse("");
            case "epochs" -> String.valueOf(s.epochs());
            case "seed" -> String.valueOf(plan.trainingSeed(run));
            case "repeat" -> String.valueOf(run.repeat());
            case "run_id" -> runId;
            case "experiment_id" -> experimentId;
            case "learning_rate" -> grid.learningRate().map(String::valueOf).orElseThrow();
            case "optimizer" -> grid.optimizer().cliName();
            case "dataset" -> grid.dataset().map(Object::toString).orElseThrow();
            case "train_limit" -> String.valueOf(grid.trainLimit());
            case "test_limit" -> String.valueOf(grid.testLimit());
            case "conv_layers" -> dev.ampwatch.trainer.model.ConvLayer.text(grid.convLayers());
            default -> throw new IllegalStateException("placeholder {" + placeholder + "} was not checked");
        };
    }

    /**
     * Before the first run: the benchmark's command with {@code {epochs}} = 1, a run of the warm-up experiment (so the
     * analyzer does not learn its power as idle); one that does not complete is said, and the sweep goes on.
     */
    public Result warmUp(TrainingListener sink, FollowSession.Stop lifetime) throws IOException, InterruptedException {
        String experiment = WarmUp.experimentId(plan.experimentId());
        out.println("warming up (a run of the benchmark, 1 epoch if the command takes {epochs}, experiment " + experiment + ") ...");
        out.flush();
        Result r = run(new PlannedRun(0, plan.benchmark(), 1, true, "benchmark"), plan.benchmark().withEpochs(1),
                WarmUp.runId("training"), experiment, sink, lifetime);
        if (!r.interrupted() && !r.status().equals("completed")) {
            out.println("warm-up " + r.status() + " (the sweep goes on)");
            out.flush();
        }
        return r;
    }

    /**
     * Runs {@code run}'s command with {@code setting} as {@code ampwatch follow} runs a trainer: its lines published under
     * {@code runId} and {@code experimentId}, its other output passed through; Ctrl-C gives it follow's grace periods.
     */
    public Result run(PlannedRun run, RunSetting setting, String runId, String experimentId, TrainingListener sink,
               FollowSession.Stop lifetime) throws IOException, InterruptedException {
        List<String> args = commandOf(run, setting, runId, experimentId);
        err.println("ampwatch sweep: " + quoted(args));
        err.flush();
        Watch watch = new Watch(sink, runId, setting);
        InstantSource clock = watch.stampClock(InstantSource.system());
        watch.startUp = new StartUpRun(sink, clock, startUpExperiment(plan.experimentId()), host, devices, backend, setting, plan.grid());
        FollowDefaults defaults = new FollowDefaults(experimentId, Optional.of(runId), host, devices, backend, "unknown");
        TrainerLines lines = new TrainerLines(defaults, clock, () -> UUID.randomUUID().toString());
        FollowSession session = new FollowSession(lines, null, watch, out, err, null);
        watch.startUp.start();
        int code = -1;
        try {
            code = session.run(args, experimentId, runId, lifetime);
        } finally {
            watch.startUp.fail(watch.started ? null : code == 130 ? "interrupted" : code == -1 ? "the sweep failed"
                    : "the trainer exited with code " + code + " before its run_started");
        }
        String status;
        if (code == 130 && watch.completed) {
            status = "completed"; // it ended within the stop's grace period: the sweep stops after it
        } else if (code == 130) {
            status = watch.started ? "interrupted" : "interrupted before its run_started (nothing published)";
        } else if (watch.failure != null) {
            status = "failed: " + watch.failure;
        } else if (watch.completed) {
            status = code == 0 ? "completed" : "completed (trainer exited " + code + ")";
        } else {
            status = "failed: " + (watch.started ? "no run_completed" : "no run_started of run " + runId + " was published (exit "
                    + code + "; follow's messages above say why)");
        }
        RuntimeException publishFailure = session.publishFailure() != null ? session.publishFailure() : watch.startUp.publishFailure;
        return new Result(status, watch.last, code == 130, publishFailure, watch.started, watch.config);
    }

    /** The arguments as a POSIX shell would need them typed: each one with a blank or a shell character single-quoted. */
    public static String quoted(List<String> args) {
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(!a.isEmpty() && a.matches("[A-Za-z0-9_./:=,+@%{}-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return String.join(" ", out);
    }

    /** Passes the events on and notes what the run's own said: started, its last epoch, how it ended, its config. */
    private final class Watch implements TrainingListener {
        private final TrainingListener sink;
        private final String runId;
        private final RunSetting setting;
        StartUpRun startUp;
        RunConfig config;
        boolean started;
        boolean completed;
        String failure;
        EpochMetrics last;

        Watch(TrainingListener sink, String runId, RunSetting setting) {
            this.sink = sink;
            this.runId = runId;
            this.setting = setting;
        }

        @Override
        public void onEvent(TrainingEvent event) {
            if (event.getKind() == dev.ampwatch.schema.EventKind.RUN_STARTED && runId.equals(event.getRunId())) {
                startUp.endAt(event); // first: the start-up ends where the run starts
            }
            sink.onEvent(event); // a failure to publish goes to the session, which reports it once
            if (!runId.equals(event.getRunId())) {
                return;
            }
            switch (event.getKind()) {
                case RUN_STARTED -> {
                    started = true;
                    config = event.getConfig();
                    checkConfig(event.getConfig());
                }
                case EPOCH_COMPLETED -> last = event.getMetrics() != null ? event.getMetrics() : last;
                case RUN_COMPLETED -> completed = true;
                case RUN_FAILED -> failure = event.getFailureReason();
                default -> { }
            }
        }

        @Override
        public InstantSource stampClock(InstantSource clock) {
            return sink.stampClock(clock);
        }

        /** A trainer that did not take a value the plan gave it trains another configuration: said now, by name. */
        private void checkConfig(RunConfig c) {
            List<String> differ = new ArrayList<>();
            if (!setting.precision().cliName().equals(c.getPrecision())) {
                differ.add("precision " + c.getPrecision() + " (planned " + setting.precision().cliName() + ")");
            }
            if (c.getBatchSize() != setting.batchSize()) {
                differ.add("batch_size " + c.getBatchSize() + " (planned " + setting.batchSize() + ")");
            }
            if (c.getEpochs() != setting.epochs()) {
                differ.add("epochs " + c.getEpochs() + " (planned " + setting.epochs() + ")");
            }
            if (placeholders.contains("optimizer") && !plan.grid().optimizer().cliName().equals(c.getOptimizer())) {
                differ.add("optimizer " + c.getOptimizer() + " (planned " + plan.grid().optimizer().cliName() + ")");
            }
            if (placeholders.contains("hidden") && !c.getHiddenUnits().equals(setting.hiddenUnits())) {
                differ.add("hidden_units " + c.getHiddenUnits() + " (planned " + setting.hiddenUnits() + ")");
            }
            List<String> conv = plan.grid().convLayers().stream().map(Object::toString).toList();
            List<String> reported = c.getConvLayers().stream().map(l -> "c" + l.getChannels() + "k" + l.getKernel() + "s" + l.getStride())
                    .toList();
            if (placeholders.contains("conv_layers") && !reported.equals(conv)) {
                differ.add("conv_layers " + reported + " (planned " + conv + ")");
            }
            if (!differ.isEmpty()) {
                err.println("ampwatch sweep: warning: run " + runId + " reported " + String.join(", ", differ)
                        + ": the analyzer takes a run's configuration from its run_started line, so this run counts as what it "
                        + "reported; check that the command passes the placeholders on");
                err.flush();
            }
        }
    }
}
