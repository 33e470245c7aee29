package dev.ampwatch.cli;

import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Training settings shared by {@code train} and {@code demo}. */
final class TrainOptions {
    @Option(names = "--device", defaultValue = "auto",
            description = "auto, cpu, gpu or gpuN: auto takes the GPU (JCuda) when one works for the precision and says why not otherwise (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--batch-size", defaultValue = "128", description = "Samples per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--hidden", split = ",", defaultValue = "256,128", description = "Neurons per hidden layer (default: ${DEFAULT-VALUE}).")
    List<Integer> hidden;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--learning-rate", description = "Learning rate (default: 0.05 for sgd-momentum, 0.001 for adam).")
    Double learningRate;

    @Option(names = "--optimizer", defaultValue = "sgd-momentum", description = "sgd-momentum or adam (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of init, shuffling and generated data (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dataset", paramLabel = "DIR",
            description = "Directory of the Fashion-MNIST IDX files (default: /usr/share/datasets/fashion-mnist if present, else generated data, flagged as such).")
    Path dataset;

    @Option(names = "--train-limit", defaultValue = "0", description = "Use only the first N training samples; 0 = all (default).")
    int trainLimit;

    @Option(names = "--test-limit", defaultValue = "0", description = "Use only the first N test samples; 0 = all (default).")
    int testLimit;

    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--experiment-id", defaultValue = "default", description = "Experiment the run belongs to (default: ${DEFAULT-VALUE}).")
    String experimentId;

    @Option(names = "--host", converter = HostIdConverter.class,
            description = "Host id, as the power-agent writes it, and the events' Kafka key (default: " + HostIdConverter.DEFAULT + ").")
    String host;

    TrainingOptions.Builder builder(Precision precision) {
        TrainingOptions.Builder b = TrainingOptions.builder().precision(precision).batchSize(batchSize)
                .hiddenUnits(hidden).epochs(epochs).optimizer(OptimizerKind.fromCliName(optimizer)).seed(seed)
                .datasetDir(dataset).trainLimit(trainLimit).testLimit(testLimit).experimentId(experimentId);
        if (learningRate != null) {
            b.learningRate(learningRate);
        }
        if (threads != null) {
            b.threads(threads);
        }
        return b.host(HostId.orLocal(host));
    }
}
