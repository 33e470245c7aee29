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
import picocli.CommandLine.Option;

@Command(name = "profile", mixinStandardHelpOptions = true,
        header = "Trains a configuration for its first epochs, then prints the whole run's forecast energy, time and CO2e.",
        description = {"Short profiling (docs/forecasts.md): trains a configuration for its first --profile-epochs of the",
            "--epochs planned, stops it, and prints the analyzer's forecast of the whole run: energy, time and CO2e with",
            "prediction intervals. Starts a broker, the analyzer and the power-agent here, unless --bootstrap-servers is",
            "given: then an analyzer and a power-agent for this host must be running. External trainers: follow --profile-epochs."})
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

    @Mixin
    TrainOptions train;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    AnalyzerOptions analyzer;

    @Override
    public Integer call() throws Exception {
        if (profileEpochs < analyzer.forecastAfterEpochs || profileEpochs >= train.epochs()) {
            throw new IllegalArgumentException("--profile-epochs " + profileEpochs + " must be at least --forecast-after-epochs ("
                    + analyzer.forecastAfterEpochs + ") and fewer than the planned --epochs (" + train.epochs() + ")");
        }
        Precision p = Precision.fromCliName(precision);
        if (kafka.hasBootstrap()) {
            Map<String, Object> client = kafka.reachableClientProperties();
            try (RunEnergyWatcher watcher = new RunEnergyWatcher(client, kafka.topics())) {
                return profile(client, watcher, HostId.orLocal(train.scope.host), p);
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

    private int profile(Map<String, Object> client, RunEnergyWatcher watcher, String host, Precision p) {
        TrainingOptions.Builder b = train.builder(p).host(host);
        if (runId != null) {
            b.runId(runId);
        }
        TrainingOptions options = b.build();
        String reason = ForecastReport.reason(profileEpochs, "ampwatch profile --profile-epochs " + profileEpochs);
        System.out.printf("profiling run %s: %s, %d of %d planned epochs ...%n", options.runId(), precision, profileEpochs, options.epochs());
        try (KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(client, kafka.topics().trainingEvents().name())) {
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
