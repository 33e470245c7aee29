package dev.ampwatch.trainer.sweep;

import dev.ampwatch.trainer.model.ConvLayer;
import dev.ampwatch.trainer.model.Task;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a sweep varies and how, as read from a grid file ({@link SweepGridFile}). Immutable and
 * thread-safe; build with {@link #builder()}, where every factor defaults to the benchmark's value.
 *
 * @param mode full grid or one factor at a time around the benchmark
 * @param precisions values of the precision factor
 * @param batchSizes values of the batch-size factor
 * @param hidden values of the hidden-layers factor (each a list of layer sizes)
 * @param epochs values of the epochs factor
 * @param repeats runs per configuration (>= 1)
 * @param benchmark the benchmark configuration, always part of the plan (default: {@link RunSetting#defaults()})
 * @param seed seed of the run order; empty: chosen when planning (and printed, so it is recorded)
 * @param cooldown pause between two runs (default 30 s)
 * @param experimentId experiment id of every run; empty: generated when planning
 * @param dataset Fashion-MNIST directory; empty: the default lookup, as {@code train}
 * @param trainLimit training samples kept (0 = all)
 * @param testLimit test samples kept (0 = all)
 * @param optimizer optimizer of every run
 * @param learningRate learning rate of every run; empty: the optimizer's default
 * @param trainingSeed training seed of repeat 1; repeat r uses {@code trainingSeed + r - 1}
 * @param inference inference runs after each completed training run (the model just trained); empty: none
 * @param convLayers convolution layers in front of the hidden layers of every run (default none: MLPs)
 * @param task what every run learns (default classification)
 * @param table the columns every run reads of a table ({@code dataset} a {@code .parquet} or {@code .csv} file): the target,
 *     the columns that are no features, the split's key column
 */
public record SweepGrid(SweepMode mode, List<Precision> precisions, List<Integer> batchSizes, List<List<Integer>> hidden,
        List<Integer> epochs, int repeats, RunSetting benchmark, Optional<Long> seed, Duration cooldown,
        Optional<String> experimentId, Optional<Path> dataset, int trainLimit, int testLimit, OptimizerKind optimizer,
        Optional<Double> learningRate, long trainingSeed, Optional<SweepInference> inference,
        List<ConvLayer> convLayers, Task task, Optional<dev.ampwatch.trainer.data.TableColumns> table) {

    public static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(30);

    public SweepGrid {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(benchmark, "benchmark");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(inference, "inference");
        convLayers = List.copyOf(convLayers);
        precisions = distinct("precisions", precisions);
        batchSizes = distinct("batch_sizes", batchSizes);
        hidden = distinct("hidden", hidden.stream().map(List::copyOf).toList());
        epochs = distinct("epochs", epochs);
        for (int b : batchSizes) {
            require(b >= 1, "batch_sizes: values must be >= 1: " + batchSizes);
        }
        for (int e : epochs) {
            require(e >= 1, "epochs: values must be >= 1: " + epochs);
        }
        for (List<Integer> h : hidden) {
            require(h.stream().allMatch(n -> n >= 1), "hidden: layer sizes must be >= 1: " + h);
        }
        require(repeats >= 1, "repeats must be >= 1: " + repeats);
        require(!cooldown.isNegative(), "cooldown must not be negative: " + cooldown);
        require(trainLimit >= 0 && testLimit >= 0, "train_limit and test_limit must be >= 0 (0 = all)");
        experimentId.ifPresent(id -> require(!id.isBlank(), "experiment_id must not be blank"));
        learningRate.ifPresent(lr -> require(lr > 0 && Double.isFinite(lr), "learning_rate must be positive: " + lr));
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(table, "table");
    }

    /** The column every run learns of a table. */
    public Optional<String> target() {
        return table.map(dev.ampwatch.trainer.data.TableColumns::target);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A copy with another order seed. */
    public SweepGrid withSeed(long v) {
        return new SweepGrid(mode, precisions, batchSizes, hidden, epochs, repeats, benchmark, Optional.of(v), cooldown,
                experimentId, dataset, trainLimit, testLimit, optimizer, learningRate, trainingSeed, inference, convLayers, task, table);
    }

    /** A copy with another experiment id. */
    public SweepGrid withExperimentId(String v) {
        return new SweepGrid(mode, precisions, batchSizes, hidden, epochs, repeats, benchmark, seed, cooldown,
                Optional.of(v), dataset, trainLimit, testLimit, optimizer, learningRate, trainingSeed, inference, convLayers, task, table);
    }

    /** A copy with another cool-down. */
    public SweepGrid withCooldown(Duration v) {
        return new SweepGrid(mode, precisions, batchSizes, hidden, epochs, repeats, benchmark, seed, v,
                experimentId, dataset, trainLimit, testLimit, optimizer, learningRate, trainingSeed, inference, convLayers, task, table);
    }

    private static <T> List<T> distinct(String name, List<T> values) {
        List<T> copy = List.copyOf(values);
        require(!copy.isEmpty(), name + " must list at least one value");
        require(new HashSet<>(copy).size() == copy.size(), name + " lists a value twice: " + copy);
        return copy;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Mutable builder; not thread-safe. A factor left unset takes the benchmark's value only. */
    public static final class Builder {
        private SweepMode mode = SweepMode.GRID;
        private List<Precision> precisions;
        private List<Integer> batchSizes;
        private List<List<Integer>> hidden;
        private List<Integer> epochs;
        private int repeats = 1;
        private RunSetting benchmark = RunSetting.defaults();
        private Long seed;
        private Duration cooldown = DEFAULT_COOLDOWN;
        private String experimentId;
        private Path dataset;
        private int trainLimit;
        private int testLimit;
        private OptimizerKind optimizer = OptimizerKind.SGD_MOMENTUM;
        private Double learningRate;
        private long trainingSeed = 42;
        private SweepInference inference;
        private List<ConvLayer> convLayers = List.of();
        private Task task = Task.CLASSIFICATION;
        private String target;
        private List<String> excludeColumns = List.of();
        private String splitBy;
        private String splitByTime;

        private Builder() {}

        public Builder mode(SweepMode v) { mode = v; return this; }
        public Builder precisions(List<Precision> v) { precisions = v; return this; }
        public Builder batchSizes(List<Integer> v) { batchSizes = v; return this; }
        public Builder hidden(List<List<Integer>> v) { hidden = v; return this; }
        public Builder epochs(List<Integer> v) { epochs = v; return this; }
        public Builder repeats(int v) { repeats = v; return this; }
        public Builder benchmark(RunSetting v) { benchmark = v; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder cooldown(Duration v) { cooldown = v; return this; }
        public Builder experimentId(String v) { experimentId = v; return this; }
        public Builder dataset(Path v) { dataset = v; return this; }
        public Builder trainLimit(int v) { trainLimit = v; return this; }
        public Builder testLimit(int v) { testLimit = v; return this; }
        public Builder optimizer(OptimizerKind v) { optimizer = v; return this; }
        public Builder learningRate(Double v) { learningRate = v; return this; }
        public Builder trainingSeed(long v) { trainingSeed = v; return this; }
        public Builder inference(SweepInference v) { inference = v; return this; }
        public Builder convLayers(List<ConvLayer> v) { convLayers = v; return this; }
        public Builder task(Task v) { task = v; return this; }
        public Builder target(String v) { target = v; return this; }
        public Builder excludeColumns(List<String> v) { excludeColumns = v; return this; }
        public Builder splitBy(String v) { splitBy = v; return this; }
        public Builder splitByTime(String v) { splitByTime = v; return this; }

        public SweepGrid build() {
            require(target != null || (excludeColumns.isEmpty() && splitBy == null && splitByTime == null),
                    "exclude, split_by and split_by_time name columns of a table: give \"dataset\" and \"target\" too");
            return new SweepGrid(mode,
                    precisions != null ? precisions : List.of(benchmark.precision()),
                    batchSizes != null ? batchSizes : List.of(benchmark.batchSize()),
                    hidden != null ? hidden : List.of(benchmark.hiddenUnits()),
                    epochs != null ? epochs : List.of(benchmark.epochs()),
                    repeats, benchmark, Optional.ofNullable(seed), cooldown, Optional.ofNullable(experimentId),
                    Optional.ofNullable(dataset), trainLimit, testLimit, optimizer, Optional.ofNullable(learningRate),
                    trainingSeed, Optional.ofNullable(inference), convLayers, task, Optional.ofNullable(target)
                            .map(t -> new dev.ampwatch.trainer.data.TableColumns(t, excludeColumns, Optional.ofNullable(splitBy),
                                    Optional.ofNullable(splitByTime))));
        }
    }
}
