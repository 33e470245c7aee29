package dev.ampwatch.cli;

import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.model.ConvLayer;
import dev.ampwatch.trainer.model.LearningRateSchedule;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.model.Task;
import dev.ampwatch.trainer.precision.Precision;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Training settings shared by {@code train} and {@code demo}. */
final class TrainOptions {
    @Option(names = "--device", defaultValue = "auto", converter = DeviceConverter.class,
            description = "auto, cpu, gpu or gpuN: auto takes the GPU (JCuda) when one works for the precision and says why not otherwise;"
                    + " the demo takes one device for all its runs, the GPU only when it works for every precision (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--preset", defaultValue = "small", paramLabel = "small|wide|xl|cnn",
            description = "Model size: small (hidden 256,128, batch 128: the CPU demo), wide (hidden 2048,2048,2048, batch 1024), "
                    + "xl (hidden 8192,8192, batch 2048) or cnn (convolutions " + Preset.CNN_LAYERS + ", hidden 256, batch 256: "
                    + "an image classifier as im2col GEMMs); wide, xl and cnn are compute-bound on a data-centre GPU, where mixed "
                    + "precision's tensor cores show; --conv, --hidden and --batch-size override it (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--batch-size", description = "Samples per step (default: the preset's, 128 for small).")
    Integer batchSize;

    @Option(names = "--hidden", split = ",", description = "Neurons per hidden layer (default: the preset's, 256,128 for small).")
    List<Integer> hidden;

    @Option(names = "--conv", paramLabel = "c<channels>k<kernel>s<stride>,...",
            description = "Convolution layers in front of the hidden layers, e.g. c32k3s1,c64k3s2 (zero padding kernel/2, ReLU; "
                    + "the input read as a square image); 'none' for an MLP (default: the preset's, none but for cnn).")
    String conv;

    /** A model size: convolution layers, hidden layers and batch size. */
    record Preset(List<ConvLayer> conv, List<Integer> hidden, int batchSize) {
        static final String CNN_LAYERS = "c32k3s1,c64k3s2,c128k3s2";

        static Preset of(String name) {
            return switch (name == null ? "small" : name.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "small" -> new Preset(List.of(), List.of(256, 128), 128);
                case "wide" -> new Preset(List.of(), List.of(2048, 2048, 2048), 1024);
                case "xl" -> new Preset(List.of(), List.of(8192, 8192), 2048);
                case "cnn" -> new Preset(ConvLayer.parseList(CNN_LAYERS), List.of(256), 256);
                default -> throw new IllegalArgumentException("--preset " + name + ": expected small, wide, xl or cnn");
            };
        }
    }

    /** The --conv layers, or the preset's when not given. */
    static List<ConvLayer> convLayers(String conv, Preset preset) {
        if (conv == null) {
            return preset.conv();
        }
        return conv.trim().equalsIgnoreCase("none") ? List.of() : ConvLayer.parseList(conv);
    }

    @Option(names = "--epochs", description = "Epochs (default: 5; demo: 2).")
    Integer epochs;

    /** What the command uses without --epochs and --train-limit: 5 epochs of all samples (the demo's are shorter). */
    int defaultEpochs = 5;
    int defaultTrainLimit = 0;

    @Option(names = "--learning-rate", description = "Learning rate (default: 0.05 for sgd-momentum, 0.005 for a regression; 0.001 for adam).")
    Double learningRate;

    @Option(names = "--optimizer", defaultValue = "sgd-momentum", description = "sgd-momentum (sgd is the same) or adam (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr-schedule", defaultValue = "cosine",
            description = "How the learning rate moves over the planned epochs: cosine (decays to 0, per step) or constant "
                    + "(default: ${DEFAULT-VALUE}).")
    String lrSchedule;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of init, shuffling and generated data (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--train-limit", description = "Use only the first N training samples; 0 = all (default: all; demo: 12000). A table's"
            + " training rows come in the order of their hash: a subset chosen by content.")
    Integer trainLimit;

    @Option(names = "--task", defaultValue = "classification", paramLabel = "classification|regression",
            description = "What the model learns: classes (softmax cross-entropy, accuracy) or a number (mean squared error;"
                    + " RMSE, MAE and R² in the target's units). A regression learns --target of a table, or without"
                    + " --dataset generated data (Friedman #1) (default: ${DEFAULT-VALUE}).")
    String task;

    @Option(names = "--target", paramLabel = "COLUMN",
            description = "With --dataset FILE.parquet or FILE.csv: the column to learn; every other numeric column is a feature"
                    + " (but those of --exclude, --split-by and --split-by-time).")
    String target;

    @Option(names = "--exclude", split = ",", paramLabel = "COLUMN",
            description = "A table's columns that are no features (an id, a row number, a value that gives the answer away); "
                    + "every other numeric column but the target is one.")
    List<String> exclude = new java.util.ArrayList<>();

    @Option(names = "--split-by", paramLabel = "COLUMN",
            description = "A table's column whose value decides each row's split (test, validation, training), so rows of "
                    + "one value (one patient's, one machine's, one day's) never straddle training and test; no feature. "
                    + "Default: each row's own content decides.")
    String splitBy;

    @Option(names = "--split-by-time", paramLabel = "COLUMN",
            description = "A table's column of each row's time (a number, or ISO 8601 dates and times): the latest fifth of the"
                    + " rows is the test split, the rows just before them validation, so no future row trains a model scored"
                    + " on the past (forecasting); no feature. Later files: rows from the test cut-off on are test rows.")
    String splitByTime;

    /** --epochs, else the command's default. */
    int epochs() {
        return epochs != null ? epochs : defaultEpochs;
    }

    /** --train-limit, else the command's default. */
    int trainLimit() {
        return trainLimit != null ? trainLimit : defaultTrainLimit;
    }

    @Mixin
    RunScopeOptions scope;

    TrainingOptions.Builder builder(Precision precision) {
        Preset p = Preset.of(preset);
        TrainingOptions.Builder b = TrainingOptions.builder().precision(precision).batchSize(batchSize != null ? batchSize : p.batchSize())
                .hiddenUnits(hidden != null ? hidden : p.hidden()).convLayers(convLayers(conv, p)).epochs(epochs()).optimizer(OptimizerKind.fromCliName(optimizer))
                .learningRateSchedule(LearningRateSchedule.fromCliName(lrSchedule)).seed(seed)
                .datasetDir(scope.dataset).trainLimit(trainLimit()).testLimit(scope.testLimit).experimentId(scope.experimentId)
                .task(Task.fromCliName(task)).target(target).excludeColumns(exclude).splitBy(splitBy).splitByTime(splitByTime);
        if (learningRate != null) {
            b.learningRate(learningRate);
        }
        return b.threads(scope.threadsOrAllCores()).host(HostId.orLocal(scope.host));
    }
}
