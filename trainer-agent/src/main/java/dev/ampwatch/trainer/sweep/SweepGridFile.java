package dev.ampwatch.trainer.sweep;

import static dev.ampwatch.trainer.json.JsonFields.allowOnly;
import static dev.ampwatch.trainer.json.JsonFields.array;
import static dev.ampwatch.trainer.json.JsonFields.has;
import static dev.ampwatch.trainer.json.JsonFields.integerAtLeast;
import static dev.ampwatch.trainer.json.JsonFields.integers;
import static dev.ampwatch.trainer.json.JsonFields.longInteger;
import static dev.ampwatch.trainer.json.JsonFields.nonBlank;
import static dev.ampwatch.trainer.json.JsonFields.number;
import static dev.ampwatch.trainer.json.JsonFields.object;
import static dev.ampwatch.trainer.json.JsonFields.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ampwatch.trainer.json.JsonFieldException;
import dev.ampwatch.trainer.json.JsonFields;
import dev.ampwatch.trainer.model.ConvLayer;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a sweep grid file: one JSON object, every key optional (docs/trainer.md, example in
 * docs/examples/sweep-grid.json):
 *
 * <pre>
 * {
 *   "mode": "one-at-a-time",              // or "grid" (default)
 *   "precisions": ["fp32", "amp-fp16", "amp-bf16"],
 *   "batch_sizes": [64, 128, 256],
 *   "hidden": [[256, 128], [512, 256]],   // each entry: neurons per hidden layer
 *   "conv_layers": "c32k3s1,c64k3s2",     // every run: convolutions in front of the hidden layers (absent: MLPs)
 *   "epochs": [5, 10],
 *   "repeats": 3,
 *   "benchmark": {"precision": "fp32", "batch_size": 128, "hidden": [256, 128], "epochs": 5},
 *   "seed": 20240501,                     // order seed; absent: chosen at random and printed
 *   "cooldown": "30s",                    // 250ms, 30s, 2m, PT30S, or a number of seconds
 *   "experiment_id": "mp-sweep-1",
 *   "dataset": "/usr/share/datasets/fashion-mnist", "train_limit": 0, "test_limit": 0,
 *   "task": "classification",             // or "regression", with "dataset": "houses.parquet", "target": "price"
 *   "exclude": ["id"], "split_by": "site",  // a table's columns that are no features; rows of one site in one split
 *                                         // (or "split_by_time": "day": the latest rows are the test split)
 *   "optimizer": "sgd-momentum", "learning_rate": 0.05, "training_seed": 42,
 *   "inference": {"precisions": ["fp32", "int8"], "repeats": 3, "batch_size": 256},  // after each training run
 *   "comment": "free text, ignored"
 * }
 * </pre>
 *
 * (The comments above are for this page only; JSON has none, use {@code "comment"}.) Unknown keys,
 * duplicate keys, numbers written as strings and fractions where integers belong are refused with a
 * {@link JsonFieldException} naming the key.
 *
 * <p>Stateless and thread-safe.
 */
public final class SweepGridFile {
    static final List<String> KEYS = List.of("mode", "precisions", "batch_sizes", "hidden", "epochs", "repeats",
            "benchmark", "seed", "cooldown", "experiment_id", "dataset", "train_limit", "test_limit", "optimizer", "conv_layers",
            "learning_rate", "training_seed", "inference", "task", "target", "exclude", "split_by", "split_by_time", "comment");
    static final List<String> BENCHMARK_KEYS = List.of("precision", "batch_size", "hidden", "epochs");
    static final List<String> INFERENCE_KEYS = List.of("precisions", "repeats", "batch_size");
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

    private SweepGridFile() {}

    /** Reads and validates a grid file; messages start with the file name. */
    public static SweepGrid read(Path file) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("grid file " + file + " does not exist (" + file.toAbsolutePath() + ")", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException("grid file " + file + " cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read grid file " + file + ": " + e, e);
        }
        try {
            return parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("grid file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the text of a grid file. */
    public static SweepGrid parse(String json) {
        JsonNode root;
        try {
            root = JsonFields.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr();
            throw new JsonFieldException("", "is not valid JSON" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new JsonFieldException("", "is empty; expected a JSON object such as {\"precisions\": [\"fp32\", \"amp-bf16\"]}");
        }
        object(root, "");
        allowOnly(root, "", KEYS);

        SweepGrid.Builder b = SweepGrid.builder();
        RunSetting benchmark = RunSetting.defaults();
        if (has(root, "benchmark")) {
            benchmark = benchmark(object(root.get("benchmark"), "benchmark"), benchmark);
            b.benchmark(benchmark);
        }
        if (has(root, "mode")) {
            b.mode(parseWith(root.get("mode"), "mode", SweepMode::parse));
        }
        if (has(root, "precisions")) {
            b.precisions(list(root.get("precisions"), "precisions", (v, p) -> parseWith(v, p, Precision::fromCliName)));
        }
        if (has(root, "batch_sizes")) {
            b.batchSizes(integers(root.get("batch_sizes"), "batch_sizes", 1));
        }
        if (has(root, "hidden")) {
            b.hidden(list(root.get("hidden"), "hidden", (v, p) -> integers(v, p, 1)));
        }
        if (has(root, "epochs")) {
            b.epochs(integers(root.get("epochs"), "epochs", 1));
        }
        if (has(root, "repeats")) {
            b.repeats(integerAtLeast(root.get("repeats"), "repeats", 1));
        }
        if (has(root, "seed")) {
            b.seed(longInteger(root.get("seed"), "seed"));
        }
        if (has(root, "cooldown")) {
            b.cooldown(duration(root.get("cooldown"), "cooldown"));
        }
        if (has(root, "experiment_id")) {
            b.experimentId(nonBlank(root.get("experiment_id"), "experiment_id"));
        }
        if (has(root, "dataset")) {
            b.dataset(Path.of(nonBlank(root.get("dataset"), "dataset")));
        }
        if (has(root, "train_limit")) {
            b.trainLimit(integerAtLeast(root.get("train_limit"), "train_limit", 0));
        }
        if (has(root, "test_limit")) {
            b.testLimit(integerAtLeast(root.get("test_limit"), "test_limit", 0));
        }
        if (has(root, "optimizer")) {
            b.optimizer(parseWith(root.get("optimizer"), "optimizer", OptimizerKind::fromCliName));
        }
        if (has(root, "learning_rate")) {
            double lr = number(root.get("learning_rate"), "learning_rate");
            if (lr <= 0) {
                throw new JsonFieldException("learning_rate", "must be positive, got " + lr);
            }
            b.learningRate(lr);
        }
        if (has(root, "training_seed")) {
            b.trainingSeed(longInteger(root.get("training_seed"), "training_seed"));
        }
        if (has(root, "inference")) {
            b.inference(inference(object(root.get("inference"), "inference")));
        }
        if (has(root, "conv_layers")) {
            b.convLayers(parseWith(root.get("conv_layers"), "conv_layers", ConvLayer::parseList));
        }
        if (has(root, "task")) {
            b.task(parseWith(root.get("task"), "task", dev.ampwatch.trainer.model.Task::fromCliName));
        }
        if (has(root, "target")) {
            b.target(nonBlank(root.get("target"), "target"));
        }
        if (has(root, "exclude")) {
            List<String> exclude = new java.util.ArrayList<>();
            JsonNode list = root.get("exclude");
            if (!list.isArray()) {
                throw new IllegalArgumentException("exclude must be a list of column names, e.g. [\"id\"]");
            }
            list.forEach(c -> exclude.add(nonBlank(c, "exclude")));
            b.excludeColumns(exclude);
        }
        if (has(root, "split_by")) {
            b.splitBy(nonBlank(root.get("split_by"), "split_by"));
        }
        if (has(root, "split_by_time")) {
            b.splitByTime(nonBlank(root.get("split_by_time"), "split_by_time"));
        }
        if (has(root, "comment")) {
            text(root.get("comment"), "comment");
        }
        return b.build();
    }

    private static RunSetting benchmark(JsonNode node, RunSetting defaults) {
        allowOnly(node, "benchmark", BENCHMARK_KEYS);
        RunSetting s = defaults;
        if (has(node, "precision")) {
            s = s.withPrecision(parseWith(node.get("precision"), "benchmark.precision", Precision::fromCliName));
        }
        if (has(node, "batch_size")) {
            s = s.withBatchSize(integerAtLeast(node.get("batch_size"), "benchmark.batch_size", 1));
        }
        if (has(node, "hidden")) {
            s = s.withHiddenUnits(integers(node.get("hidden"), "benchmark.hidden", 1));
        }
        if (has(node, "epochs")) {
            s = s.withEpochs(integerAtLeast(node.get("epochs"), "benchmark.epochs", 1));
        }
        return s;
    }

    private static SweepInference inference(JsonNode node) {
        allowOnly(node, "inference", INFERENCE_KEYS);
        if (!has(node, "precisions")) {
            throw new JsonFieldException("inference.precisions", "is missing: list the inference precisions, e.g. [\"fp32\", \"int8\"]");
        }
        List<String> precisions = list(node.get("precisions"), "inference.precisions", (v, p) -> text(v, p));
        int repeats = has(node, "repeats") ? integerAtLeast(node.get("repeats"), "inference.repeats", 1) : SweepInference.DEFAULT_REPEATS;
        int batch = has(node, "batch_size") ? integerAtLeast(node.get("batch_size"), "inference.batch_size", 1)
                : SweepInference.DEFAULT_BATCH_SIZE;
        try {
            return new SweepInference(precisions, repeats, batch);
        } catch (IllegalArgumentException e) {
            throw new JsonFieldException("inference.precisions", e.getMessage().replaceFirst("^inference\\.precisions:? ?", ""));
        }
    }

    /** {@code 250ms}, {@code 30s}, {@code 1.5m}, {@code 1h}, ISO-8601 ({@code PT30S}), or a number of seconds. */
    static Duration duration(JsonNode v, String path) {
        if (v.isNumber()) {
            double seconds = number(v, path);
            if (seconds < 0) {
                throw new JsonFieldException(path, "must not be negative, got " + v);
            }
            return Duration.ofNanos(new BigDecimal(v.asText()).movePointRight(9).longValue());
        }
        String s = text(v, path).trim();
        Matcher m = SIMPLE_DURATION.matcher(s);
        if (m.matches()) {
            BigDecimal n = new BigDecimal(m.group(1));
            BigDecimal nanosPerUnit = BigDecimal.valueOf(switch (m.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            });
            return Duration.ofNanos(n.multiply(nanosPerUnit).longValue());
        }
        try {
            Duration d = Duration.parse(s);
            if (d.isNegative()) {
                throw new JsonFieldException(path, "must not be negative, got " + v);
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new JsonFieldException(path, "'" + s + "' is not a duration; use e.g. 250ms, 30s, 2m, 1h, PT30S or a number of seconds");
        }
    }

    private static <T> T parseWith(JsonNode v, String path, Function<String, T> parser) {
        String s = text(v, path);
        try {
            return parser.apply(s);
        } catch (IllegalArgumentException e) {
            throw new JsonFieldException(path, e.getMessage());
        }
    }

    private interface ElementReader<T> {
        T read(JsonNode value, String path);
    }

    private static <T> List<T> list(JsonNode v, String path, ElementReader<T> element) {
        array(v, path);
        List<T> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            out.add(element.read(v.get(i), path + "[" + i + "]"));
        }
        return out;
    }
}
