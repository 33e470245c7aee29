package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.kafka.AvroSerde;
import dev.ampwatch.schema.kafka.SchemaHistory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Serdes of the analyzer's internal state that read every layout an earlier analyzer wrote: a changelog
 * restores after an upgrade. Earlier versions of a state schema are kept as resources under
 * {@code dev/ampwatch/analyzer/state/history/}; a new one is added there whenever a state record changes.
 */
final class StateSchemas {
    private static final String HISTORY = "/dev/ampwatch/analyzer/state/history/";

    private StateSchemas() {}

    static <T extends org.apache.avro.specific.SpecificRecord> AvroSerde<T> serde(Class<T> type, Schema current, String... earlier) {
        List<Schema> versions = new ArrayList<>();
        for (String name : earlier) {
            try (InputStream in = StateSchemas.class.getResourceAsStream(HISTORY + name)) {
                if (in == null) {
                    throw new IllegalStateException("the internal schema " + HISTORY + name + " is missing from the build");
                }
                versions.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the internal schema " + HISTORY + name + ": " + e, e);
            }
        }
        versions.add(current);
        return new AvroSerde<>(type, current, SchemaHistory.store(versions.toArray(Schema[]::new)));
    }
}
