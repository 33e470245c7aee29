package dev.ampwatch.cli;

import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.trainer.DeviceChoice;
import dev.ampwatch.trainer.TrainingFailedException;
import dev.ampwatch.trainer.TrainingListener;
import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.TrainingResult;
import dev.ampwatch.trainer.follow.FollowSession;
import dev.ampwatch.trainer.kafka.KafkaTrainingPublisher;
import dev.ampwatch.trainer.kafka.PublishException;
import dev.ampwatch.trainer.sweep.CommandSweep;
import dev.ampwatch.trainer.sweep.PlannedRun;
import dev.ampwatch.trainer.sweep.SweepGrid;
import dev.ampwatch.trainer.sweep.SweepGridFile;
import dev.ampwatch.trainer.sweep.SweepPlan;
import dev.ampwatch.trainer.sweep.SweepPlanner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "sweep", mixinStandardHelpOptions = true,
        header = "Trains every configuration of a grid file, repeated, in a shuffled order (the seed paper's design).",
        description = {"Trains every configuration of a grid file (precision x batch size x",
            "hidden layers x epochs: a full grid, or one factor at a time around the",
            "benchmark), each repeated, in a shuffled order with a cool-down between",
            "runs, all under one experiment id; with \"inference\" in the grid, each",
            "trained model then runs inference in the listed precisions, in the same",
            "experiment. Prints the plan first; --dry-run prints only the plan.",
            "After --, your own trainer instead (PyTorch, Keras, ...): each run is the",
            "command with the run's values for its placeholders ({precision},",
            "{batch_size}, {hidden}, {epochs}, {seed}, {repeat}, {run_id}, ...),",
            "followed as `ampwatch follow` follows it. Grid files: docs/trainer.md.",
            "",
            "  ampwatch sweep --bootstrap-servers HOST:PORT docs/examples/sweep-grid.json",
            "  ampwatch sweep GRID --devices gpu0 -- python train.py --precision {precision} \\",
            "      --batch-size {batch_size} --epochs {epochs} --seed {seed}",
            ""})
final class SweepCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "GRID", description = "The grid file (JSON).")
    Path gridFile;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "COMMAND",
            description = "Your trainer's command, after --, with placeholders for each run's values (docs/trainer.md); "
                    + "default: ampwatch's own trainer.")
    List<String> command = new ArrayList<>();

    @Option(names = "--devices", split = ",", paramLabel = "ID",
            description = "With a command: the devices its runs use, as the power-agent names them (e.g. gpu0,gpu1), as follow's.")
    List<String> devices = new ArrayList<>();

    @Option(names = "--backend", defaultValue = "external",
            description = "With a command: config.backend when the trainer gives none, e.g. pytorch (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--dry-run", description = "Print the plan and exit: no training, no Kafka.")
    boolean dryRun;

    @Option(names = "--seed", description = "Seed of the run order (overrides the grid file's; default: random, printed).")
    Long seed;

    @Option(names = "--experiment-id", description = "Experiment id of every run (overrides the grid file's; default: sweep-<random>).")
    String experimentId;

    @Option(names = "--cooldown", converter = DurationConverter.class,
            description = "Pause between runs, e.g. 30s (overrides the grid file's; default 30s). Ctrl-C interrupts it.")
    Duration cooldown;

    @Option(names = "--warm-up", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Before the first run, a short run so the JIT compiler's warm-up is not charged to it, published as experiment <id>.warm-up (default: on).")
    boolean warmUp;

    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--device", defaultValue = "auto", converter = DeviceConverter.class, paramLabel = "auto|cpu|gpu|gpuN",
            description = "Where every run trains and infers: one device for the whole sweep, so its configurations compare "
                    + "(default auto: GPU 0 when it works for every precision of the grid, else the CPU; says why).")
    String device;

    @Option(names = "--application-id", defaultValue = "ampwatch-analyzer",
            description = "The analyzer whose results (energy, verdicts) the sweep waits for at its end, when it runs (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--results-wait", defaultValue = "2m", converter = DurationConverter.class,
            description = "How long to wait after the last run for the analyzer's results of the runs; 0s: do not wait (default: ${DEFAULT-VALUE}).")
    Duration resultsWait;

    @Option(names = "--host", converter = HostIdConverter.class,
            description = "Host id, as the power-agent writes it, and the events' Kafka key (default: " + HostIdConverter.DEFAULT + ").")
    String host;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    PublishOptions publish;

    @Spec
    CommandSpec spec;

    /** Receives the events instead of Kafka when set (tests). */
    TrainingListener listener;

    @Option(names = "--keep-models", paramLabel = "DIR",
            description = "With inference in the grid: keep each trained model in DIR (<run id>.ampwmodel; default: a temporary "
                    + "directory, deleted after the sweep).")
    Path keepModels;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (command.isEmpty() && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().originalArgs().contains("--")) {
            throw new ParameterException(spec.commandLine(), "nothing after --: give your trainer's command there, or leave -- out"
                    + " to sweep ampwatch's own trainer");
        }
        if (command.isEmpty() && (!devices.isEmpty() || !"external".equals(backend))) {
            throw new ParameterException(spec.commandLine(), "--devices and --backend are for a command of your own (after --); "
                    + "ampwatch's own trainer knows its device");
        }
        SweepGrid grid = SweepGridFile.read(gridFile);
        if (seed != null) {
            grid = grid.withSeed(seed);
        }
        if (experimentId != null) {
            grid = grid.withExperimentId(experimentId);
        }
        if (cooldown != null) {
            grid = grid.withCooldown(cooldown);
        }
        SweepPlan plan = SweepPlanner.plan(grid);
        String hostId = HostId.orLocal(host);
        CommandSweep trainer = command.isEmpty() ? null : trainerSweep(plan, hostId);
        plan.describe().stream().map(line -> trainer != null && line.startsWith("data: ") ? "data: your trainer's"
                + plan.grid().dataset().map(d -> " ({dataset} = " + d + ")").orElse("") : line).forEach(out::println);
        if (trainer != null) {
            PlannedRun first = plan.runs().get(0);
            out.println("each run: " + CommandSweep.quoted(command));
            out.println("run 1: " + CommandSweep.quoted(trainer.commandOf(first, first.setting(), "RUN_ID", plan.experimentId())));
        }
        out.flush();
        if (trainer == null) {
            SweepSummary.checkDataset(plan, gridFile);
        }
        if (dryRun) {
            return 0;
        }
        // the device before Kafka: a GPU asked for by name that cannot run the grid is the first thing to hear about
        // (IllegalArgumentException: "ampwatch: <reason>", exit 1)
        DeviceChoice.Resolved resolved = trainer != null ? null : DeviceChoice.forExperiment(device, plan.runs().stream()
                .map(r -> r.setting().precision()).toList(), plan.grid().inference().map(i -> i.precisions()).orElse(List.of()), threadCount());
        out.println("device: " + (resolved != null ? resolved.explanation() : "your trainer's own (it says which in its run_started line)"));
        out.flush();

        java.util.Map<String, Object> client = listener == null ? kafka.reachableClientProperties() : null;
        if (client != null) { // hours of runs whose host nobody measures are worth a word before the first
            PipelineCheck.warnIfUnmeasured(client, kafka.topics(), hostId, line -> {
                spec.commandLine().getErr().println(line);
                spec.commandLine().getErr().flush();
            }, "sweep");
        }
        KafkaTrainingPublisher publisher = client == null ? null : publish.publisher(client, kafka, spec.commandLine().getErr(), "sweep");
        TrainingListener sink = listener != null ? listener : publisher;
        // on Ctrl-C a trainer of the user's has follow's two grace periods, then Kafka takes its run's failure
        Lifetime lifetime = trainer == null ? new Lifetime()
                : new Lifetime(FollowSession.STOP_GRACE.multipliedBy(2).plus(publish.publishWait).plusSeconds(15));
        Thread main = Thread.currentThread();
        Thread stopper = new Thread(() -> {
            try {
                lifetime.await(null);
                if (trainer == null) { // a trainer of the user's is stopped by its follow session, which fails its run
                    main.interrupt(); // fails the running job at its next batch (RUN_FAILED "interrupted"), or ends a cool-down
                }
            } catch (InterruptedException e) {
                // the sweep is over
            }
        }, "ampwatch-sweep-stop");
        stopper.setDaemon(true);
        stopper.start();

        List<SweepSummary.Outcome> outcomes = new ArrayList<>();
        List<String> published = new ArrayList<>(); // of a command's runs: those whose run_started went out
        boolean interrupted = false;
        boolean aborted = false;
        SweepInferences inferences = plan.grid().inference().isPresent()
                ? SweepInferences.start(plan, keepModels, warmUp, hostId, resolved.device(), sink, lifetime, out) : null;
        try {
            if (warmUp && trainer != null) {
                if (trainer.warmUp(sink, lifetime::await).interrupted()) {
                    throw new InterruptedException();
                }
            } else if (warmUp) {
                warmUp(plan, hostId, resolved, sink, out);
            }
            for (PlannedRun run : plan.runs()) {
                if ((run.index() > 1 || warmUp) && !plan.cooldown().isZero()) { // the warm-up is a run: the host idles after it
                    out.printf("cool-down %s ...%n", text(plan.cooldown()));
                    out.flush();
                    if (lifetime.await(plan.cooldown())) {
                        interrupted = true;
                        break;
                    }
                }
                String runId = UUID.randomUUID().toString();
                if (trainer != null) {
                    out.printf("[%d/%d] %s, repeat %d (%s): run %s%n", run.index(), plan.runs().size(), run.setting(), run.repeat(),
                            run.varies(), runId);
                    out.flush();
                    CommandSweep.Result r = trainer.run(run, run.setting(), runId, plan.experimentId(),
                            markingBenchmark(sink, run.benchmark()), lifetime::await);
                    outcomes.add(new SweepSummary.Outcome(run, runId, r.status(), r.last(), r.config()));
                    if (r.published()) {
                        published.add(runId);
                    }
                    if (r.interrupted()) {
                        interrupted = true;
                        break;
                    }
                    if (r.publishFailure() != null) {
                        spec.commandLine().getErr().println("ampwatch: cannot publish to Kafka, sweep stopped: " + r.publishFailure().getMessage());
                        aborted = true;
                        break;
                    }
                    continue;
                }
                TrainingOptions options = machine(plan.options(run), hostId).runId(runId)
                        .saveModel(inferences == null ? null : inferences.modelFile(runId)).build();
                out.printf("[%d/%d] %s, repeat %d (%s): run %s%n", run.index(), plan.runs().size(), run.setting(), run.repeat(),
                        run.varies(), options.runId());
                out.flush();
                try {
                    TrainingResult result = train(resolved, options, markingBenchmark(sink, run.benchmark()));
                    outcomes.add(new SweepSummary.Outcome(run, options.runId(), "completed", result.last()));
                    SweepInferences.Stop stop = inferences == null ? SweepInferences.Stop.NONE : inferences.after(run, options);
                    if (stop == SweepInferences.Stop.INTERRUPTED) {
                        interrupted = true;
                        break;
                    }
                    if (stop == SweepInferences.Stop.KAFKA) {
                        spec.commandLine().getErr().println("ampwatch: cannot publish to Kafka, sweep stopped: " + inferences.lastStatus());
                        aborted = true;
                        break;
                    }
                } catch (TrainingFailedException e) {
                    if (lifetime.stopped() || Thread.currentThread().isInterrupted()) {
                        outcomes.add(new SweepSummary.Outcome(run, options.runId(), "interrupted", null));
                        interrupted = true;
                        break;
                    }
                    outcomes.add(new SweepSummary.Outcome(run, options.runId(), "failed: " + e.reason(), null));
                    if (causedBy(e, PublishException.class)) {
                        spec.commandLine().getErr().println("ampwatch: cannot publish to Kafka, sweep stopped: " + e.reason());
                        aborted = true;
                        break;
                    }
                }
            }
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            Thread.interrupted(); // so closing the publisher can flush
            try {
                if (publisher != null) {
                    publisher.close();
                }
            } catch (RuntimeException e) {
                spec.commandLine().getErr().println("ampwatch: while closing the Kafka publisher: " + e.getMessage());
                aborted = true;
            }
            stopper.interrupt();
            SweepSummary.print(out, plan, outcomes, trainer != null);
            if (inferences != null) {
                inferences.close();
            }
            if (interrupted) {
                out.println("interrupted after " + outcomes.size() + " of " + plan.runs().size() + " runs");
                out.flush();
            }
            lifetime.closed(); // last: on Ctrl-C the JVM exits as soon as this is counted down
        }
        boolean allCompleted = outcomes.stream().allMatch(o -> o.status().equals("completed"))
                && (inferences == null || inferences.allCompleted());
        if (client != null && !outcomes.isEmpty()) {
            if (!interrupted && !aborted && !resultsWait.isZero()) {
                new SweepResults(client, kafka.topics(), applicationId, resultsWait, plan.experimentId())
                        .print(trainer != null ? published : outcomes.stream().map(SweepSummary.Outcome::runId).toList(),
                                inferences == null ? List.of() : inferences.runIds(), out);
            } else {
                out.println("energy, power and the statistics of these runs: " + SweepResults.reportCommand(plan.experimentId()));
                out.flush();
            }
        }
        return interrupted ? 130 : aborted || !allCompleted ? 1 : 0;
    }

    /** The sweep of the user's trainer, once its command, the grid and the options are checked together. */
    private CommandSweep trainerSweep(SweepPlan plan, String hostId) {
        List<String> problems = new ArrayList<>(CommandSweep.problems(command, plan));
        if (!"auto".equals(device) || threads != null || keepModels != null) {
            problems.add("--device, --threads and --keep-models are for ampwatch's own trainer: pass your trainer's in its command");
        }
        if (!problems.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "sweep " + gridFile + " with a command:\n  " + String.join("\n  ", problems));
        }
        return new CommandSweep(command, plan, hostId, devices, backend, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    private TrainingOptions.Builder machine(TrainingOptions.Builder b, String hostId) {
        b.host(hostId);
        if (threads != null) {
            b.threads(threads);
        }
        return b;
    }

    /**
     * Flags the benchmark configuration's runs in their RUN_STARTED config ({@code RunConfig.benchmark}),
     * so the analyzer compares every other configuration of the experiment with it. Only the sweep knows
     * which configuration is the benchmark; the trainer publishes what it trains.
     */
    static TrainingListener markingBenchmark(TrainingListener sink, boolean benchmark) {
        if (!benchmark) {
            return sink;
        }
        return new TrainingListener() {
            @Override
            public void onEvent(TrainingEvent event) {
                RunConfig config = event.getConfig();
                sink.onEvent(config == null || config.getBenchmark() ? event : TrainingEvent.newBuilder(event)
                        .setConfig(RunConfig.newBuilder(config).setBenchmark(true).build()).build());
            }

            @Override
            public InstantSource stampClock(InstantSource clock) {
                return sink.stampClock(clock);
            }
        };
    }

    /** One training run on the sweep's device; a device that stopped working fails the run, as any other failure of it. */
    private static TrainingResult train(DeviceChoice.Resolved device, TrainingOptions options, TrainingListener listener) {
        try {
            return device.train(options, listener, ProgressBar.forTerminal());
        } catch (IllegalArgumentException e) {
            throw new TrainingFailedException(options.runId(), e.getMessage(), e);
        }
    }

    private int threadCount() {
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }

    /**
     * A short run of the benchmark so the first measured run does not pay for the JIT compiler, published under
     * {@link dev.ampwatch.trainer.WarmUp#experimentId} (so the analyzer does not learn it as idle power).
     */
    private void warmUp(SweepPlan plan, String hostId, DeviceChoice.Resolved device, TrainingListener sink, PrintWriter out) {
        int trainLimit = plan.grid().trainLimit() == 0 ? 2_000 : Math.min(2_000, plan.grid().trainLimit());
        int testLimit = plan.grid().testLimit() == 0 ? 500 : Math.min(500, plan.grid().testLimit());
        PlannedRun bench = new PlannedRun(0, plan.benchmark(), 1, true, "benchmark");
        String experiment = dev.ampwatch.trainer.WarmUp.experimentId(plan.experimentId());
        out.println("warming up the JIT (a short run, experiment " + experiment + ") ...");
        out.flush();
        train(device, machine(plan.options(bench), hostId).runId(dev.ampwatch.trainer.WarmUp.runId("training")).experimentId(experiment)
                .epochs(1).trainLimit(trainLimit).testLimit(testLimit).build(), sink);
    }

    static String text(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
            for (Throwable s : c.getSuppressed()) {
                if (type.isInstance(s)) {
                    return true;
                }
            }
        }
        return false;
    }
}
