package dev.ampwatch.trainer.json;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

/**
 * Reads the timestamps of replay input (CSV power samples, JSON training events; docs/replay.md), to
 * microseconds (what the records carry):
 * <ul>
 *   <li>an ISO-8601 instant with a UTC offset: {@code 2026-11-23T10:00:00.250Z},
 *       {@code 2026-11-23T11:00:00.250+01:00} (a space instead of the {@code T} is accepted);</li>
 *   <li>a local date-time without offset ({@code 2026-11-23T10:00:00}) only when a zone is given
 *       (the command's {@code --time-zone});</li>
 *   <li>a number with a fraction, or an integer up to 10^11: epoch seconds ({@code 1795428000.25});</li>
 *   <li>an integer above 10^11: epoch milliseconds ({@code 1795428000250}); above 10^14 it is
 *       refused (microseconds or nanoseconds, most likely).</li>
 * </ul>
 * Digits beyond microseconds are truncated.
 */
public final class Timestamps {
    /** Integers above this are epoch milliseconds; at or below, epoch seconds (10^11 s is the year 5138). */
    public static final BigDecimal MILLIS_ABOVE = BigDecimal.valueOf(100_000_000_000L);
    private static final BigDecimal TOO_LARGE_MILLIS = BigDecimal.valueOf(100_000_000_000_000L);
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern LOCAL_DATE_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?");

    /** What is accepted, for error messages. */
    public static final String EXPECTED = "expected an ISO-8601 instant such as 2026-11-23T10:00:00.250Z, "
            + "epoch seconds such as 1795428000.25, or integer epoch milliseconds such as 1795428000250";

    private Timestamps() {}

    /**
     * @param field the field or column, for the error
     * @param text the timestamp as written
     * @param zone the zone of timestamps written without an offset; null to refuse them
     * @throws JsonFieldException naming the field and value, and what is accepted
     */
    public static Instant parse(String field, String text, ZoneId zone) {
        return parse(field, text, zone, true);
    }

    /**
     * As {@link #parse(String, String, ZoneId)}; {@code zoneOption} says whether the command has a {@code --time-zone}
     * for this input (CSV has; JSON lines, which must carry their offset, have not), for the error's advice.
     */
    public static Instant parse(String field, String text, ZoneId zone, boolean zoneOption) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new JsonFieldException(field, null, "is empty; " + EXPECTED);
        }
        if (NUMBER.matcher(t).matches()) {
            return fromNumber(field, t, new BigDecimal(t), !t.contains(".") && !t.contains("e") && !t.contains("E"));
        }
        String iso = t.length() > 10 && t.charAt(10) == ' ' ? t.substring(0, 10) + 'T' + t.substring(11) : t;
        try {
            return OffsetDateTime.parse(iso, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeException e) {
            // not an instant with an offset; maybe a local date-time
        }
        if (LOCAL_DATE_TIME.matcher(t).matches()) {
            LocalDateTime local;
            try {
                local = LocalDateTime.parse(iso);
            } catch (DateTimeException e) {
                throw new JsonFieldException(field, text, "is not a valid date and time (" + e.getMessage() + "); " + EXPECTED);
            }
            if (zone == null) {
                throw new JsonFieldException(field, text, "has no UTC offset; write it as " + iso + "Z (UTC) or with "
                        + "an offset such as " + iso + "+01:00" + (zoneOption ? ", or pass --time-zone for timestamps without one"
                                : " (JSON timestamps carry their offset; --time-zone is for CSV)"));
            }
            // a clock change makes a local time missing (spring) or twice (autumn): guessing would be an hour off
            java.util.List<java.time.ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
            if (offsets.isEmpty()) {
                java.time.zone.ZoneOffsetTransition gap = zone.getRules().getTransition(local);
                throw new JsonFieldException(field, text, "does not exist in " + zone + " (the clocks jumped from "
                        + gap.getDateTimeBefore().toLocalTime() + " to " + gap.getDateTimeAfter().toLocalTime()
                        + "); write it with its UTC offset");
            }
            if (offsets.size() > 1) {
                throw new JsonFieldException(field, text, "happens twice in " + zone + " (the clocks went back); write it"
                        + " with its UTC offset: " + iso + offsets.get(0) + " or " + iso + offsets.get(1));
            }
            return local.atZone(zone).toInstant().truncatedTo(ChronoUnit.MICROS);
        }
        throw new JsonFieldException(field, text, "is not a timestamp; " + EXPECTED);
    }

    /**
     * A timestamp given as a number.
     *
     * @param integral whether it was written as an integer (only integers can be epoch milliseconds)
     */
    public static Instant fromNumber(String field, String text, BigDecimal n, boolean integral) {
        if (n.signum() < 0) {
            throw new JsonFieldException(field, text, "is negative; " + EXPECTED);
        }
        BigDecimal micros;
        if (n.compareTo(MILLIS_ABOVE) > 0) {
            if (!integral) {
                throw new JsonFieldException(field, text, "is too large for epoch seconds (epoch milliseconds "
                        + "must be written as an integer); " + EXPECTED);
            }
            if (n.compareTo(TOO_LARGE_MILLIS) > 0) {
                throw new JsonFieldException(field, text, "is too large for epoch milliseconds (microseconds or "
                        + "nanoseconds?); " + EXPECTED);
            }
            micros = n.movePointRight(3);
        } else {
            micros = n.movePointRight(6);
        }
        long us = micros.setScale(0, RoundingMode.DOWN).longValueExact();
        return Instant.EPOCH.plus(us, ChronoUnit.MICROS);
    }
}
