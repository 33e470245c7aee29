package dev.ampwatch.trainer;

import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.trainer.data.TableColumns;
import dev.ampwatch.trainer.model.ConvLayer;
import dev.ampwatch.trainer.model.Task;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.LearningRateSchedule;
import dev.ampwatch.trainer.model.ModelFile;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.LossScaler;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Everything a training run is configured with. Build with {@link #builder()}; every option has a
 * default (see {@link Builder}). Immutable and thread-safe.
 *
 * @param precision GEMM precision (default fp32)
 * @param batchSize samples per optimizer step (default 128)
 * @param hiddenUnits neurons per hidden layer, input side first (default [256, 128])
 * @param epochs passes over the training set (default 5)
 * @param learningRate step size (default: the optimizer's, 0.05 for sgd-momentum (0.005 for a regression), 0.001 for adam)
 * @param optimizer sgd-momentum (default) or adam
 * @param learningRateSchedule how the rate moves over the planned epochs' steps (default cosine decay to 0)
 * @param seed seed of weight init, shuffling and generated data (default 42)
 * @param datasetDir Fashion-MNIST directory; empty: the default directory if present, else generated data
 * @param trainLimit keep only the first that many training samples; 0 (default) keeps all
 * @param testLimit keep only the first that many test samples; 0 (default) keeps all
 * @param threads CPU worker threads (default: available processors)
 * @param runId run id and Kafka key (default: random UUID)
 * @param experimentId experiment the run belongs to (default "default")
 * @param host host id as in PowerSample.host, the Kafka key of the events (default: {@link HostId#local()},
 *     as the power-agent's)
 * @param devices accelerator ids as in PowerSample.device (default empty; the CPU backend has none)
 * @param initialLossScale amp-fp16's starting loss scale (default 65536)
 * @param lossScaleGrowthInterval amp-fp16's good steps before the scale doubles (default 2000)
 * @param modelFile where the trained model is saved when the run completes ({@link ModelFile}); empty: not saved
 * @param convLayers convolution layers in front of the hidden layers, input side first (default none: an MLP)
 * @param task classification (default) or regression ({@link Task})
 * @param target the column a table's model learns ({@code datasetDir} a {@code .parquet} or {@code .csv} file)
 * @param excludeColumns a table's columns that are no features (default none)
 * @param splitBy a table's column whose value decides each row's split, so rows of one value share it (default: each
 *     row's own content decides)
 * @param splitByTime a table's column of each row's time: the latest rows are the test split (default none)
 */
public record TrainingOptions(Precision precision, int batchSize, List<Integer> hiddenUnits, int epochs,
        double learningRate, OptimizerKind optimizer, LearningRateSchedule learningRateSchedule, long seed, Optional<Path> datasetDir, int trainLimit,
        int testLimit, int threads, String runId, String experimentId, String host, List<String> devices,
        float initialLossScale, int lossScaleGrowthInterval, Optional<Path> modelFile, List<ConvLayer> convLayers,
        Task task, Optional<String> target, List<String> excludeColumns, Optional<String> splitBy, Optional<String> splitByTime) {

    public TrainingOptions {
        hiddenUnits = List.copyOf(hiddenUnits);
        devices = List.copyOf(devices);
        convLayers = List.copyOf(convLayers);
        require(batchSize >= 1, "batch size must be >= 1: " + batchSize);
        require(hiddenUnits.stream().allMatch(h -> h >= 1),
                "--hidden: every layer needs at least 1 neuron: " + hiddenUnits);
        require(epochs >= 1, "epochs must be >= 1: " + epochs);
        require(threads >= 1, "threads must be >= 1: " + threads);
        require(trainLimit >= 0 && testLimit >= 0, "sample limits must be >= 0 (0 = all)");
        require(!runId.isBlank() && !experimentId.isBlank(), "run id and experiment id must not be blank");
        java.util.Objects.requireNonNull(task, "task");
        require(target.isEmpty() || !target.get().isBlank(), "the target column must not be blank");
        excludeColumns = List.copyOf(excludeColumns);
        require(target.isPresent() || (excludeColumns.isEmpty() && splitBy.isEmpty() && splitByTime.isEmpty()),
                "--exclude, --split-by and --split-by-time name columns of a table: give it with --dataset FILE --target COLUMN");
        if (target.isPresent()) {
            new TableColumns(target.get(), excludeColumns, splitBy, splitByTime); // checks the columns
        }
        HostId.validate(host); // the join key with power samples: one rule for every producer
        hyperParameters(precision, optimizer, learningRate, seed, initialLossScale, lossScaleGrowthInterval);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The columns of a table the run reads, when it reads one ({@link #target()} given). */
    public Optional<TableColumns> tableColumns() {
        return target.map(t -> new TableColumns(t, excludeColumns, splitBy, splitByTime));
    }

    /** The backend-facing part of the options. */
    public HyperParameters hyperParameters() {
        return hyperParameters(precision, optimizer, learningRate, seed, initialLossScale, lossScaleGrowthInterval);
    }

    private static HyperParameters hyperParameters(Precision p, OptimizerKind o, double lr, long seed, float scale,
            int growth) {
        HyperParameters h = new HyperParameters(p, o, lr, seed, scale, growth);
        h.newLossScaler(); // validates the scaler settings up front
        return h;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Mutable builder; not thread-safe. Unset options take the defaults documented on the record. */
    public static final class Builder {
        private Precision precision = Precision.FP32;
        private int batchSize = 128;
        private List<Integer> hiddenUnits = List.of(256, 128);
        private int epochs = 5;
        private Double learningRate;
        private OptimizerKind optimizer = OptimizerKind.SGD_MOMENTUM;
        private LearningRateSchedule learningRateSchedule = LearningRateSchedule.COSINE;
        private long seed = 42;
        private Path datasetDir;
        private int trainLimit;
        private int testLimit;
        private int threads = Runtime.getRuntime().availableProcessors();
        private String runId;
        private String experimentId = "default";
        private String host;
        private List<String> devices = List.of();
        private float initialLossScale = LossScaler.DEFAULT_INITIAL_SCALE;
        private int lossScaleGrowthInterval = LossScaler.DEFAULT_GROWTH_INTERVAL;
        private Path modelFile;
        private List<ConvLayer> convLayers = List.of();
        private Task task = Task.CLASSIFICATION;
        private String target;
        private List<String> excludeColumns = List.of();
        private String splitBy;
        private String splitByTime;

        private Builder() {}

        public Builder precision(Precision v) { precision = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder hiddenUnits(List<Integer> v) { hiddenUnits = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder optimizer(OptimizerKind v) { optimizer = v; return this; }
        public Builder learningRateSchedule(LearningRateSchedule v) { learningRateSchedule = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        /** Null restores the default lookup (default directory, else generated data). */
        public Builder datasetDir(Path v) { datasetDir = v; return this; }
        public Builder trainLimit(int v) { trainLimit = v; return this; }
        public Builder testLimit(int v) { testLimit = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder runId(String v) { runId = v; return this; }
        public Builder experimentId(String v) { experimentId = v; return this; }
        public Builder host(String v) { host = v; return this; }
        public Builder devices(List<String> v) { devices = v; return this; }
        public Builder initialLossScale(float v) { initialLossScale = v; return this; }
        public Builder lossScaleGrowthInterval(int v) { lossScaleGrowthInterval = v; return this; }
        /** Null: the model is not saved. */
        public Builder saveModel(Path v) { modelFile = v; return this; }
        public Builder convLayers(List<ConvLayer> v) { convLayers = v; return this; }
        public Builder task(Task v) { task = v; return this; }
        /** Null: no target column (Fashion-MNIST, generated data). */
        public Builder target(String v) { target = v; return this; }
        public Builder excludeColumns(List<String> v) { excludeColumns = v; return this; }
        /** Null: each row's content decides its split. */
        public Builder splitBy(String v) { splitBy = v; return this; }
        /** Null: no split by time. */
        public Builder splitByTime(String v) { splitByTime = v; return this; }

        public TrainingOptions build() {
            return new TrainingOptions(precision, batchSize, hiddenUnits, epochs,
                    learningRate != null ? learningRate : optimizer.defaultLearningRate(task), optimizer,
                    Objects.requireNonNull(learningRateSchedule, "learningRateSchedule"), seed,
                    Optional.ofNullable(datasetDir), trainLimit, testLimit, threads,
                    runId != null ? runId : UUID.randomUUID().toString(), experimentId,
                    host != null ? host : HostId.local(), devices, initialLossScale, lossScaleGrowthInterval,
                    Optional.ofNullable(modelFile), convLayers, task, Optional.ofNullable(target), excludeColumns,
                    Optional.ofNullable(splitBy), Optional.ofNullable(splitByTime));
        }
    }
}
