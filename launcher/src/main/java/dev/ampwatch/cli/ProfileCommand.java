package dev.ampwatch.cli;

import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.trainer.DeviceChoice;
import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.kafka.KafkaTrainingPublisher;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "profile", mixinStandardHelpOptions = true,
        header = "Trains a configuration for its first epochs, then prints the whole run's forecast energy, time and CO2e.",
        description = {"Short profiling (docs/forecasts.md): trains a configuration for its first --profile-epochs of the",
            "--epochs planned, stops it, and prints the analyzer's forecast of the whole run: energy, time and CO2e with",
            "prediction intervals. Starts a broker, the analyzer and the power-agent here, unless --bootstrap-servers is",
            "given: then an analyzer and a power-agent for this host must be running (checked before training) and the analyzer's",
            "own settings apply (its --forecast-after-epochs, ...). External trainers: follow --profile-epochs."})
final class ProfileCommand implements Callable<Integer> {
    @Option(names = "--precision", defaultValue = "fp32", converter = TrainingPrecisionConverter.class, description = "fp32, tf32, amp-fp16 or amp-bf16 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--run-id", description = "Run id (default: a random UUID).")
    String runId;

    @Option(names = "--profile-epochs", defaultValue = "2", paramLabel = "K",
            description = "Epochs to train before stopping (at least --forecast-after-epochs, fewer than --epochs) (default: ${DEFAULT-VALUE}).")
    int profileEpochs;

    @Option(names = "--data-dir", defaultValue = "ampwatch-data", description = "Broker data and analyzer state when started here (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--sample-interval", defaultValue = "250ms", converter = DurationConverter.class,
            description = "Sampling interval of the power sources when started here (default: ${DEFAULT-VALUE}).")
    Duration sampleInterval;

    @Option(names = "--idle", defaultValue = "6s", converter = DurationConverter.class,
            description = "When started here: idle time measured before training, for the idle baseline of net energy (default: ${DEFAULT-VALUE}).")
    Duration idle;

    @Option(names = "--wait", defaultValue = "2m", converter = DurationConverter.class,
            description = "How long to wait for the analyzer's final record of the run (default: ${DEFAULT-VALUE}).")
    Duration wait;

    @Option(names = "--no-pipeline-check", description = "With --bootstrap-servers: train without first checking that an analyzer "
            + "runs (--application-id) and that this host's power readings arrive.")
    boolean noPipelineCheck;

    @Mixin
    TrainOptions train;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    PublishOptions publish;

    @Mixin
    AnalyzerOptions analyzer;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        boolean ownCluster = kafka.hasBootstrap();
        if (ownCluster) {
            refuseLocalOnlyOptions();
        }
        // on one's own cluster the running analyzer's K applies; 2 is the least any analyzer forecasts from
        int forecastAfter = ownCluster ? 2 : analyzer.forecastAfterEpochs;
        if (profileEpochs < forecastAfter || profileEpochs >= train.epochs()) {
            throw new ParameterException(spec.commandLine(), "--profile-epochs " + profileEpochs + " must be at least "
                    + (ownCluster ? "2" : "--forecast-after-epochs (" + forecastAfter + ")") + " and fewer than the planned --epochs ("
                    + train.epochs() + ")");
        }
        Precision p = Precision.fromCliName(precision);
        if (ownCluster) {
            Map<String, Object> client = kafka.reachableClientProperties();
            String host = HostId.orLocal(train.scope.host);
            RunIdCheck.beforeStart(spec.commandLine(), client, kafka.topics(), runId, host, "profile");
            if (!noPipelineCheck && !pipelineReady(client, host)) {
                return 1;
            }
            try (RunEnergyWatcher watcher = new RunEnergyWatcher(client, kafka.topics())) {
                return profile(client, watcher, host, p);
            }
        }
        try (LocalPipeline pipeline = LocalPipeline.start(dataDir, kafka, analyzer, sampleInterval, train.scope.host, -1)) {
            // the devices' idle power, so the forecast's net energy has a baseline to subtract
            System.out.println("measuring idle power for " + idle.toSeconds() + " s ...");
            Lifetime lifetime = new Lifetime();
            try {
                if (lifetime.await(idle)) {
                    return 130;
                }
            } finally {
                lifetime.closed();
            }
            return profile(pipeline.client, pipeline.watcher, pipeline.power.host(), p);
        }
    }

    /**
     * With --bootstrap-servers nothing is started here, so the options of what would be started here (the
     * analyzer's settings, the local power sampling, the data directory) would be silently ignored: refused.
     */
    private void refuseLocalOnlyOptions() {
        java.util.Set<String> localOnly = new java.util.HashSet<>(java.util.List.of("--data-dir", "--sample-interval", "--idle"));
        spec.mixins().get("analyzer").options().forEach(o -> localOnly.add(o.longestName()));
        localOnly.remove("--application-id"); // names the running analyzer: checked, and needed
        java.util.List<String> given = spec.commandLine().getParseResult().matchedOptions().stream().map(OptionSpec::longestName)
                .filter(localOnly::contains).distinct().sorted().toList();
        if (!given.isEmpty()) {
            throw new ParameterException(spec.commandLine(), String.join(", ", given) + (given.size() == 1 ? " applies" : " apply")
                    + " only to the analyzer and power sampling that profile starts here; with --bootstrap-servers the running "
                    + "analyzer's and power-agent's own settings are used: set them there");
        }
    }

    /** Before training on one's own cluster: an analyzer running, this host's readings arriving; says what is missing. */
    private boolean pipelineReady(Map<String, Object> client, String host) {
        PipelineCheck.Result check = PipelineCheck.run(client, kafka.topics(), analyzer.applicationId, host, java.time.InstantSource.system());
        check.notes().forEach(n -> System.err.println("ampwatch profile: note: " + n));
        check.problems().forEach(problem -> System.err.println("ampwatch profile: " + problem));
        if (!check.ok()) {
            System.err.println("ampwatch profile: nothing trained (--no-pipeline-check trains anyway)");
        }
        return check.ok();
    }

    private int profile(Map<String, Object> client, RunEnergyWatcher watcher, String host, Precision p) {
        TrainingOptions.Builder b = train.builder(p).host(host);
        if (runId != null) {
            b.runId(runId);
        }
        TrainingOptions options = b.build();
        String reason = ForecastReport.reason(profileEpochs, "ampwatch profile --profile-epochs " + profileEpochs);
        System.out.printf("profiling run %s: %s, %d of %d planned epochs ...%n", options.runId(), precision, profileEpochs, options.epochs());
        try (KafkaTrainingPublisher publisher = publish.publisher(client, kafka, new java.io.PrintWriter(System.err, true), "profile")) {
            DeviceChoice.train(train.device, options, publisher, System.out, ProgressBar.forTerminal(),
                    job -> job.stoppingAfter(profileEpochs, reason));
        }
        System.out.println("stopped after " + profileEpochs + " epochs; waiting for the analyzer's record of the run ...");
        RunEnergy run = watcher.awaitFinal(Set.of(options.runId()), wait).get(options.runId());
        if (run == null) {
            System.err.println("ampwatch: no final record of run " + options.runId() + " within " + DurationConverter.text(wait)
                    + " (is an analyzer running on these topics, and a power-agent on this host?)");
            return 1;
        }
        return ForecastReport.print(System.out, run);
    }
}
