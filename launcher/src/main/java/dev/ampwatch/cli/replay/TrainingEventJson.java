package dev.ampwatch.cli.replay;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.TrainingEvent;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * One {@link TrainingEvent} per line of JSON (JSON Lines), with the Avro schema's snake_case field
 * names: {@code run_id}, {@code experiment_id}, {@code host}, {@code devices}, {@code event_time},
 * {@code kind}, {@code epoch}, {@code config} {...}, {@code metrics} {...}, {@code failure_reason}.
 * This is the format replay reads and external trainers write; see docs/replay.md.
 *
 * <p>Strict: unknown fields, duplicate fields, wrong types, out-of-range values and fields on the
 * wrong kind of event are refused with an {@link InvalidInputException} naming the field path (e.g.
 * {@code config.batch_size}) and the value. {@code event_time} is an ISO-8601 instant with an
 * offset, or epoch seconds (a number, fraction allowed), or integer epoch milliseconds (above 10^11);
 * see {@link Timestamps}. A JSON {@code null} is the same as leaving an optional field out.
 *
 * <p>Thread-safe.
 */
public final class TrainingEventJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    static final List<String> EVENT_FIELDS = List.of("run_id", "experiment_id", "host", "devices", "event_time", "kind",
            "epoch", "config", "metrics", "failure_reason");
    static final List<String> CONFIG_FIELDS = List.of("precision", "batch_size", "hidden_units", "epochs", "learning_rate",
            "optimizer", "dataset", "dataset_synthetic", "train_samples", "parameter_count", "flops_per_sample",
            "device_name", "backend", "seed");
    static final List<String> METRICS_FIELDS = List.of("loss", "train_accuracy", "test_accuracy", "samples",
            "samples_per_second", "duration_ms", "skipped_steps");
    private static final List<EventKind> KINDS = Arrays.stream(EventKind.values()).filter(k -> k != EventKind.UNKNOWN).toList();

    private TrainingEventJson() {}

    /**
     * Reads one event from one line of JSON.
     *
     * @throws InvalidInputException naming the field and value, and what would be accepted
     */
    public static TrainingEvent parse(String line) {
        JsonNode root;
        try {
            root = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at character " + e.getLocation().getColumnNr();
            throw new InvalidInputException(null, null, "is not valid JSON" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidInputException(null, null, "is empty; expected one JSON object per line");
        }
        if (!root.isObject()) {
            throw new InvalidInputException(null, null, "is a JSON " + root.getNodeType().name().toLowerCase(Locale.ROOT)
                    + ", not an object; expected one JSON object per line, e.g. "
                    + "{\"run_id\":\"r1\",\"experiment_id\":\"e1\",\"host\":\"rig\",\"event_time\":\"2026-11-23T10:00:00Z\",\"kind\":\"RUN_STARTED\"}");
        }
        checkFields("", root, EVENT_FIELDS);

        TrainingEvent.Builder b = TrainingEvent.newBuilder();
        b.setRunId(nonBlank("run_id", text(root, "run_id", true)));
        b.setExperimentId(nonBlank("experiment_id", text(root, "experiment_id", true)));
        String host = nonBlank("host", text(root, "host", true));
        if (host.indexOf('\0') >= 0) {
            throw new InvalidInputException("host", host, "contains a NUL character");
        }
        b.setHost(host);
        b.setDevices(strings(root, "devices"));
        b.setEventTime(eventTime(root.get("event_time")));
        EventKind kind = kind(root);
        b.setKind(kind);

        Integer epoch = integer(root, "", "epoch", false);
        boolean epochKind = kind == EventKind.EPOCH_STARTED || kind == EventKind.EPOCH_COMPLETED;
        if (epoch == null && epochKind) {
            throw new InvalidInputException("epoch", null, "is required for " + kind + " (the 1-based epoch number)");
        }
        if (epoch != null && epoch < 1) {
            throw new InvalidInputException("epoch", String.valueOf(epoch), "must be 1 or more (epochs are numbered from 1)");
        }
        b.setEpoch(epoch);

        JsonNode config = present(root, "config");
        if (config != null) {
            onlyOn("config", kind, EventKind.RUN_STARTED);
            b.setConfig(config(config));
        }
        JsonNode metrics = present(root, "metrics");
        if (metrics != null) {
            onlyOn("metrics", kind, EventKind.EPOCH_COMPLETED);
            b.setMetrics(metrics(metrics));
        }
        String failure = text(root, "failure_reason", false);
        if (failure != null) {
            onlyOn("failure_reason", kind, EventKind.RUN_FAILED);
            b.setFailureReason(failure);
        }
        return b.build();
    }

    /**
     * Writes an event as one line of JSON that {@link #parse} reads back to an equal event; fields
     * that are null (or the default) are left out.
     */
    public static String toJson(TrainingEvent e) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.put("run_id", e.getRunId());
        o.put("experiment_id", e.getExperimentId());
        o.put("host", e.getHost());
        if (!e.getDevices().isEmpty()) {
            ArrayNode devices = o.putArray("devices");
            e.getDevices().forEach(devices::add);
        }
        o.put("event_time", e.getEventTime().toString());
        o.put("kind", e.getKind().name());
        if (e.getEpoch() != null) {
            o.put("epoch", e.getEpoch());
        }
        RunConfig c = e.getConfig();
        if (c != null) {
            ObjectNode n = o.putObject("config");
            n.put("precision", c.getPrecision());
            n.put("batch_size", c.getBatchSize());
            ArrayNode hidden = n.putArray("hidden_units");
            c.getHiddenUnits().forEach(hidden::add);
            n.put("epochs", c.getEpochs());
            n.put("learning_rate", c.getLearningRate());
            n.put("optimizer", c.getOptimizer());
            n.put("dataset", c.getDataset());
            if (c.getDatasetSynthetic()) {
                n.put("dataset_synthetic", true);
            }
            n.put("train_samples", c.getTrainSamples());
            n.put("parameter_count", c.getParameterCount());
            if (c.getFlopsPerSample() != null) {
                n.put("flops_per_sample", c.getFlopsPerSample());
            }
            n.put("device_name", c.getDeviceName());
            n.put("backend", c.getBackend());
            if (c.getSeed() != null) {
                n.put("seed", c.getSeed());
            }
        }
        EpochMetrics m = e.getMetrics();
        if (m != null) {
            ObjectNode n = o.putObject("metrics");
            n.put("loss", m.getLoss());
            if (m.getTrainAccuracy() != null) {
                n.put("train_accuracy", m.getTrainAccuracy());
            }
            if (m.getTestAccuracy() != null) {
                n.put("test_accuracy", m.getTestAccuracy());
            }
            n.put("samples", m.getSamples());
            n.put("samples_per_second", m.getSamplesPerSecond());
            n.put("duration_ms", m.getDurationMs());
            if (m.getSkippedSteps() != 0) {
                n.put("skipped_steps", m.getSkippedSteps());
            }
        }
        if (e.getFailureReason() != null) {
            o.put("failure_reason", e.getFailureReason());
        }
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot write an event as JSON", ex);
        }
    }

    private static RunConfig config(JsonNode n) {
        requireObject("config", n);
        checkFields("config.", n, CONFIG_FIELDS);
        RunConfig.Builder b = RunConfig.newBuilder();
        b.setPrecision(nonBlank("config.precision", text(n, "config.", "precision", true)));
        b.setBatchSize(positive("config.batch_size", integer(n, "config.", "batch_size", true)));
        b.setHiddenUnits(hiddenUnits(n));
        b.setEpochs(positive("config.epochs", integer(n, "config.", "epochs", true)));
        b.setLearningRate(number(n, "config.", "learning_rate", true));
        b.setOptimizer(nonBlank("config.optimizer", text(n, "config.", "optimizer", true)));
        b.setDataset(nonBlank("config.dataset", text(n, "config.", "dataset", true)));
        JsonNode synthetic = present(n, "dataset_synthetic");
        if (synthetic != null && !synthetic.isBoolean()) {
            throw new InvalidInputException("config.dataset_synthetic", synthetic.toString(), "must be true or false");
        }
        b.setDatasetSynthetic(synthetic != null && synthetic.booleanValue());
        b.setTrainSamples(nonNegative("config.train_samples", longValue(n, "config.", "train_samples", true)));
        b.setParameterCount(nonNegative("config.parameter_count", longValue(n, "config.", "parameter_count", true)));
        Double flops = number(n, "config.", "flops_per_sample", false);
        if (flops != null && flops < 0) {
            throw new InvalidInputException("config.flops_per_sample", String.valueOf(flops), "must not be negative");
        }
        b.setFlopsPerSample(flops);
        b.setDeviceName(text(n, "config.", "device_name", true));
        b.setBackend(nonBlank("config.backend", text(n, "config.", "backend", true)));
        b.setSeed(longValue(n, "config.", "seed", false));
        return b.build();
    }

    private static EpochMetrics metrics(JsonNode n) {
        requireObject("metrics", n);
        checkFields("metrics.", n, METRICS_FIELDS);
        EpochMetrics.Builder b = EpochMetrics.newBuilder();
        b.setLoss(number(n, "metrics.", "loss", true));
        b.setTrainAccuracy(fraction("metrics.train_accuracy", number(n, "metrics.", "train_accuracy", false)));
        b.setTestAccuracy(fraction("metrics.test_accuracy", number(n, "metrics.", "test_accuracy", false)));
        b.setSamples(nonNegative("metrics.samples", longValue(n, "metrics.", "samples", true)));
        double sps = number(n, "metrics.", "samples_per_second", true);
        if (sps < 0) {
            throw new InvalidInputException("metrics.samples_per_second", String.valueOf(sps), "must not be negative");
        }
        b.setSamplesPerSecond(sps);
        b.setDurationMs(nonNegative("metrics.duration_ms", longValue(n, "metrics.", "duration_ms", true)));
        Integer skipped = integer(n, "metrics.", "skipped_steps", false);
        if (skipped != null && skipped < 0) {
            throw new InvalidInputException("metrics.skipped_steps", String.valueOf(skipped), "must not be negative");
        }
        b.setSkippedSteps(skipped == null ? 0 : skipped);
        return b.build();
    }

    private static void checkFields(String prefix, JsonNode object, List<String> accepted) {
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!accepted.contains(name)) {
                String hint = accepted.contains(snake(name)) ? " (did you mean " + snake(name) + "?)" : "";
                throw new InvalidInputException(prefix + name, null, "is not a known field" + hint + "; accepted"
                        + (prefix.isEmpty() ? "" : " in " + prefix.substring(0, prefix.length() - 1)) + ": "
                        + String.join(", ", accepted));
            }
        }
    }

    /** camelCase to snake_case, for the hint. */
    private static String snake(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static void onlyOn(String field, EventKind kind, EventKind allowed) {
        if (kind != allowed) {
            throw new InvalidInputException(field, null, "belongs on " + allowed + " events, not on " + kind);
        }
    }

    private static void requireObject(String field, JsonNode n) {
        if (!n.isObject()) {
            throw new InvalidInputException(field, n.toString(), "must be a JSON object {...}");
        }
    }

    /** The field's node, or null when it is missing or JSON null. */
    private static JsonNode present(JsonNode object, String name) {
        JsonNode n = object.get(name);
        return n == null || n.isNull() ? null : n;
    }

    private static JsonNode required(JsonNode object, String prefix, String name, boolean required) {
        JsonNode n = present(object, name);
        if (n == null && required) {
            throw new InvalidInputException(prefix + name, null, "is required");
        }
        return n;
    }

    private static String text(JsonNode object, String name, boolean required) {
        return text(object, "", name, required);
    }

    private static String text(JsonNode object, String prefix, String name, boolean required) {
        JsonNode n = required(object, prefix, name, required);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw new InvalidInputException(prefix + name, n.toString(), "must be a string");
        }
        return n.textValue();
    }

    private static String nonBlank(String field, String value) {
        if (value != null && value.isBlank()) {
            throw new InvalidInputException(field, value, "must not be blank");
        }
        return value;
    }

    private static Integer integer(JsonNode object, String prefix, String name, boolean required) {
        JsonNode n = required(object, prefix, name, required);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new InvalidInputException(prefix + name, n.toString(), "must be an integer" + (n.isIntegralNumber()
                    ? " from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE : ""));
        }
        return n.intValue();
    }

    private static Long longValue(JsonNode object, String prefix, String name, boolean required) {
        JsonNode n = required(object, prefix, name, required);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new InvalidInputException(prefix + name, n.toString(), "must be an integer");
        }
        return n.longValue();
    }

    private static Double number(JsonNode object, String prefix, String name, boolean required) {
        JsonNode n = required(object, prefix, name, required);
        if (n == null) {
            return null;
        }
        if (!n.isNumber()) {
            throw new InvalidInputException(prefix + name, n.toString(), "must be a number");
        }
        double d = n.doubleValue();
        if (Double.isInfinite(d) || Double.isNaN(d)) {
            throw new InvalidInputException(prefix + name, n.toString(), "is out of range for a double");
        }
        return d;
    }

    private static int positive(String field, int v) {
        if (v < 1) {
            throw new InvalidInputException(field, String.valueOf(v), "must be 1 or more");
        }
        return v;
    }

    private static long nonNegative(String field, long v) {
        if (v < 0) {
            throw new InvalidInputException(field, String.valueOf(v), "must not be negative");
        }
        return v;
    }

    private static Double fraction(String field, Double v) {
        if (v != null && (v < 0 || v > 1)) {
            throw new InvalidInputException(field, String.valueOf(v), "must be a fraction from 0 to 1"
                    + (v > 1 && v <= 100 ? " (a percentage? write " + v / 100 + ")" : ""));
        }
        return v;
    }

    private static List<String> strings(JsonNode object, String name) {
        JsonNode n = present(object, name);
        List<String> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (!n.isArray()) {
            throw new InvalidInputException(name, n.toString(), "must be an array of strings, e.g. [\"gpu0\"]");
        }
        for (int i = 0; i < n.size(); i++) {
            JsonNode item = n.get(i);
            if (!item.isTextual() || item.textValue().isBlank()) {
                throw new InvalidInputException(name + "[" + i + "]", item.toString(), "must be a non-blank string");
            }
            out.add(item.textValue());
        }
        return out;
    }

    private static List<Integer> hiddenUnits(JsonNode config) {
        JsonNode n = required(config, "config.", "hidden_units", true);
        if (!n.isArray()) {
            throw new InvalidInputException("config.hidden_units", n.toString(), "must be an array of integers, e.g. [256, 128]");
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode item = n.get(i);
            if (!item.isIntegralNumber() || !item.canConvertToInt() || item.intValue() < 1) {
                throw new InvalidInputException("config.hidden_units[" + i + "]", item.toString(), "must be a positive integer");
            }
            out.add(item.intValue());
        }
        return out;
    }

    private static Instant eventTime(JsonNode n) {
        if (n == null || n.isNull()) {
            throw new InvalidInputException("event_time", null, "is required; " + Timestamps.EXPECTED);
        }
        if (n.isTextual()) {
            return Timestamps.parse("event_time", n.textValue(), null);
        }
        if (n.isNumber()) {
            BigDecimal v = n.decimalValue();
            return Timestamps.fromNumber("event_time", n.toString(), v, n.isIntegralNumber());
        }
        throw new InvalidInputException("event_time", n.toString(), "is not a timestamp; " + Timestamps.EXPECTED);
    }

    private static EventKind kind(JsonNode root) {
        String text = text(root, "kind", true);
        String accepted = KINDS.stream().map(Enum::name).collect(Collectors.joining(", "));
        try {
            EventKind k = EventKind.valueOf(text.strip().toUpperCase(Locale.ROOT));
            if (k != EventKind.UNKNOWN) {
                return k;
            }
        } catch (IllegalArgumentException e) {
            // below
        }
        throw new InvalidInputException("kind", text, "is not an event kind; accepted (any case): " + accepted);
    }
}
