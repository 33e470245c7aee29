package dev.ampwatch.trainer.json;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.time.EventTimes;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@link FieldRules} of {@code ampwatch follow}'s lines (docs/trainer.md): {@link JsonFields}'
 * messages ({@code config.batch_size: expected an integer, got the string "64" ...}), the event
 * named by the {@code "ampwatch"} marker, fields only on the events they belong to.
 */
final class FollowFieldRules implements FieldRules {
    static final FollowFieldRules INSTANCE = new FollowFieldRules();
    private static final String KIND_NAMES = "run_started, epoch_started, epoch_completed, run_completed, run_failed or progress";
    private static final List<String> COMMON_FIELDS = List.of(TrainingEventJson.MARKER, "kind", "run_id", "experiment_id",
            "host", "devices", "event_time");
    /** Numbers above this are integer milliseconds since the epoch, below it seconds (as in replay). */
    private static final BigDecimal MAX_EPOCH_SECONDS = new BigDecimal("1e11");
    /** Above this an integer is no millisecond count of this era (year 5138): microseconds or nanoseconds. */
    private static final BigDecimal MAX_EPOCH_MILLIS = new BigDecimal("1e14");

    private FollowFieldRules() {}

    /** The kind from the marker's value, or from {@code kind} when the marker is {@code true}; both must agree. */
    static EventKind kind(JsonNode root) {
        JsonNode marker = root.get(TrainingEventJson.MARKER);
        JsonNode kindField = root.get("kind");
        if (marker.isBoolean() && marker.booleanValue()) {
            if (kindField == null || kindField.isNull()) {
                throw new JsonFieldException("kind", "is missing (required when \"ampwatch\" is true)");
            }
            return parseKind(kindField, "kind");
        }
        if (!marker.isTextual()) {
            throw new JsonFieldException(TrainingEventJson.MARKER, "expected the event's name (" + KIND_NAMES + ") or true, got "
                    + JsonFields.describe(marker));
        }
        EventKind kind = parseKind(marker, TrainingEventJson.MARKER);
        if (kindField != null && !kindField.isNull() && parseKind(kindField, "kind") != kind) {
            throw new JsonFieldException("kind", "says " + kindField + " but \"ampwatch\" says " + marker);
        }
        return kind;
    }

    private static EventKind parseKind(JsonNode v, String path) {
        if (v.isTextual()) {
            String n = v.asText().trim().toUpperCase(Locale.ROOT).replace('-', '_');
            if (n.equals(EventKind.STREAM_END.name())) {
                // follow speaks for its trainer's runs only, never for everything its host sends
                throw new JsonFieldException(path, "stream_end is a host-wide marker that only replay sends; a trainer ends "
                        + "its runs with run_completed or run_failed");
            }
            for (EventKind k : EventKind.values()) {
                if (k != EventKind.UNKNOWN && k.name().equals(n)) {
                    return k;
                }
            }
            throw new JsonFieldException(path, "unknown event '" + v.asText() + "'; expected " + KIND_NAMES);
        }
        throw new JsonFieldException(path, "expected the event's name (" + KIND_NAMES + "), got " + JsonFields.describe(v));
    }

    /** The fields a line of this kind may have; a field of another kind's event is refused here. */
    static List<String> fieldsOn(JsonNode root, EventKind kind) {
        List<String> allowed = new ArrayList<>(COMMON_FIELDS);
        switch (kind) {
            case RUN_STARTED -> allowed.add("config");
            case EPOCH_STARTED -> allowed.add("epoch");
            case EPOCH_COMPLETED -> allowed.addAll(List.of("epoch", "metrics"));
            case RUN_FAILED -> allowed.add("failure_reason");
            default -> { }
        }
        for (String field : List.of("config", "epoch", "metrics", "failure_reason")) {
            if (JsonFields.has(root, field) && !allowed.contains(field)) {
                throw new JsonFieldException(field, "does not belong on " + kind.name().toLowerCase(Locale.ROOT) + " (only on "
                        + switch (field) {
                            case "config" -> "run_started";
                            case "epoch" -> "epoch_started and epoch_completed";
                            case "metrics" -> "epoch_completed";
                            default -> "run_failed";
                        } + ")");
            }
        }
        return allowed;
    }

    @Override
    public JsonFieldException missing(String path) {
        return new JsonFieldException(path, "is missing (required)");
    }

    @Override
    public void allowOnly(JsonNode object, String path, List<String> accepted) {
        JsonFields.allowOnly(object, path, accepted);
    }

    @Override
    public String text(JsonNode v, String path) {
        return JsonFields.text(v, path);
    }

    @Override
    public String nonBlank(JsonNode v, String path) {
        return JsonFields.nonBlank(v, path);
    }

    @Override
    public boolean bool(JsonNode v, String path) {
        return JsonFields.bool(v, path);
    }

    @Override
    public int integer(JsonNode v, String path, int min) {
        return JsonFields.integerAtLeast(v, path, min);
    }

    @Override
    public long longInteger(JsonNode v, String path, long min) {
        long n = JsonFields.longInteger(v, path);
        if (n < min) {
            throw new JsonFieldException(path, "must be >= " + min + ", got " + n);
        }
        return n;
    }

    @Override
    public double number(JsonNode v, String path) {
        return JsonFields.number(v, path);
    }

    @Override
    public double measurement(JsonNode v, String path) {
        return JsonFields.measurement(v, path);
    }

    @Override
    public double nonNegativeMeasurement(JsonNode v, String path) {
        double d = JsonFields.measurement(v, path);
        if (d < 0) { // NaN and +Infinity: diverged
            throw new JsonFieldException(path, JsonFields.nonFinite(v) ? JsonFields.nonFiniteText(v) + " is not a number >= 0"
                    : "must be >= 0, got " + d);
        }
        return d;
    }

    /** NaN or an infinity where a range is checked: {@code metrics.test_accuracy: NaN is not a fraction 0 to 1}. */
    private static void finite(JsonNode v, String path, String what) {
        if (JsonFields.nonFinite(v)) {
            throw new JsonFieldException(path, JsonFields.nonFiniteText(v) + " is not " + what);
        }
    }

    @Override
    public double positive(JsonNode v, String path) {
        finite(v, path, "a number > 0");
        double d = number(v, path);
        if (d <= 0) {
            throw new JsonFieldException(path, "must be positive, got " + v);
        }
        return d;
    }

    @Override
    public double nonNegative(JsonNode v, String path) {
        finite(v, path, "a number >= 0");
        double d = number(v, path);
        if (d < 0) {
            throw new JsonFieldException(path, "must be >= 0, got " + d);
        }
        return d;
    }

    @Override
    public double fraction(JsonNode v, String path) {
        finite(v, path, "a fraction 0 to 1");
        double d = number(v, path);
        if (d < 0 || d > 1) {
            throw new JsonFieldException(path, "must be within 0..1 (a fraction, not a percentage), got " + v);
        }
        return d;
    }

    @Override
    public List<String> strings(JsonNode v, String path) {
        return JsonFields.texts(v, path);
    }

    @Override
    public List<Integer> positiveIntegers(JsonNode v, String path) {
        return JsonFields.integers(v, path, 1);
    }

    @Override
    public JsonNode object(JsonNode v, String path) {
        return JsonFields.object(v, path);
    }

    /**
     * An ISO-8601 instant with an offset, seconds since the epoch, or integer milliseconds (above
     * 10^11); truncated to microseconds. Absent: the options' clock, now.
     */
    @Override
    public Instant eventTime(JsonNode v, TrainingEventJson.Options options) {
        String path = "event_time";
        if (v == null) {
            return options.clock().instant().truncatedTo(ChronoUnit.MICROS);
        }
        finite(v, path, "a time");
        if (v.isNumber()) {
            BigDecimal seconds = v.decimalValue();
            if (seconds.compareTo(MAX_EPOCH_SECONDS) > 0) {
                if (seconds.compareTo(MAX_EPOCH_MILLIS) > 0) { // time.time() * 1e6 is a float too (a re-check)
                    throw new JsonFieldException(path, "expected seconds since the epoch (e.g. Python's time.time()) or integer "
                            + "milliseconds, got " + v + ", which looks like microseconds or nanoseconds");
                }
                if (!v.isIntegralNumber()) {
                    throw new JsonFieldException(path, "expected seconds since the epoch (e.g. Python's time.time()) or integer "
                            + "milliseconds, got " + v + ", which looks like milliseconds with a fraction");
                }
                seconds = seconds.movePointLeft(3); // integer milliseconds, as replay reads them
            }
            if (seconds.signum() < 0) {
                throw new JsonFieldException(path, "must not be before 1970, got " + v);
            }
            return inRange(Instant.EPOCH.plus(seconds.movePointRight(6).longValue(), ChronoUnit.MICROS), v.toString(), options);
        }
        if (!v.isTextual()) {
            throw new JsonFieldException(path, "expected an ISO-8601 instant or seconds since the epoch, got " + JsonFields.describe(v));
        }
        try {
            return inRange(OffsetDateTime.parse(v.asText().trim()).toInstant().truncatedTo(ChronoUnit.MICROS), "'" + v.asText() + "'",
                    options);
        } catch (DateTimeParseException e) {
            throw new JsonFieldException(path, "'" + v.asText() + "' is not an ISO-8601 instant with an offset "
                    + "(e.g. 2026-11-23T10:00:00.250Z) nor a number of seconds since the epoch");
        }
    }

    /**
     * A time the analyzer and the broker take (EventTimes): a line stamped with {@code time.monotonic()} or
     * {@code perf_counter()} (seconds since boot, read as 1970) was published, dead-lettered by the analyzer, and its run
     * vanished, or was closed as failed, while follow said "completed" (a PyTorch user's review).
     */
    private static Instant inRange(Instant t, String given, TrainingEventJson.Options options) {
        if (t.isBefore(EventTimes.EARLIEST)) {
            throw new JsonFieldException("event_time", given + " is " + t + ", before 2000-01-01, which the analyzer refuses: "
                    + "stamp lines with the wall clock (Python's time.time()), not time.monotonic() or time.perf_counter()");
        }
        Instant now = options.clock().instant();
        if (t.isAfter(now.plus(EventTimes.MAX_FUTURE_SKEW))) {
            throw new JsonFieldException("event_time", given + " is " + t + ", more than 1 h after now ("
                    + now.truncatedTo(ChronoUnit.SECONDS) + "), which the broker and the analyzer refuse (a clock set wrong, or "
                    + "a time in the wrong unit?)");
        }
        return t;
    }
}
