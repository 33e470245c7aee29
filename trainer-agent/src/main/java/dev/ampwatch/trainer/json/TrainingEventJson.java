package dev.ampwatch.trainer.json;

import static dev.ampwatch.trainer.json.JsonFields.has;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunPhase;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.host.HostId;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A {@link TrainingEvent} as one JSON object with the Avro schema's snake_case field names:
 * {@code run_id}, {@code experiment_id}, {@code host}, {@code devices}, {@code event_time},
 * {@code kind}, {@code epoch}, {@code config} {...}, {@code metrics} {...}, {@code failure_reason}.
 * Two uses, chosen by the {@link Options}:
 * <ul>
 *   <li>{@link Options#REPLAY} ({@code ampwatch replay --events}, docs/replay.md): every required
 *       field present; {@code event_time} as {@link Timestamps} reads it. The producers' markers are
 *       read too: a PROGRESS with a {@code run_id} is the run's, one without (or with an empty one) and
 *       a STREAM_END are host-wide and have empty run and experiment ids.</li>
 *   <li>{@link Options#follow} ({@code ampwatch follow}, docs/trainer.md): the event named by the
 *       {@code "ampwatch"} marker, run id, experiment id, host and devices left out where the line has
 *       none (the caller fills them in), {@code event_time} the clock's when absent,
 *       {@code config.backend} and {@code config.device_name} from the options,
 *       {@code config.hidden_units} empty, {@code metrics.duration_ms} from the epoch's start and
 *       {@code metrics.samples_per_second} from samples and duration.</li>
 * </ul>
 * Strict in both: unknown fields, duplicate fields, wrong types, out-of-range values and fields on the
 * wrong kind of event are refused with a {@link JsonFieldException} naming the field path (e.g.
 * {@code config.batch_size}). A JSON {@code null} is the same as leaving a field out. Thread-safe.
 */
public final class TrainingEventJson {
    /** The marker field of follow's lines; its value names the event. */
    public static final String MARKER = "ampwatch";
    public static final List<String> EVENT_FIELDS = List.of("run_id", "experiment_id", "host", "devices", "event_time", "kind",
            "epoch", "config", "metrics", "failure_reason");
    public static final List<String> CONFIG_FIELDS = List.of("precision", "batch_size", "hidden_units", "epochs", "learning_rate",
            "optimizer", "dataset", "dataset_synthetic", "train_samples", "parameter_count", "flops_per_sample",
            "device_name", "backend", "seed", "learning_rate_schedule", "validation_samples", "phase", "conv_layers", "task", "benchmark",
            "whole_command");
    public static final List<String> METRICS_FIELDS = List.of("loss", "train_accuracy", "validation_accuracy", "test_accuracy", "samples",
            "samples_per_second", "duration_ms", "skipped_steps", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms",
            "train_rmse", "validation_rmse", "test_rmse", "test_mae", "test_r2");

    /** Where an epoch started: the event time of its EPOCH_STARTED, or null when none was read. */
    @FunctionalInterface
    public interface EpochStarts {
        /** @param runId the line's {@code run_id}; null when it has none */
        Instant of(String runId, int epoch);
    }

    /**
     * How a line is read: replay's strict format, or follow's.
     *
     * @param follow follow's format: marker, defaults, follow's messages
     * @param clock {@code event_time} of follow lines without one
     * @param backend {@code config.backend} of follow lines without one
     * @param deviceName {@code config.device_name} of follow lines without one
     * @param epochStarts for {@code metrics.duration_ms} of follow lines without one
     */
    public record Options(boolean follow, InstantSource clock, String backend, String deviceName, EpochStarts epochStarts) {
        /** Replay's: every required field present, nothing filled in. */
        public static final Options REPLAY = new Options(false, null, null, null, null);

        public static Options follow(InstantSource clock, String backend, String deviceName, EpochStarts epochStarts) {
            return new Options(true, Objects.requireNonNull(clock), Objects.requireNonNull(backend),
                    Objects.requireNonNull(deviceName), Objects.requireNonNull(epochStarts));
        }
    }

    private TrainingEventJson() {}

    /**
     * Reads one event from one line of replay's JSON lines ({@link Options#REPLAY}).
     *
     * @throws JsonFieldException naming the field and value, and what would be accepted
     */
    public static TrainingEvent parse(String line) {
        JsonNode root;
        try {
            root = JsonFields.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at character " + e.getLocation().getColumnNr();
            throw new JsonFieldException(null, null, "is not valid JSON" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new JsonFieldException(null, null, "is empty; expected one JSON object per line");
        }
        if (!root.isObject()) {
            throw new JsonFieldException(null, null, "is a JSON " + root.getNodeType().name().toLowerCase(Locale.ROOT)
                    + ", not an object; expected one JSON object per line, e.g. "
                    + "{\"run_id\":\"r1\",\"experiment_id\":\"e1\",\"host\":\"rig\",\"event_time\":\"2026-11-23T10:00:00Z\",\"kind\":\"RUN_STARTED\"}");
        }
        return read(root, Options.REPLAY).build();
    }

    /**
     * Reads one event from a JSON object. With {@link Options#follow}, {@code run_id},
     * {@code experiment_id}, {@code host} and {@code devices} are set only where the object has them.
     *
     * @throws JsonFieldException naming the field, and what would be accepted
     */
    public static TrainingEvent.Builder read(JsonNode root, Options o) {
        boolean follow = o.follow();
        FieldRules r = follow ? FollowFieldRules.INSTANCE : ReplayFieldRules.INSTANCE;
        EventKind kind = follow ? FollowFieldRules.kind(root) : null;
        r.allowOnly(root, "", follow ? FollowFieldRules.fieldsOn(root, kind) : EVENT_FIELDS);

        TrainingEvent.Builder b = TrainingEvent.newBuilder();
        EventKind marker = follow ? null : ReplayFieldRules.hostWideMarker(root); // a bad kind is named below
        String runId = marker != null ? ReplayFieldRules.INSTANCE.hostWideRunId(root, marker) : identity(root, "run_id", r, follow);
        String experimentId = marker != null ? has(root, "experiment_id") ? r.text(root.get("experiment_id"), "experiment_id") : ""
                : identity(root, "experiment_id", r, follow);
        String host = identity(root, "host", r, follow);
        if (host != null) {
            String problem = HostId.problem(host).orElse(null); // the Kafka key: the rule every producer follows
            if (problem != null) {
                throw new JsonFieldException("host", host, problem);
            }
        }
        List<String> devices = has(root, "devices") ? r.strings(root.get("devices"), "devices") : follow ? null : List.of();
        Instant at = r.eventTime(has(root, "event_time") ? root.get("event_time") : null, o);
        if (kind == null) {
            kind = ReplayFieldRules.INSTANCE.kind(root);
        }
        if (runId != null) {
            b.setRunId(runId);
        }
        if (experimentId != null) {
            b.setExperimentId(experimentId);
        }
        if (host != null) {
            b.setHost(host);
        }
        if (devices != null) {
            b.setDevices(devices);
        }
        b.setEventTime(at).setKind(kind);

        // follow has refused fields on the wrong kind of event already (fieldsOn); replay does it here
        Integer epoch = has(root, "epoch") ? r.integer(root.get("epoch"), "epoch", 1) : null;
        if (epoch != null && (kind == EventKind.PROGRESS || kind == EventKind.STREAM_END)) {
            throw new JsonFieldException("epoch", null, "belongs on EPOCH_STARTED and EPOCH_COMPLETED events, not on " + kind);
        }
        if (epoch == null && (kind == EventKind.EPOCH_STARTED || kind == EventKind.EPOCH_COMPLETED)) {
            throw follow ? r.missing("epoch")
                    : new JsonFieldException("epoch", null, "is required for " + kind + " (the 1-based epoch number)");
        }
        b.setEpoch(epoch);
        if (has(root, "config")) {
            ReplayFieldRules.onlyOn("config", kind, EventKind.RUN_STARTED);
            b.setConfig(config(r.object(root.get("config"), "config"), r, o));
        } else if (follow && kind == EventKind.RUN_STARTED) {
            throw r.missing("config");
        }
        if (has(root, "metrics")) {
            ReplayFieldRules.onlyOn("metrics", kind, EventKind.EPOCH_COMPLETED);
            JsonNode m = r.object(root.get("metrics"), "metrics");
            b.setMetrics(metrics(m, r, o, epoch, epoch == null ? null : o.follow() ? o.epochStarts().of(runId, epoch) : null, at));
        } else if (follow && kind == EventKind.EPOCH_COMPLETED) {
            throw r.missing("metrics");
        }
        String reason = has(root, "failure_reason")
                ? follow ? r.nonBlank(root.get("failure_reason"), "failure_reason") : r.text(root.get("failure_reason"), "failure_reason")
                : follow && kind == EventKind.RUN_FAILED ? "reported by the trainer" : null;
        if (reason != null) {
            ReplayFieldRules.onlyOn("failure_reason", kind, EventKind.RUN_FAILED);
            b.setFailureReason(reason);
        }
        return b;
    }

    /** follow's refusal of an epoch_completed stamped before its own epoch_started. */
    public static JsonFieldException beforeItsStart(int epoch, Instant at, Instant start) {
        return new JsonFieldException("event_time", at + " is before epoch " + epoch + "'s epoch_started at " + start
                + "; stamp epoch_completed when the epoch ends");
    }

    /** {@code run_id}, {@code experiment_id}, {@code host}: required by replay, filled in by follow. */
    private static String identity(JsonNode root, String name, FieldRules r, boolean follow) {
        if (has(root, name)) {
            return r.nonBlank(root.get(name), name);
        }
        if (follow) {
            return null;
        }
        throw r.missing(name);
    }

    /** The field's value, or {@code orElse} in follow's format; replay requires it. */
    private static <T> T absent(String path, FieldRules r, Options o, T orElse) {
        if (o.follow()) {
            return orElse;
        }
        throw r.missing(path);
    }

    private static JsonNode required(JsonNode object, String name, String path, FieldRules r) {
        if (!has(object, name)) {
            throw r.missing(path);
        }
        return object.get(name);
    }

    private static RunConfig config(JsonNode c, FieldRules r, Options o) {
        r.allowOnly(c, "config", CONFIG_FIELDS);
        return RunConfig.newBuilder()
                // lower case: "FP32" is fp32, the reference the statistics compare every precision with (a user's
                // review: FP32 runs were compared against a missing fp32 and nothing was compared)
                .setPrecision(r.nonBlank(required(c, "precision", "config.precision", r), "config.precision").trim()
                        .toLowerCase(java.util.Locale.ROOT))
                .setBatchSize(r.integer(required(c, "batch_size", "config.batch_size", r), "config.batch_size", 1))
                .setHiddenUnits(has(c, "hidden_units") ? r.positiveIntegers(c.get("hidden_units"), "config.hidden_units")
                        : absent("config.hidden_units", r, o, List.of()))
                .setEpochs(r.integer(required(c, "epochs", "config.epochs", r), "config.epochs", 1))
                // documented: follow wants a learning rate > 0, replay any number
                .setLearningRate(o.follow() ? r.positive(required(c, "learning_rate", "config.learning_rate", r), "config.learning_rate")
                        : r.number(required(c, "learning_rate", "config.learning_rate", r), "config.learning_rate"))
                .setOptimizer(r.nonBlank(required(c, "optimizer", "config.optimizer", r), "config.optimizer"))
                .setDataset(r.nonBlank(required(c, "dataset", "config.dataset", r), "config.dataset"))
                .setDatasetSynthetic(has(c, "dataset_synthetic") && r.bool(c.get("dataset_synthetic"), "config.dataset_synthetic"))
                .setTrainSamples(r.longInteger(required(c, "train_samples", "config.train_samples", r), "config.train_samples", 0))
                .setParameterCount(r.longInteger(required(c, "parameter_count", "config.parameter_count", r),
                        "config.parameter_count", 0))
                .setFlopsPerSample(!has(c, "flops_per_sample") ? null : o.follow()
                        ? r.positive(c.get("flops_per_sample"), "config.flops_per_sample")
                        : r.nonNegative(c.get("flops_per_sample"), "config.flops_per_sample"))
                // replay takes any string here, follow a non-blank one
                .setDeviceName(has(c, "device_name") ? o.follow() ? r.nonBlank(c.get("device_name"), "config.device_name")
                        : r.text(c.get("device_name"), "config.device_name") : absent("config.device_name", r, o, o.deviceName()))
                .setBackend(has(c, "backend") ? r.nonBlank(c.get("backend"), "config.backend")
                        : absent("config.backend", r, o, o.backend()))
                .setSeed(has(c, "seed") ? r.longInteger(c.get("seed"), "config.seed", Long.MIN_VALUE) : null)
                .setLearningRateSchedule(has(c, "learning_rate_schedule")
                        ? r.nonBlank(c.get("learning_rate_schedule"), "config.learning_rate_schedule") : null)
                .setValidationSamples(has(c, "validation_samples")
                        ? r.longInteger(c.get("validation_samples"), "config.validation_samples", 0) : null)
                .setPhase(has(c, "phase") ? named(c.get("phase"), r, "config.phase", RunPhase.values(),
                        "a phase (training or inference)") : null)
                .setConvLayers(has(c, "conv_layers") ? convLayers(c.get("conv_layers"), r) : List.of())
                .setTask(has(c, "task") ? named(c.get("task"), r, "config.task", dev.ampwatch.schema.RunTask.values(),
                        "a task (classification or regression)") : null)
                .setBenchmark(has(c, "benchmark") && r.bool(c.get("benchmark"), "config.benchmark"))
                .setWholeCommand(has(c, "whole_command") && r.bool(c.get("whole_command"), "config.whole_command"))
                .build();
    }

    /** {@code ["c32k3s1", "c64k3s2"]}: {@link dev.ampwatch.trainer.model.ConvLayer}'s text form. */
    private static List<dev.ampwatch.schema.ConvLayer> convLayers(JsonNode node, FieldRules r) {
        List<String> texts = r.strings(node, "config.conv_layers");
        List<dev.ampwatch.schema.ConvLayer> layers = new java.util.ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            try {
                layers.add(toAvro(dev.ampwatch.trainer.model.ConvLayer.parse(texts.get(i))));
            } catch (IllegalArgumentException e) {
                throw new JsonFieldException("config.conv_layers[" + i + "]", e.getMessage());
            }
        }
        return layers;
    }

    /** A convolution layer as RunConfig.conv_layers holds it. */
    public static dev.ampwatch.schema.ConvLayer toAvro(dev.ampwatch.trainer.model.ConvLayer c) {
        return dev.ampwatch.schema.ConvLayer.newBuilder().setChannels(c.channels()).setKernel(c.kernel())
                .setStride(c.stride()).build();
    }

    /** One of {@code values} by its name in any case ({@code "training"}, {@code "regression"}), else the field's error. */
    private static <E extends Enum<E>> E named(JsonNode node, FieldRules r, String path, E[] values, String what) {
        String text = r.nonBlank(node, path);
        for (E v : values) {
            if (v.name().equalsIgnoreCase(text)) {
                return v;
            }
        }
        throw new JsonFieldException(path, "'" + text + "' is not " + what);
    }

    /** @param epochStart the epoch's EPOCH_STARTED time (follow), for a missing duration */
    private static EpochMetrics metrics(JsonNode m, FieldRules r, Options o, Integer epoch, Instant epochStart, Instant at) {
        r.allowOnly(m, "metrics", METRICS_FIELDS);
        EpochMetrics.Builder b = EpochMetrics.newBuilder()
                .setLoss(r.measurement(required(m, "loss", "metrics.loss", r), "metrics.loss"))
                .setTrainAccuracy(has(m, "train_accuracy") ? r.fraction(m.get("train_accuracy"), "metrics.train_accuracy") : null)
                .setValidationAccuracy(has(m, "validation_accuracy")
                        ? r.fraction(m.get("validation_accuracy"), "metrics.validation_accuracy") : null)
                .setTestAccuracy(has(m, "test_accuracy") ? r.fraction(m.get("test_accuracy"), "metrics.test_accuracy") : null);
        long samples = r.longInteger(required(m, "samples", "metrics.samples", r), "metrics.samples", 0);
        long durationMs;
        if (has(m, "duration_ms")) {
            durationMs = r.longInteger(m.get("duration_ms"), "metrics.duration_ms", 0);
        } else if (o.follow() && epochStart != null && !at.isBefore(epochStart)) {
            durationMs = Duration.between(epochStart, at).toMillis();
        } else if (o.follow() && epochStart != null) {
            throw beforeItsStart(epoch, at, epochStart); // not a missing duration: the epoch would end before it started
        } else {
            throw o.follow() ? new JsonFieldException("metrics.duration_ms",
                    "is missing (required unless this epoch's epoch_started was read)") : r.missing("metrics.duration_ms");
        }
        double throughput = has(m, "samples_per_second") ? r.nonNegative(m.get("samples_per_second"), "metrics.samples_per_second")
                : absent("metrics.samples_per_second", r, o, durationMs > 0 ? samples * 1000.0 / durationMs : 0);
        return b.setSamples(samples).setSamplesPerSecond(throughput).setDurationMs(durationMs)
                .setSkippedSteps(has(m, "skipped_steps") ? r.integer(m.get("skipped_steps"), "metrics.skipped_steps", 0) : 0)
                .setLatencyP50Ms(has(m, "latency_p50_ms") ? r.nonNegative(m.get("latency_p50_ms"), "metrics.latency_p50_ms") : null)
                .setLatencyP95Ms(has(m, "latency_p95_ms") ? r.nonNegative(m.get("latency_p95_ms"), "metrics.latency_p95_ms") : null)
                .setLatencyP99Ms(has(m, "latency_p99_ms") ? r.nonNegative(m.get("latency_p99_ms"), "metrics.latency_p99_ms") : null)
                .setTrainRmse(has(m, "train_rmse") ? r.nonNegativeMeasurement(m.get("train_rmse"), "metrics.train_rmse") : null)
                .setValidationRmse(has(m, "validation_rmse") ? r.nonNegativeMeasurement(m.get("validation_rmse"), "metrics.validation_rmse") : null)
                .setTestRmse(has(m, "test_rmse") ? r.nonNegativeMeasurement(m.get("test_rmse"), "metrics.test_rmse") : null)
                .setTestMae(has(m, "test_mae") ? r.nonNegativeMeasurement(m.get("test_mae"), "metrics.test_mae") : null)
                .setTestR2(has(m, "test_r2") ? r.measurement(m.get("test_r2"), "metrics.test_r2") : null)
                .build();
    }
}
