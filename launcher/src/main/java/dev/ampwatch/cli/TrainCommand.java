package dev.ampwatch.cli;

import dev.ampwatch.trainer.DeviceChoice;
import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.TrainingResult;
import dev.ampwatch.trainer.kafka.KafkaTrainingPublisher;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Trains a model once and publishes its run and epoch events: a classifier of Fashion-MNIST (an MLP, or a CNN"
                + " with --conv or --preset cnn), or a classifier or regression (--task) of a Parquet or CSV table (--dataset FILE"
                + " --target COLUMN).")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--precision", defaultValue = "fp32", converter = TrainingPrecisionConverter.class, description = "fp32, tf32, amp-fp16 or amp-bf16 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--run-id", description = "Run id (default: a random UUID).")
    String runId;

    @Option(names = "--save-model", paramLabel = "FILE",
            description = "Save the trained model here when the run completes (a versioned, checksummed file: docs/trainer.md), "
                    + "to measure the same weights again.")
    Path saveModel;

    @Mixin
    TrainOptions train;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    PublishOptions publish;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /**
     * The run's options, every value checked before anything connects to Kafka or trains: a bad one (a hidden layer
     * of 0 neurons, a dataset that is not there) is a usage error naming the option (exit 2), as a wrong type is.
     */
    private TrainingOptions options() {
        try {
            TrainingOptions.Builder b = train.builder(Precision.fromCliName(precision));
            if (runId != null) {
                b.runId(runId);
            }
            TrainingOptions options = b.saveModel(saveModel).build();
            options.datasetDir().filter(d -> !java.nio.file.Files.exists(d)).ifPresent(d -> {
                throw new IllegalArgumentException("--dataset " + d + ": no such file or directory");
            });
            return options;
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    @Override
    public Integer call() {
        TrainingOptions options = options();
        java.util.Map<String, Object> client = kafka.reachableClientProperties();
        RunIdCheck.beforeStart(spec.commandLine(), client, kafka.topics(), runId, options.host(), "train");
        PipelineCheck.warnIfUnmeasured(client, kafka.topics(), options.host(), System.err::println, "train");
        try (KafkaTrainingPublisher publisher = publish.publisher(client, kafka, new java.io.PrintWriter(System.err, true), "train")) {
            TrainingResult result = DeviceChoice.train(train.device, options, publisher, System.out, ProgressBar.forTerminal(), job -> job);
            var last = result.last();
            String quality = last.getTestRmse() != null
                    ? String.format(java.util.Locale.ROOT, "test RMSE %.4g, MAE %.4g, R² %.4f", last.getTestRmse(),
                            last.getTestMae(), last.getTestR2() == null ? Double.NaN : last.getTestR2())
                    : "test accuracy " + ResultTable.quality(last);
            System.out.printf("run %s (%s): loss %.4f, %s, %.0f samples/s%n", result.runId(), options.precision().cliName(),
                    last.getLoss(), quality, last.getSamplesPerSecond());
        }
        return 0;
    }
}
