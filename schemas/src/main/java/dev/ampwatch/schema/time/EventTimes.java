package dev.ampwatch.schema.time;

import java.time.Duration;
import java.time.Instant;

/**
 * The event times ampwatch takes, one rule for every producer and the analyzer: not before 2000 (a clock that was
 * never set, or seconds read as microseconds), and not more than {@link #MAX_FUTURE_SKEW} after the receiver's clock
 * (the analyzer's default {@code --max-future-skew}, and the Kafka broker's default
 * {@code log.message.timestamp.after.max.ms}: a record stamped later is refused by the broker itself).
 */
public final class EventTimes {
    /** The earliest event time taken. */
    public static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    /** How far after now an event time may be, by default. */
    public static final Duration MAX_FUTURE_SKEW = Duration.ofHours(1);

    private EventTimes() {}
}
