package dev.ampwatch.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a run's data comes from and whose run it is: the options training and inference share. */
final class RunScopeOptions {
    @Option(names = "--dataset", paramLabel = "DIR|FILE",
            description = "Directory of the Fashion-MNIST IDX files, or a table (.parquet, .csv, .csv.gz): train learns its"
                    + " --target, infer reads it as the model was trained to (default: /usr/share/datasets/fashion-mnist if"
                    + " present, else generated data, flagged as such).")
    Path dataset;

    @Option(names = "--test-limit", defaultValue = "0", description = "Use only the first N test samples; 0 = all (default). A table's"
            + " test rows come in the order of their hash: the first N are a subset chosen by content, not the file's first rows.")
    int testLimit;

    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--experiment-id", defaultValue = "default", description = "Experiment the run belongs to (default: ${DEFAULT-VALUE}).")
    String experimentId;

    @Option(names = "--host", converter = HostIdConverter.class,
            description = "Host id, as the power-agent writes it, and the events' Kafka key (default: " + HostIdConverter.DEFAULT + ").")
    String host;

    /** The threads given, else every core. */
    int threadsOrAllCores() {
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }
}
