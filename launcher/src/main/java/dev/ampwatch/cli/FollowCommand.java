package dev.ampwatch.cli;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.trainer.TrainingListener;
import dev.ampwatch.trainer.follow.FileTail;
import dev.ampwatch.trainer.follow.FollowDefaults;
import dev.ampwatch.trainer.follow.TrainerLines;
import dev.ampwatch.trainer.kafka.KafkaTrainingPublisher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "follow", mixinStandardHelpOptions = true,
        description = {"Runs a training command (PyTorch, Keras, ...) and publishes the JSON",
            "lines it prints (or appends to --from-file) as training events, as `train`",
            "does; its other output is passed through. A non-zero exit (or Ctrl-C)",
            "fails the runs it left open. Without a command, --from-file follows the",
            "file until every run seen in it has ended, or Ctrl-C.",
            "Line format and Python snippets: docs/trainer.md.",
            "",
            "  ampwatch follow --bootstrap-servers HOST:PORT --devices gpu0 \\",
            "      -- python train.py --amp",
            ""})
final class FollowCommand implements Callable<Integer> {
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "The training command and its arguments; put -- before it so its options stay its own.")
    List<String> command = new ArrayList<>();

    @Option(names = "--from-file", paramLabel = "PATH",
            description = "Read the event lines from this file, as the trainer appends them, instead of its stdout.")
    Path fromFile;

    @Option(names = "--from-start", description = "With --from-file: also read what the file holds already (default: only new lines).")
    boolean fromStart;

    @Option(names = "--run-id", description = "Run id of lines without run_id (default: a random UUID per run).")
    String runId;

    @Option(names = "--experiment-id", defaultValue = "default", description = "Experiment id of lines without experiment_id (default: ${DEFAULT-VALUE}).")
    String experimentId;

    @Option(names = "--host", converter = HostIdConverter.class,
            description = "Host of lines without host, as the power-agent writes it (default: " + HostIdConverter.DEFAULT + ").")
    String host;

    @Option(names = "--devices", split = ",", paramLabel = "ID",
            description = "Devices of lines without devices, matching the power-agent's (e.g. gpu0,gpu1; default: none).")
    List<String> devices = new ArrayList<>();

    @Option(names = "--backend", defaultValue = "external", description = "config.backend when the trainer gives none, e.g. pytorch (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--device-name", defaultValue = "unknown", description = "config.device_name when the trainer gives none (default: ${DEFAULT-VALUE}).")
    String deviceName;

    @Option(names = "--profile-epochs", paramLabel = "K",
            description = "Short profiling (docs/forecasts.md): stop the trainer once a run completed K epochs, then print the "
                    + "analyzer's forecast of the whole run (needs an analyzer and a power-agent for this host).")
    Integer profileEpochs;

    @Option(names = "--steps-per-epoch", paramLabel = "N",
            description = "Steps mode, for trainers that report optimizer steps, not epochs: their step lines make one epoch of "
                    + "every N steps, for per-window energy and forecasts; run_started then says total_steps (docs/trainer.md).")
    Integer stepsPerEpoch;

    @Option(names = "--wait", defaultValue = "2m", converter = DurationConverter.class,
            description = "With --profile-epochs: how long to wait for the analyzer's final record of the run (default: ${DEFAULT-VALUE}).")
    Duration wait;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    /** Receives the events instead of Kafka when set (tests). */
    TrainingListener listener;

    private PrintWriter out;
    private PrintWriter err;
    /** The run stopped for profiling, once one completed --profile-epochs epochs. */
    private volatile String profiled;
    private volatile Process trainer;
    private TrainingListener sink;
    private RuntimeException publishFailure;

    @Override
    public Integer call() throws Exception {
        if (command.isEmpty() && fromFile == null) {
            throw new ParameterException(spec.commandLine(), "give the training command after -- (or --from-file PATH to follow a file)");
        }
        if (profileEpochs != null && (profileEpochs < 2 || command.isEmpty())) {
            throw new ParameterException(spec.commandLine(), profileEpochs < 2
                    ? "--profile-epochs " + profileEpochs + ": a forecast needs at least 2 complete epochs"
                    : "--profile-epochs stops the trainer: give its command after --, not --from-file alone");
        }
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        FollowDefaults defaults = new FollowDefaults(experimentId, Optional.ofNullable(runId), HostId.orLocal(host), devices,
                backend, deviceName);
        FileTail tail = fromFile == null ? null : new FileTail(fromFile, fromStart);

        // heartbeats for the open runs come from the publisher, as for train and sweep
        KafkaTrainingPublisher publisher = listener == null
                ? new KafkaTrainingPublisher(kafka.reachableClientProperties(), kafka.topics().trainingEvents().name()) : null;
        sink = listener != null ? listener : publisher;
        // lines without event_time are stamped through the publisher, so no heartbeat covers one still on its way
        TrainerLines lines = new TrainerLines(defaults, sink.stampClock(InstantSource.system()), () -> UUID.randomUUID().toString());
        if (stepsPerEpoch != null) {
            if (stepsPerEpoch < 1) {
                throw new ParameterException(spec.commandLine(), "--steps-per-epoch " + stepsPerEpoch + ": give 1 or more steps");
            }
            lines.withStepsPerEpoch(stepsPerEpoch);
        }
        Lifetime lifetime = new Lifetime();
        try {
            return command.isEmpty() ? attach(lines, tail, lifetime) : run(lines, tail, lifetime);
        } finally {
            try {
                if (publisher != null) {
                    publisher.close();
                }
            } catch (RuntimeException e) {
                failed(e);
            }
            lifetime.closed();
        }
    }

    /** Starts the command, reads its stdout (or the file) to the end, then settles the runs it left open. */
    private int run(TrainerLines lines, FileTail tail, Lifetime lifetime) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.INHERIT);
        if (tail != null) {
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
        }
        pb.environment().putIfAbsent("PYTHONUNBUFFERED", "1"); // a piped Python would hold its lines until exit
        pb.environment().put("AMPWATCH_EXPERIMENT_ID", experimentId);
        if (runId != null) {
            pb.environment().put("AMPWATCH_RUN_ID", runId);
        }
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
        trainer = process;
        AtomicBoolean stopped = new AtomicBoolean();
        Thread stopper = new Thread(() -> {
            try {
                lifetime.await(null);
                stopped.set(true);
                stop(process);
            } catch (InterruptedException e) {
                // the trainer ended by itself
            }
        }, "ampwatch-follow-stop");
        stopper.setDaemon(true);
        stopper.start();
        try {
            if (tail == null) {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        handle(lines, line);
                    }
                } catch (IOException e) {
                    if (profiled == null) {
                        throw e;
                    } // stopped for profiling: its output closed under the reader
                }
            } else {
                boolean exited = false;
                while (!exited) {
                    exited = process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS);
                    for (String line : exited ? tail.drain() : tail.poll()) {
                        handle(lines, line);
                    }
                }
            }
            int code = process.waitFor();
            if (profiled != null) {
                publishAll(lines.failUnfinished(ForecastReport.reason(profileEpochs, "ampwatch follow --profile-epochs " + profileEpochs)));
                return publishFailure != null ? 1 : forecast(profiled);
            }
            if (stopped.get()) {
                publishAll(lines.failUnfinished("interrupted"));
                return 130;
            }
            if (code != 0 && !lines.anyEvent()) {
                err.println("ampwatch follow: the trainer exited with code " + code + " before it started a run; nothing published");
            } else if (code != 0) {
                publishAll(lines.failUnfinished("trainer exited with code " + code));
            } else if (!lines.openRuns().isEmpty()) {
                publishAll(lines.failUnfinished("trainer exited (code 0) without run_completed"));
            } else if (!lines.anyEvent()) {
                err.println("ampwatch follow: the trainer printed no ampwatch lines; nothing published (format: docs/trainer.md)");
            }
            return code != 0 ? code : publishFailure != null ? 1 : 0;
        } finally {
            stopper.interrupt();
            if (process.isAlive()) {
                stop(process);
            }
            err.flush();
        }
    }

    /** No command: follows the file until every run seen has ended, or Ctrl-C (which publishes nothing: the trainer is not ours). */
    private int attach(TrainerLines lines, FileTail tail, Lifetime lifetime) throws IOException, InterruptedException {
        err.println("ampwatch follow: following " + tail.file() + " until every run in it has ended (Ctrl-C to stop)");
        while (true) {
            for (String line : tail.poll()) {
                handle(lines, line);
            }
            if (lines.anyEvent() && lines.openRuns().isEmpty()) {
                return publishFailure != null ? 1 : 0;
            }
            if (lifetime.await(POLL)) {
                for (String line : tail.drain()) {
                    handle(lines, line);
                }
                if (!lines.openRuns().isEmpty()) {
                    err.println("ampwatch follow: stopped; runs still open: " + String.join(", ", lines.openRuns()));
                }
                return 130;
            }
        }
    }

    private void handle(TrainerLines lines, String line) {
        if (profiled != null) {
            return; // stopped for profiling: what it printed while stopping (a next epoch's start) is not the run's
        }
        TrainerLines.Outcome o = lines.accept(line);
        if (o instanceof TrainerLines.Passthrough p) {
            out.println(p.line());
            out.flush();
        } else if (o instanceof TrainerLines.Event e) {
            publish(e.event());
        } else if (o instanceof TrainerLines.Events e) {
            for (TrainingEvent event : e.events()) {
                if (profiled != null) {
                    break; // stopped for profiling at a window's end: the next window is not the run's
                }
                publish(event);
            }
        } else if (o instanceof TrainerLines.Rejected r) {
            err.println("ampwatch follow: " + (fromFile != null ? fromFile + ":" : "") + r.message() + "; not published");
            err.flush();
        }
    }

    private void publishAll(List<TrainingEvent> events) {
        events.forEach(this::publish);
    }

    private void publish(TrainingEvent event) {
        try {
            sink.onEvent(event);
        } catch (RuntimeException e) {
            failed(e);
            return;
        }
        EventKind kind = event.getKind();
        String what = switch (kind) {
            case RUN_STARTED -> "run " + event.getRunId() + " started (" + event.getConfig().getPrecision() + ", experiment "
                    + event.getExperimentId() + ")";
            case EPOCH_COMPLETED -> "run " + event.getRunId() + " epoch " + event.getEpoch() + " completed";
            case RUN_COMPLETED -> "run " + event.getRunId() + " completed";
            case RUN_FAILED -> "run " + event.getRunId() + " failed: " + event.getFailureReason();
            default -> null;
        };
        if (what != null) {
            err.println("ampwatch follow: " + what);
            err.flush();
        }
        if (kind == EventKind.EPOCH_COMPLETED && profileEpochs != null && profiled == null && event.getEpoch() != null
                && event.getEpoch() >= profileEpochs && trainer != null) {
            profiled = event.getRunId();
            err.println("ampwatch follow: run " + profiled + " profiled for " + profileEpochs + " epochs: stopping the trainer");
            err.flush();
            stop(trainer);
        }
    }

    /** The analyzer's forecast of the profiled run, from its final record. */
    private int forecast(String run) {
        if (listener != null) {
            return 0; // events went to a test's listener, not to an analyzer
        }
        err.println("ampwatch follow: waiting for the analyzer's record of run " + run + " ...");
        err.flush();
        try (RunEnergyWatcher watcher = new RunEnergyWatcher(kafka.clientProperties(null), kafka.topics())) {
            dev.ampwatch.schema.RunEnergy energy = watcher.awaitFinal(java.util.Set.of(run), wait).get(run);
            if (energy == null) {
                err.println("ampwatch follow: no final record of run " + run + " within " + wait
                        + " (is an analyzer running on these topics, and a power-agent on this host?)");
                return 1;
            }
            java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
            int code = ForecastReport.print(new java.io.PrintStream(buffer, true, StandardCharsets.UTF_8), energy);
            out.print(buffer.toString(StandardCharsets.UTF_8));
            out.flush();
            return code;
        }
    }

    private void failed(RuntimeException e) {
        if (publishFailure == null) {
            publishFailure = e;
            err.println("ampwatch follow: cannot publish: " + e.getMessage());
            err.flush();
        }
    }

    /** SIGTERM to the trainer and everything it started; SIGKILL to what is left after the grace period. */
    private static void stop(Process process) {
        List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
        process.destroy();
        family.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        family.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
