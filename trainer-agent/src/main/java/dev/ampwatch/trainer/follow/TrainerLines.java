package dev.ampwatch.trainer.follow;

import static dev.ampwatch.trainer.follow.JsonFields.allowOnly;
import static dev.ampwatch.trainer.follow.JsonFields.bool;
import static dev.ampwatch.trainer.follow.JsonFields.has;
import static dev.ampwatch.trainer.follow.JsonFields.integerAtLeast;
import static dev.ampwatch.trainer.follow.JsonFields.integers;
import static dev.ampwatch.trainer.follow.JsonFields.longInteger;
import static dev.ampwatch.trainer.follow.JsonFields.nonBlank;
import static dev.ampwatch.trainer.follow.JsonFields.number;
import static dev.ampwatch.trainer.follow.JsonFields.object;
import static dev.ampwatch.trainer.follow.JsonFields.required;
import static dev.ampwatch.trainer.follow.JsonFields.texts;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.TrainingEvent;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Turns the lines an external trainer prints (or writes to a file) into {@link TrainingEvent}s.
 *
 * <p>The format (docs/trainer.md): one JSON object per line with the marker field {@code "ampwatch"}
 * naming the event, {@code run_started}, {@code epoch_started}, {@code epoch_completed},
 * {@code run_completed} or {@code run_failed}, and otherwise TrainingEvent's snake_case fields:
 *
 * <pre>
 * {"ampwatch": "run_started", "event_time": 1763892000.25, "config": {"precision": "amp-bf16", "batch_size": 256,
 *   "hidden_units": [512, 256], "epochs": 2, "learning_rate": 0.05, "optimizer": "sgd-momentum",
 *   "dataset": "fashion-mnist", "train_samples": 60000, "parameter_count": 535818}}
 * {"ampwatch": "epoch_started", "epoch": 1}
 * {"ampwatch": "epoch_completed", "epoch": 1, "metrics": {"loss": 0.53, "test_accuracy": 0.84, "samples": 60000, "duration_ms": 5000}}
 * {"ampwatch": "run_completed"}
 * </pre>
 *
 * <p>A line in replay's format (docs/replay.md: the same fields with {@code "kind": "RUN_STARTED"})
 * becomes a follow line by adding {@code "ampwatch": true}; when both are given they must agree.
 *
 * <p>Every other line (not starting with <code>{</code>, not JSON, or JSON without the marker) is
 * {@link Passthrough passed through} untouched. A marked line that is not valid is
 * {@link Rejected rejected} with a message naming the field (numbers written as strings, unknown
 * fields, missing required fields, fields on the wrong kind of event).
 *
 * <p>Filled in when absent: {@code run_id}, {@code experiment_id}, {@code host}, {@code devices},
 * {@code config.backend} and {@code config.device_name} from the {@link FollowDefaults};
 * {@code event_time} from the clock (when the line is read, so a trainer should stamp its own);
 * {@code metrics.duration_ms} from the epoch's EPOCH_STARTED; {@code metrics.samples_per_second}
 * from samples and duration; {@code metrics.skipped_steps} 0; {@code config.hidden_units} empty;
 * {@code config.dataset_synthetic} false. {@code event_time} is an ISO-8601 instant with an offset
 * ({@code 2026-11-23T10:00:00.250Z}), a number of seconds since the epoch (Python's
 * {@code time.time()}), or integer milliseconds since the epoch (any number above 10^11).
 *
 * <p>Keeps track of the runs it has seen so {@link #failUnfinished} can end the ones a dying trainer
 * left open. Not thread-safe: one instance reads one trainer's lines in order.
 */
public final class TrainerLines {
    /** The marker field whose presence makes a JSON line an ampwatch event. */
    public static final String MARKER = "ampwatch";
    private static final String KIND_NAMES = "run_started, epoch_started, epoch_completed, run_completed or run_failed";
    static final List<String> COMMON_FIELDS = List.of(MARKER, "kind", "run_id", "experiment_id", "host", "devices", "event_time");
    static final List<String> CONFIG_FIELDS = List.of("precision", "batch_size", "hidden_units", "epochs", "learning_rate",
            "optimizer", "dataset", "dataset_synthetic", "train_samples", "parameter_count", "flops_per_sample",
            "device_name", "backend", "seed");
    static final List<String> METRICS_FIELDS = List.of("loss", "train_accuracy", "test_accuracy", "samples",
            "samples_per_second", "duration_ms", "skipped_steps");
    /** Numbers above this are integer milliseconds since the epoch, below it seconds (as in replay). */
    private static final BigDecimal MAX_EPOCH_SECONDS = new BigDecimal("1e11");
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    /** What became of one line. */
    public sealed interface Outcome permits Passthrough, Event, Rejected {}

    /** Not an ampwatch line: the trainer's own output, to be shown as it is. */
    public record Passthrough(String line) implements Outcome {}

    /** A valid ampwatch line and the event it stands for. */
    public record Event(TrainingEvent event) implements Outcome {}

    /** An ampwatch line that cannot be published; {@code reason} names the field and what is wrong. */
    public record Rejected(long lineNumber, String line, String reason) implements Outcome {
        /** {@code line N: reason}. */
        public String message() {
            return "line " + lineNumber + ": " + reason;
        }
    }

    private static final class RunState {
        final Map<Integer, Instant> epochStarts = new HashMap<>();
        boolean started;
        boolean ended;
        String experimentId;
        String host;
        List<String> devices;
    }

    private final FollowDefaults defaults;
    private final InstantSource clock;
    private final Supplier<String> newRunId;
    private final Map<String, RunState> runs = new LinkedHashMap<>();
    private final String fallbackRunId;
    private boolean fallbackUsed;
    private String current;
    private long lineNumber;

    /** With the system clock and random UUIDs as run ids. */
    public TrainerLines(FollowDefaults defaults) {
        this(defaults, InstantSource.system(), () -> UUID.randomUUID().toString());
    }

    public TrainerLines(FollowDefaults defaults, InstantSource clock, Supplier<String> newRunId) {
        this.defaults = Objects.requireNonNull(defaults);
        this.clock = Objects.requireNonNull(clock);
        this.newRunId = Objects.requireNonNull(newRunId);
        this.fallbackRunId = defaults.runId().orElseGet(newRunId);
    }

    /** Reads the next line (without its line terminator). */
    public Outcome accept(String line) {
        lineNumber++;
        String trimmed = line.strip();
        if (!trimmed.startsWith("{")) {
            return new Passthrough(line);
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(trimmed);
        } catch (JsonProcessingException e) {
            if (trimmed.contains("\"" + MARKER + "\"")) {
                return new Rejected(lineNumber, line, "is not valid JSON: " + e.getOriginalMessage());
            }
            return new Passthrough(line);
        }
        if (root == null || !root.isObject() || !root.has(MARKER)) {
            return new Passthrough(line);
        }
        try {
            return new Event(event(root));
        } catch (JsonFieldException e) {
            return new Rejected(lineNumber, line, e.getMessage());
        }
    }

    /** Lines read so far. */
    public long lineNumber() {
        return lineNumber;
    }

    /** Ids of the runs that started and have not completed or failed, in the order they started. */
    public List<String> openRuns() {
        return runs.entrySet().stream().filter(e -> e.getValue().started && !e.getValue().ended).map(Map.Entry::getKey).toList();
    }

    /** Whether any event has been read. */
    public boolean anyEvent() {
        return !runs.isEmpty();
    }

    /**
     * RUN_FAILED events, stamped now, for every open run (then closed), e.g. when the trainer died.
     * When no event was read at all and {@code evenIfNoneSeen}, one RUN_FAILED for the default run id,
     * so the failure is on record under the experiment.
     */
    public List<TrainingEvent> failUnfinished(String reason, boolean evenIfNoneSeen) {
        Instant now = now();
        List<TrainingEvent> out = new ArrayList<>();
        if (runs.isEmpty()) {
            if (evenIfNoneSeen) {
                RunState s = state(fallbackRunId);
                s.ended = true;
                out.add(base(fallbackRunId, s, now, EventKind.RUN_FAILED).setFailureReason(reason).build());
            }
            return out;
        }
        for (String id : openRuns()) {
            RunState s = runs.get(id);
            s.ended = true;
            out.add(base(id, s, now, EventKind.RUN_FAILED).setFailureReason(reason).build());
        }
        return out;
    }

    private TrainingEvent event(JsonNode root) {
        EventKind kind = kind(root);
        List<String> allowed = new ArrayList<>(COMMON_FIELDS);
        switch (kind) {
            case RUN_STARTED -> allowed.add("config");
            case EPOCH_STARTED -> allowed.add("epoch");
            case EPOCH_COMPLETED -> allowed.addAll(List.of("epoch", "metrics"));
            case RUN_FAILED -> allowed.add("failure_reason");
            default -> { }
        }
        for (String field : List.of("config", "epoch", "metrics", "failure_reason")) {
            if (has(root, field) && !allowed.contains(field)) {
                throw new JsonFieldException(field, "does not belong on " + name(kind) + " (only on "
                        + switch (field) {
                            case "config" -> "run_started";
                            case "epoch" -> "epoch_started and epoch_completed";
                            case "metrics" -> "epoch_completed";
                            default -> "run_failed";
                        } + ")");
            }
        }
        allowOnly(root, "", allowed);

        // read everything before touching the run state, so a rejected line changes nothing
        String givenRunId = has(root, "run_id") ? nonBlank(root.get("run_id"), "run_id") : null;
        String experimentId = has(root, "experiment_id") ? nonBlank(root.get("experiment_id"), "experiment_id") : null;
        String host = has(root, "host") ? nonBlank(root.get("host"), "host") : null;
        List<String> devices = has(root, "devices") ? texts(root.get("devices"), "devices") : null;
        Instant at = has(root, "event_time") ? eventTime(root.get("event_time"), "event_time") : now();
        Integer epoch = allowed.contains("epoch") ? integerAtLeast(required(root, "epoch", "epoch"), "epoch", 1) : null;
        RunConfig config = kind == EventKind.RUN_STARTED ? config(object(required(root, "config", "config"), "config")) : null;
        JsonNode metricsNode = kind == EventKind.EPOCH_COMPLETED ? object(required(root, "metrics", "metrics"), "metrics") : null;
        String reason = kind == EventKind.RUN_FAILED
                ? (has(root, "failure_reason") ? nonBlank(root.get("failure_reason"), "failure_reason") : "reported by the trainer")
                : null;

        String runId = runId(givenRunId, kind);
        RunState existing = runs.get(runId);
        if (existing != null && existing.ended) {
            throw new JsonFieldException("run_id", "run " + runId + " has already ended; " + name(kind) + " comes too late");
        }
        if (kind == EventKind.RUN_STARTED && existing != null && existing.started) {
            throw new JsonFieldException("run_id", "run " + runId + " has already started; give each run its own run_id");
        }
        EpochMetrics metrics = metricsNode == null ? null
                : metrics(metricsNode, existing == null ? null : existing.epochStarts.get(epoch), at);

        RunState s = state(runId);
        // a run's events share experiment, host and devices: later lines inherit what RUN_STARTED said
        if (experimentId != null) {
            s.experimentId = experimentId;
        }
        if (host != null) {
            s.host = host;
        }
        if (devices != null) {
            s.devices = List.copyOf(devices);
        }
        TrainingEvent.Builder b = base(runId, s, at, kind);
        switch (kind) {
            case RUN_STARTED -> {
                s.started = true;
                current = runId;
                b.setConfig(config);
            }
            case EPOCH_STARTED -> {
                s.epochStarts.put(epoch, at);
                b.setEpoch(epoch);
            }
            case EPOCH_COMPLETED -> b.setEpoch(epoch).setMetrics(metrics);
            case RUN_COMPLETED -> s.ended = true;
            case RUN_FAILED -> {
                s.ended = true;
                b.setFailureReason(reason);
            }
            default -> throw new IllegalStateException("unreachable: " + kind);
        }
        return b.build();
    }

    private String runId(String given, EventKind kind) {
        if (given != null) {
            return given;
        }
        if (kind == EventKind.RUN_STARTED) {
            if (!fallbackUsed || defaults.runId().isPresent()) {
                fallbackUsed = true;
                return fallbackRunId;
            }
            return newRunId.get();
        }
        if (current != null) {
            return current;
        }
        fallbackUsed = true;
        return fallbackRunId;
    }

    private RunState state(String runId) {
        return runs.computeIfAbsent(runId, id -> {
            RunState s = new RunState();
            s.experimentId = defaults.experimentId();
            s.host = defaults.host();
            s.devices = defaults.devices();
            return s;
        });
    }

    private static TrainingEvent.Builder base(String runId, RunState s, Instant at, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId(runId).setExperimentId(s.experimentId).setHost(s.host)
                .setDevices(s.devices).setEventTime(at).setKind(kind);
    }

    /** The kind from the marker's value, or from {@code kind} when the marker is {@code true}; both must agree. */
    private static EventKind kind(JsonNode root) {
        JsonNode marker = root.get(MARKER);
        JsonNode kindField = root.get("kind");
        if (marker.isBoolean() && marker.booleanValue()) {
            if (kindField == null || kindField.isNull()) {
                throw new JsonFieldException("kind", "is missing (required when \"ampwatch\" is true)");
            }
            return parseKind(kindField, "kind");
        }
        if (!marker.isTextual()) {
            throw new JsonFieldException(MARKER, "expected the event's name (" + KIND_NAMES + ") or true, got "
                    + JsonFields.describe(marker));
        }
        EventKind kind = parseKind(marker, MARKER);
        if (kindField != null && !kindField.isNull() && parseKind(kindField, "kind") != kind) {
            throw new JsonFieldException("kind", "says " + kindField + " but \"ampwatch\" says " + marker);
        }
        return kind;
    }

    private static EventKind parseKind(JsonNode v, String path) {
        if (v.isTextual()) {
            String n = v.asText().trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (EventKind k : EventKind.values()) {
                if (k != EventKind.UNKNOWN && k.name().equals(n)) {
                    return k;
                }
            }
            throw new JsonFieldException(path, "unknown event '" + v.asText() + "'; expected " + KIND_NAMES);
        }
        throw new JsonFieldException(path, "expected the event's name (" + KIND_NAMES + "), got " + JsonFields.describe(v));
    }

    private RunConfig config(JsonNode c) {
        allowOnly(c, "config", CONFIG_FIELDS);
        RunConfig.Builder b = RunConfig.newBuilder()
                .setPrecision(nonBlank(required(c, "precision", "config.precision"), "config.precision"))
                .setBatchSize(integerAtLeast(required(c, "batch_size", "config.batch_size"), "config.batch_size", 1))
                .setHiddenUnits(has(c, "hidden_units") ? integers(c.get("hidden_units"), "config.hidden_units", 1) : List.of())
                .setEpochs(integerAtLeast(required(c, "epochs", "config.epochs"), "config.epochs", 1))
                .setLearningRate(positive(required(c, "learning_rate", "config.learning_rate"), "config.learning_rate"))
                .setOptimizer(nonBlank(required(c, "optimizer", "config.optimizer"), "config.optimizer"))
                .setDataset(nonBlank(required(c, "dataset", "config.dataset"), "config.dataset"))
                .setDatasetSynthetic(has(c, "dataset_synthetic") && bool(c.get("dataset_synthetic"), "config.dataset_synthetic"))
                .setTrainSamples(nonNegative(required(c, "train_samples", "config.train_samples"), "config.train_samples"))
                .setParameterCount(nonNegative(required(c, "parameter_count", "config.parameter_count"), "config.parameter_count"))
                .setFlopsPerSample(has(c, "flops_per_sample") ? positive(c.get("flops_per_sample"), "config.flops_per_sample") : null)
                .setDeviceName(has(c, "device_name") ? nonBlank(c.get("device_name"), "config.device_name") : defaults.deviceName())
                .setBackend(has(c, "backend") ? nonBlank(c.get("backend"), "config.backend") : defaults.backend())
                .setSeed(has(c, "seed") ? longInteger(c.get("seed"), "config.seed") : null);
        return b.build();
    }

    private static EpochMetrics metrics(JsonNode m, Instant epochStart, Instant at) {
        allowOnly(m, "metrics", METRICS_FIELDS);
        long samples = nonNegative(required(m, "samples", "metrics.samples"), "metrics.samples");
        long durationMs;
        if (has(m, "duration_ms")) {
            durationMs = nonNegative(m.get("duration_ms"), "metrics.duration_ms");
        } else if (epochStart != null && !at.isBefore(epochStart)) {
            durationMs = Duration.between(epochStart, at).toMillis();
        } else {
            throw new JsonFieldException("metrics.duration_ms", "is missing (required unless this epoch's epoch_started was read)");
        }
        double throughput;
        if (has(m, "samples_per_second")) {
            throughput = number(m.get("samples_per_second"), "metrics.samples_per_second");
            if (throughput < 0) {
                throw new JsonFieldException("metrics.samples_per_second", "must be >= 0, got " + throughput);
            }
        } else {
            throughput = durationMs > 0 ? samples * 1000.0 / durationMs : 0;
        }
        return EpochMetrics.newBuilder()
                .setLoss(number(required(m, "loss", "metrics.loss"), "metrics.loss"))
                .setTrainAccuracy(has(m, "train_accuracy") ? fraction(m.get("train_accuracy"), "metrics.train_accuracy") : null)
                .setTestAccuracy(has(m, "test_accuracy") ? fraction(m.get("test_accuracy"), "metrics.test_accuracy") : null)
                .setSamples(samples)
                .setSamplesPerSecond(throughput)
                .setDurationMs(durationMs)
                .setSkippedSteps(has(m, "skipped_steps") ? integerAtLeast(m.get("skipped_steps"), "metrics.skipped_steps", 0) : 0)
                .build();
    }

    private static double fraction(JsonNode v, String path) {
        double d = number(v, path);
        if (d < 0 || d > 1) {
            throw new JsonFieldException(path, "must be within 0..1 (a fraction, not a percentage), got " + v);
        }
        return d;
    }

    private static double positive(JsonNode v, String path) {
        double d = number(v, path);
        if (d <= 0) {
            throw new JsonFieldException(path, "must be positive, got " + v);
        }
        return d;
    }

    private static long nonNegative(JsonNode v, String path) {
        long n = longInteger(v, path);
        if (n < 0) {
            throw new JsonFieldException(path, "must be >= 0, got " + n);
        }
        return n;
    }

    /** An ISO-8601 instant with an offset, or seconds since the epoch; truncated to microseconds. */
    static Instant eventTime(JsonNode v, String path) {
        if (v.isNumber()) {
            BigDecimal seconds = v.decimalValue();
            if (seconds.compareTo(MAX_EPOCH_SECONDS) > 0) {
                if (!v.isIntegralNumber()) {
                    throw new JsonFieldException(path, "expected seconds since the epoch (e.g. Python's time.time()) or integer "
                            + "milliseconds, got " + v + ", which looks like milliseconds with a fraction");
                }
                seconds = seconds.movePointLeft(3); // integer milliseconds, as replay reads them
            }
            if (seconds.signum() < 0) {
                throw new JsonFieldException(path, "must not be before 1970, got " + v);
            }
            BigDecimal micros = seconds.movePointRight(6);
            return Instant.EPOCH.plus(micros.longValue(), ChronoUnit.MICROS);
        }
        if (!v.isTextual()) {
            throw new JsonFieldException(path, "expected an ISO-8601 instant or seconds since the epoch, got " + JsonFields.describe(v));
        }
        try {
            return OffsetDateTime.parse(v.asText().trim()).toInstant().truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            throw new JsonFieldException(path, "'" + v.asText() + "' is not an ISO-8601 instant with an offset "
                    + "(e.g. 2026-11-23T10:00:00.250Z) nor a number of seconds since the epoch");
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static String name(EventKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    /** The event's name in the line format, e.g. {@code epoch_completed}. */
    public static String lineName(EventKind kind) {
        return name(kind);
    }
}
