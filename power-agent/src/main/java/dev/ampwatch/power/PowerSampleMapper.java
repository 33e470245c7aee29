package dev.ampwatch.power;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * Turns a {@link PowerReading} into the Avro {@link PowerSample} of one host. Empty values become
 * Avro nulls (never sentinels); event times are truncated to microseconds, the precision of
 * {@code event_time}. Immutable and thread-safe.
 */
public final class PowerSampleMapper {

    private final String host;

    public PowerSampleMapper(String host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    public String host() {
        return host;
    }

    public PowerSample toRecord(SourceType source, PowerReading reading) {
        Objects.requireNonNull(source, "source");
        return PowerSample.newBuilder()
                .setHost(host)
                .setSource(source)
                .setComponent(reading.component())
                .setDevice(reading.device())
                .setEventTime(micros(reading.eventTime()))
                .setPowerWatts(reading.powerWatts().isPresent()
                        ? Double.valueOf(reading.powerWatts().getAsDouble()) : null)
                .setPowerKind(reading.powerKind())
                .setPowerWindowMs(reading.powerWindowMs().isPresent()
                        ? Integer.valueOf(reading.powerWindowMs().getAsInt()) : null)
                .setEnergyUj(reading.energyUj().isPresent()
                        ? Long.valueOf(reading.energyUj().getAsLong()) : null)
                .setEnergyRangeUj(reading.energyRangeUj().isPresent()
                        ? Long.valueOf(reading.energyRangeUj().getAsLong()) : null)
                .build();
    }

    static Instant micros(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS);
    }
}
