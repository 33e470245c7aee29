package dev.ampwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.trainer.TrainingListener;
import dev.ampwatch.trainer.follow.FileTail;
import dev.ampwatch.trainer.follow.FollowDefaults;
import dev.ampwatch.trainer.follow.FollowSession;
import dev.ampwatch.trainer.follow.TrainerLines;
import dev.ampwatch.trainer.json.JsonFields;
import dev.ampwatch.trainer.kafka.KafkaTrainingPublisher;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "follow", mixinStandardHelpOptions = true,
        header = "Runs a training command (PyTorch, Keras, a script) and publishes its runs' events.",
        description = {"Runs a training command (PyTorch, Keras, ...) and publishes the JSON",
            "lines it prints (or appends to --from-file) as training events, as `train`",
            "does; its other output is passed through. A non-zero exit (or Ctrl-C)",
            "fails the runs it left open. Without a command, --from-file follows the",
            "file until every run seen in it has ended, or Ctrl-C. With --whole-run a",
            "command that prints no such lines is measured as one run.",
            "Line format and Python snippets: docs/trainer.md.",
            "",
            "  ampwatch follow --bootstrap-servers HOST:PORT --devices gpu0 \\",
            "      -- python train.py --amp",
            ""})
final class FollowCommand implements Callable<Integer> {
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

    @Option(names = "--whole-run", paramLabel = "CONFIG",
            description = {"For a command that prints no ampwatch lines (an uninstrumented script): make it one run, started "
                    + "when it starts, completed when it exits 0 (failed otherwise), its energy measured as any run's. CONFIG "
                    + "is the run's configuration as a run_started line's config: the JSON object, or a file holding it, e.g.",
                "'{\"precision\":\"amp-bf16\",\"batch_size\":64,\"epochs\":3,\"learning_rate\":0.001,\"optimizer\":\"adamw\","
                    + "\"dataset\":\"imagenette\",\"train_samples\":9469,\"parameter_count\":11689512}'"})
    String wholeRun;

    @Option(names = "--application-id", defaultValue = "ampwatch-analyzer",
            description = "With --profile-epochs: the running analyzer's application id, checked before the trainer starts (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--no-pipeline-check", description = "With --profile-epochs: start the trainer without first checking that an "
            + "analyzer runs (--application-id) and that this host's power readings arrive.")
    boolean noPipelineCheck;

    @Option(names = "--wait", defaultValue = "2m", converter = DurationConverter.class,
            description = "With --profile-epochs: how long to wait for the analyzer's final record of the run (default: ${DEFAULT-VALUE}).")
    Duration wait;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    PublishOptions publish;

    @Spec
    CommandSpec spec;

    /** Receives the events instead of Kafka when set (tests). */
    TrainingListener listener;

    private PrintWriter out;
    private PrintWriter err;

    @Override
    public Integer call() throws Exception {
        if (command.isEmpty() && fromFile == null) {
            throw new ParameterException(spec.commandLine(), "give the training command after -- (or --from-file PATH to follow a file)");
        }
        if (fromStart && fromFile == null) {
            throw new ParameterException(spec.commandLine(), "--from-start only works with --from-file PATH (it reads what the "
                    + "file already holds); the trainer's stdout is read from its start anyway");
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
        JsonNode wholeRunConfig = wholeRun == null ? null : wholeRunConfig(defaults);
        FileTail tail = fromFile == null ? null : new FileTail(fromFile, fromStart);

        // heartbeats for the open runs come from the publisher, as for train and sweep
        Map<String, Object> client = listener == null ? kafka.reachableClientProperties() : null;
        RunIdCheck.beforeStart(spec.commandLine(), client, kafka.topics(), runId, defaults.host(), "follow");
        if (client != null && profileEpochs != null && !noPipelineCheck && !pipelineReady(client, defaults.host())) {
            return 1;
        }
        KafkaTrainingPublisher publisher = client == null ? null : publish.publisher(client, kafka, spec.commandLine().getErr(), "follow");
        TrainingListener sink = listener != null ? listener : publisher;
        // lines without event_time are stamped through the publisher, so no heartbeat covers one still on its way
        TrainerLines lines = new TrainerLines(defaults, sink.stampClock(InstantSource.system()), () -> UUID.randomUUID().toString());
        if (stepsPerEpoch != null) {
            if (stepsPerEpoch < 1) {
                throw new ParameterException(spec.commandLine(), "--steps-per-epoch " + stepsPerEpoch + ": give 1 or more steps");
            }
            lines.withStepsPerEpoch(stepsPerEpoch);
        }
        FollowSession session = new FollowSession(lines, tail, sink, out, err, profileEpochs);
        if (wholeRunConfig != null) {
            session.wholeRun(wholeRunConfig);
        }
        // on Ctrl-C: the trainer's two grace periods (FollowSession), then Kafka's acknowledgement of the runs' failures
        Lifetime lifetime = new Lifetime(FollowSession.STOP_GRACE.multipliedBy(2).plus(publish.publishWait).plusSeconds(15));
        int code = 1;
        try {
            code = command.isEmpty() ? session.attach(lifetime::await) : session.run(command, experimentId, runId, lifetime::await);
            code = session.profiledRun() != null && code == 0 ? forecast(session.profiledRun()) : code;
        } finally {
            try {
                if (publisher != null) {
                    publisher.close(); // waits up to --publish-wait for what Kafka has not taken, then saves it
                }
            } catch (RuntimeException e) {
                if (e != session.publishFailure()) { // events saved for replay, or a failure not reported yet
                    err.println("ampwatch follow: " + e.getMessage());
                    err.flush();
                }
                code = code == 0 ? 1 : code;
            }
            lifetime.closed();
        }
        return code;
    }

    /** --whole-run's JSON object, given inline or as a file's path; the combinations it cannot work with are refused. */
    private JsonNode wholeRunConfig(FollowDefaults defaults) {
        if (command.isEmpty() || fromFile != null || stepsPerEpoch != null || profileEpochs != null) {
            throw new ParameterException(spec.commandLine(), "--whole-run makes the command one run from its start to its exit: "
                    + "give the command after --, without --from-file, --steps-per-epoch or --profile-epochs (which read the "
                    + "trainer's own lines)");
        }
        String text = wholeRun;
        String from = "--whole-run";
        if (!text.strip().startsWith("{") && !text.strip().startsWith("[")) { // a file holding the JSON
            Path file = Path.of(text);
            from = "--whole-run " + text;
            try {
                text = java.nio.file.Files.readString(file, StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new ParameterException(spec.commandLine(), "cannot read " + from + ": " + (e instanceof java.nio.file.NoSuchFileException
                        ? "no such file" : e.toString()));
            }
        }
        JsonNode config;
        try {
            config = JsonFields.MAPPER.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ParameterException(spec.commandLine(), from + " is not JSON: " + e.getOriginalMessage());
        }
        if (config == null || !config.isObject()) {
            throw new ParameterException(spec.commandLine(), from + ": expected a JSON object (a run_started line's config), got "
                    + (config == null ? "nothing" : config.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        try { // checked as the run_started line it stands for, now: a usage error before anything starts (was exit 1; a review)
            new TrainerLines(defaults).wholeRun().startWholeRun(config);
        } catch (dev.ampwatch.trainer.json.JsonFieldException e) {
            throw new ParameterException(spec.commandLine(), from + ": " + e.getMessage());
        }
        return config;
    }

    /** Before a profiled trainer starts: an analyzer running, this host's readings arriving; says what is missing. */
    private boolean pipelineReady(Map<String, Object> client, String host) {
        PipelineCheck.Result check = PipelineCheck.run(client, kafka.topics(), applicationId, host, InstantSource.system());
        check.notes().forEach(n -> err.println("ampwatch follow: note: " + n));
        check.problems().forEach(problem -> err.println("ampwatch follow: " + problem));
        if (!check.ok()) {
            err.println("ampwatch follow: the trainer was not started (--no-pipeline-check starts it anyway)");
        }
        err.flush();
        return check.ok();
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
                err.println("ampwatch follow: no final record of run " + run + " within " + DurationConverter.text(wait)
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
}
