package dev.ampwatch.schema.kafka;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.io.IOException;
import java.time.Instant;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryDecoder;

/**
 * Reads a {@link PowerSample} written with the current schema field by field, as Avro's generated
 * {@code customDecode} would if the schema had no logical type: the generic reader spent ~20 % of the
 * analyzer's CPU on the one record type it reads per sample (docs/benchmarks.md). Records written with
 * another schema version go through the resolving reader as before; {@code PowerSampleReaderTest} checks
 * that both give equal records for every field's every case. Must change with {@code PowerSample.avsc}.
 */
final class PowerSampleReader {
    private static final SourceType[] SOURCES = SourceType.values();
    private static final Component[] COMPONENTS = Component.values();
    private static final PowerKind[] KINDS = PowerKind.values();

    private PowerSampleReader() {}

    static PowerSample read(BinaryDecoder in) throws IOException {
        String host = in.readString();
        SourceType source = SOURCES[index(in.readEnum(), SOURCES.length, "source")];
        Component component = COMPONENTS[index(in.readEnum(), COMPONENTS.length, "component")];
        String device = in.readString();
        long micros = in.readLong();
        // Avro's TimestampMicrosConversion, to the nanosecond
        Instant eventTime = Instant.ofEpochSecond(micros / 1_000_000L, (micros % 1_000_000L) * 1_000L);
        Double powerWatts = union(in, "power_watts") ? in.readDouble() : null;
        PowerKind kind = KINDS[index(in.readEnum(), KINDS.length, "power_kind")];
        Integer windowMs = union(in, "power_window_ms") ? in.readInt() : null;
        Long energyUj = union(in, "energy_uj") ? in.readLong() : null;
        Long rangeUj = union(in, "energy_range_uj") ? in.readLong() : null;
        return new PowerSample(host, source, component, device, eventTime, powerWatts, kind, windowMs, energyUj, rangeUj);
    }

    /** A ["null", T] union: false for null, true for T. */
    private static boolean union(BinaryDecoder in, String field) throws IOException {
        int branch = in.readIndex();
        if (branch != 0 && branch != 1) {
            throw new AvroRuntimeException("Malformed data. Length is negative or union index out of range: " + branch
                    + " (field " + field + ")");
        }
        return branch == 1;
    }

    private static int index(int i, int n, String field) {
        if (i < 0 || i >= n) {
            throw new AvroRuntimeException("enum index " + i + " out of range 0.." + (n - 1) + " (field " + field + ")");
        }
        return i;
    }
}
