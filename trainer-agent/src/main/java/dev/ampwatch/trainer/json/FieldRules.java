package dev.ampwatch.trainer.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * The typed reads {@link TrainingEventJson} makes of one field, and how a problem is worded: replay's
 * files ({@link ReplayFieldRules}, docs/replay.md) and follow's lines ({@link FollowFieldRules},
 * docs/trainer.md) accept the same types but word their messages as their documentation shows.
 * Every method throws a {@link JsonFieldException} naming {@code path}. Stateless.
 */
interface FieldRules {
    /** The problem of a required field that is absent (or JSON null). */
    JsonFieldException missing(String path);

    /** Refuses any field of {@code object} not in {@code accepted}. */
    void allowOnly(JsonNode object, String path, List<String> accepted);

    String text(JsonNode v, String path);

    String nonBlank(JsonNode v, String path);

    boolean bool(JsonNode v, String path);

    /** An integer of at least {@code min}. */
    int integer(JsonNode v, String path, int min);

    /** A long integer of at least {@code min}. */
    long longInteger(JsonNode v, String path, long min);

    /** A finite number. */
    double number(JsonNode v, String path);

    /** A measurement that can diverge (a loss, an error): any number, NaN and infinities included where the input has them. */
    double measurement(JsonNode v, String path);

    /** A measurement >= 0 that can diverge: NaN and +Infinity included where the input has them. */
    double nonNegativeMeasurement(JsonNode v, String path);

    double positive(JsonNode v, String path);

    double nonNegative(JsonNode v, String path);

    /** A number from 0 to 1. */
    double fraction(JsonNode v, String path);

    /** An array of non-blank strings. */
    List<String> strings(JsonNode v, String path);

    /** An array of integers >= 1. */
    List<Integer> positiveIntegers(JsonNode v, String path);

    JsonNode object(JsonNode v, String path);

    /**
     * {@code event_time}.
     *
     * @param v the value; null when the line has none (or JSON null)
     */
    Instant eventTime(JsonNode v, TrainingEventJson.Options options);
}
