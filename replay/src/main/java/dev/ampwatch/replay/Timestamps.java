package dev.ampwatch.replay;

import dev.ampwatch.trainer.json.JsonFieldException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;

/**
 * Replay's timestamps, as {@link dev.ampwatch.trainer.json.Timestamps} reads them (the same rules
 * serve the {@code event_time} of training events), with the problems as {@link InvalidInputException}s
 * for the CSV reader.
 */
public final class Timestamps {
    /** Integers above this are epoch milliseconds; at or below, epoch seconds (10^11 s is the year 5138). */
    public static final BigDecimal MILLIS_ABOVE = dev.ampwatch.trainer.json.Timestamps.MILLIS_ABOVE;

    /** What is accepted, for error messages. */
    public static final String EXPECTED = dev.ampwatch.trainer.json.Timestamps.EXPECTED;

    private Timestamps() {}

    /** See {@link dev.ampwatch.trainer.json.Timestamps#parse}. */
    public static Instant parse(String field, String text, ZoneId zone) {
        try {
            return dev.ampwatch.trainer.json.Timestamps.parse(field, text, zone);
        } catch (JsonFieldException e) {
            throw invalid(e);
        }
    }

    /** See {@link dev.ampwatch.trainer.json.Timestamps#fromNumber}. */
    public static Instant fromNumber(String field, String text, BigDecimal n, boolean integral) {
        try {
            return dev.ampwatch.trainer.json.Timestamps.fromNumber(field, text, n, integral);
        } catch (JsonFieldException e) {
            throw invalid(e);
        }
    }

    /** The same problem, for the replay's report (field, value and detail kept apart). */
    static InvalidInputException invalid(JsonFieldException e) {
        return new InvalidInputException(e.field().isEmpty() ? null : e.field(), e.value(), e.detail());
    }
}
