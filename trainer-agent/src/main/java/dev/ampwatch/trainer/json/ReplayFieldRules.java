package dev.ampwatch.trainer.json;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ampwatch.schema.EventKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@link FieldRules} of replay's JSON-lines files (docs/replay.md): messages name the field and quote
 * the value ({@code run_id: "5" must be a string}), integers must be written as integers,
 * {@code kind} names the event and {@code event_time} is read by {@link Timestamps}.
 */
final class ReplayFieldRules implements FieldRules {
    static final ReplayFieldRules INSTANCE = new ReplayFieldRules();
    private static final String KINDS = Arrays.stream(EventKind.values()).filter(k -> k != EventKind.UNKNOWN)
            .map(Enum::name).collect(Collectors.joining(", "));

    private ReplayFieldRules() {}

    /** The required {@code kind}, in any case. */
    EventKind kind(JsonNode root) {
        JsonNode v = root.get("kind");
        String text = text(v == null || v.isNull() ? null : v, "kind");
        try {
            EventKind k = EventKind.valueOf(text.strip().toUpperCase(Locale.ROOT));
            if (k != EventKind.UNKNOWN) {
                return k;
            }
        } catch (IllegalArgumentException e) {
            // below
        }
        throw new JsonFieldException("kind", text, "is not an event kind; accepted (any case): " + KINDS);
    }

    /**
     * The kind of a host-wide marker, whose {@code run_id} and {@code experiment_id} may be left out or
     * empty: a STREAM_END, or a PROGRESS without a run id (a run-level PROGRESS names its run). Null for
     * anything else, a bad {@code kind} included ({@link #kind} names that).
     */
    static EventKind hostWideMarker(JsonNode root) {
        JsonNode v = root.get("kind");
        String name = v != null && v.isTextual() ? v.textValue().strip().toUpperCase(Locale.ROOT) : "";
        if (name.equals(EventKind.STREAM_END.name())) {
            return EventKind.STREAM_END;
        }
        JsonNode runId = root.get("run_id");
        boolean noRun = runId == null || runId.isNull() || (runId.isTextual() && runId.textValue().isEmpty());
        return name.equals(EventKind.PROGRESS.name()) && noRun ? EventKind.PROGRESS : null;
    }

    /** The run id of a host-wide marker: empty; a STREAM_END that names a run is refused. */
    String hostWideRunId(JsonNode root, EventKind kind) {
        String runId = JsonFields.has(root, "run_id") ? text(root.get("run_id"), "run_id") : "";
        if (!runId.isEmpty()) {
            throw new JsonFieldException("run_id", runId, "must be empty or left out on " + kind
                    + " (it ends the host's whole stream, not one run)");
        }
        return runId;
    }

    /** A field on an event of another kind than the one it belongs to. */
    static void onlyOn(String field, EventKind kind, EventKind allowed) {
        if (kind != allowed) {
            throw new JsonFieldException(field, null, "belongs on " + allowed + " events, not on " + kind);
        }
    }

    @Override
    public JsonFieldException missing(String path) {
        return new JsonFieldException(path, null, "is required");
    }

    @Override
    public void allowOnly(JsonNode object, String path, List<String> accepted) {
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!accepted.contains(name)) {
                String snake = name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
                String hint = accepted.contains(snake) ? " (did you mean " + snake + "?)" : "";
                throw new JsonFieldException(JsonFields.join(path, name), null, "is not a known field" + hint + "; accepted"
                        + (path.isEmpty() ? "" : " in " + path) + ": " + String.join(", ", accepted));
            }
        }
    }

    /** A string; {@code v} null: missing. */
    @Override
    public String text(JsonNode v, String path) {
        if (v == null) {
            throw missing(path);
        }
        if (!v.isTextual()) {
            throw new JsonFieldException(path, v.toString(), "must be a string");
        }
        return v.textValue();
    }

    @Override
    public String nonBlank(JsonNode v, String path) {
        String s = text(v, path);
        if (s.isBlank()) {
            throw new JsonFieldException(path, s, "must not be blank");
        }
        return s;
    }

    @Override
    public boolean bool(JsonNode v, String path) {
        if (!v.isBoolean()) {
            throw new JsonFieldException(path, v.toString(), "must be true or false");
        }
        return v.booleanValue();
    }

    @Override
    public int integer(JsonNode v, String path, int min) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new JsonFieldException(path, v.toString(), "must be an integer" + (v.isIntegralNumber()
                    ? " from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE : ""));
        }
        int n = v.intValue();
        if (n < min) {
            throw new JsonFieldException(path, String.valueOf(n), min == 1
                    ? "must be 1 or more" + (path.equals("epoch") ? " (epochs are numbered from 1)" : "")
                    : "must not be negative");
        }
        return n;
    }

    @Override
    public long longInteger(JsonNode v, String path, long min) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new JsonFieldException(path, v.toString(), "must be an integer");
        }
        long n = v.longValue();
        if (n < min) {
            throw new JsonFieldException(path, String.valueOf(n), "must not be negative");
        }
        return n;
    }

    @Override
    public double number(JsonNode v, String path) {
        if (!v.isNumber()) {
            throw new JsonFieldException(path, v.toString(), "must be a number");
        }
        double d = v.doubleValue();
        if (Double.isInfinite(d) || Double.isNaN(d)) {
            throw new JsonFieldException(path, v.toString(), "is out of range for a double");
        }
        return d;
    }

    @Override
    public double positive(JsonNode v, String path) {
        double d = number(v, path);
        if (d <= 0) {
            throw new JsonFieldException(path, String.valueOf(d), "must be positive");
        }
        return d;
    }

    /** Replay's files are strict JSON, without NaN or Infinity: a finite number, as before. */
    @Override
    public double measurement(JsonNode v, String path) {
        return number(v, path);
    }

    @Override
    public double nonNegativeMeasurement(JsonNode v, String path) {
        return nonNegative(v, path);
    }

    @Override
    public double nonNegative(JsonNode v, String path) {
        double d = number(v, path);
        if (d < 0) {
            throw new JsonFieldException(path, String.valueOf(d), "must not be negative");
        }
        return d;
    }

    @Override
    public double fraction(JsonNode v, String path) {
        double d = number(v, path);
        if (d < 0 || d > 1) {
            throw new JsonFieldException(path, String.valueOf(d), "must be a fraction from 0 to 1"
                    + (d > 1 && d <= 100 ? " (a percentage? write " + d / 100 + ")" : ""));
        }
        return d;
    }

    @Override
    public List<String> strings(JsonNode v, String path) {
        if (!v.isArray()) {
            throw new JsonFieldException(path, v.toString(), "must be an array of strings, e.g. [\"gpu0\"]");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (!item.isTextual() || item.textValue().isBlank()) {
                throw new JsonFieldException(path + "[" + i + "]", item.toString(), "must be a non-blank string");
            }
            out.add(item.textValue());
        }
        return out;
    }

    @Override
    public List<Integer> positiveIntegers(JsonNode v, String path) {
        if (!v.isArray()) {
            throw new JsonFieldException(path, v.toString(), "must be an array of integers, e.g. [256, 128]");
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (!item.isIntegralNumber() || !item.canConvertToInt() || item.intValue() < 1) {
                throw new JsonFieldException(path + "[" + i + "]", item.toString(), "must be a positive integer");
            }
            out.add(item.intValue());
        }
        return out;
    }

    @Override
    public JsonNode object(JsonNode v, String path) {
        if (!v.isObject()) {
            throw new JsonFieldException(path, v.toString(), "must be a JSON object {...}");
        }
        return v;
    }

    /** Required; a string as {@link Timestamps#parse} reads it (an offset required), or a number. */
    @Override
    public Instant eventTime(JsonNode v, TrainingEventJson.Options options) {
        if (v == null) {
            throw new JsonFieldException("event_time", null, "is required; " + Timestamps.EXPECTED);
        }
        if (v.isTextual()) {
            return Timestamps.parse("event_time", v.textValue(), null, false);
        }
        if (v.isNumber()) {
            return Timestamps.fromNumber("event_time", v.toString(), v.decimalValue(), v.isIntegralNumber());
        }
        throw new JsonFieldException("event_time", v.toString(), "is not a timestamp; " + Timestamps.EXPECTED);
    }
}
