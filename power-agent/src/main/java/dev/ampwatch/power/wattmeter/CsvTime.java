package dev.ampwatch.power.wattmeter;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.regex.Pattern;

/**
 * Timestamps of CSV rows, as a meter exports them or a person types them:
 * <ul>
 *   <li>ISO-8601 with an offset or zone: {@code 2026-11-23T10:59:30Z}, {@code
 *       2026-11-23T10:59:30+01:00} ({@code T} or a space between date and time);
 *   <li>a local date and time: {@code 2026-11-23 10:59:30}, in the configured zone;
 *   <li>a time of day, {@code 10:59} or {@code 10:59:30(.5)}: today's date in the configured zone,
 *       or yesterday's when that would be more than an hour ahead of now (a reading typed just
 *       after midnight);
 *   <li>Unix epoch seconds, {@code 1795431570(.25)}.
 * </ul>
 */
final class CsvTime {

    private static final Pattern EPOCH = Pattern.compile("\\d{9,}(\\.\\d+)?");
    private static final Duration FUTURE_SLACK = Duration.ofHours(1);

    private CsvTime() {}

    /**
     * @throws IllegalArgumentException when {@code text} is none of the accepted forms
     */
    static Instant parse(String text, ZoneId zone, Instant now) {
        String t = text.strip();
        if (EPOCH.matcher(t).matches()) {
            BigDecimal seconds = new BigDecimal(t);
            long whole = seconds.longValue();
            long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
            return Instant.ofEpochSecond(whole, nanos);
        }
        try {
            if (t.length() > 10 && t.charAt(10) == ' ') {
                t = t.substring(0, 10) + 'T' + t.substring(11).strip();
            }
            if (t.length() > 10 && t.charAt(10) == 'T') {
                TemporalAccessor parsed = DateTimeFormatter.ISO_DATE_TIME.parseBest(t, ZonedDateTime::from,
                        LocalDateTime::from);
                return parsed instanceof ZonedDateTime z ? z.toInstant() : ((LocalDateTime) parsed).atZone(zone).toInstant();
            }
            LocalTime time = LocalTime.parse(t, DateTimeFormatter.ISO_LOCAL_TIME);
            LocalDate today = LocalDate.ofInstant(now, zone);
            Instant at = today.atTime(time).atZone(zone).toInstant();
            return at.isAfter(now.plus(FUTURE_SLACK)) ? today.minusDays(1).atTime(time).atZone(zone).toInstant() : at;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text.strip() + "' is not a timestamp (ISO-8601 date and time, "
                    + "HH:MM[:SS] of today, or epoch seconds)", e);
        }
    }
}
