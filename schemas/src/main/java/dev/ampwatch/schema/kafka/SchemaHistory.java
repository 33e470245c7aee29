package dev.ampwatch.schema.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;

/**
 * Every schema version ampwatch ever wrote, shipped as resources, so a reader can decode a record
 * whatever version its writer used. The list is {@code history/index.txt}: one resource name per line.
 * A new version of a schema is added there (never replacing an old one) whenever a record changes;
 * {@code SchemaHistoryTest} fails until it is.
 */
public final class SchemaHistory {
    private static final String BASE = "/dev/ampwatch/schema/history/";
    private static final List<Schema> ALL = load();

    private SchemaHistory() {}

    /** All recorded versions, oldest first per type. Immutable; safe to share between threads. */
    public static List<Schema> all() {
        return ALL;
    }

    /** A store that knows every recorded version plus the {@code extra} schemas given. */
    public static SchemaStore.Cache store(Schema... extra) {
        SchemaStore.Cache cache = new SchemaStore.Cache();
        ALL.forEach(cache::addSchema);
        for (Schema s : extra) {
            cache.addSchema(s);
        }
        return cache;
    }

    /** The 64-bit fingerprint that single-object encoding writes in front of every record. */
    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    private static List<Schema> load() {
        List<Schema> schemas = new ArrayList<>();
        for (String name : read("index.txt").split("\\R")) {
            String trimmed = name.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                schemas.add(new Schema.Parser().parse(read(trimmed)));
            }
        }
        return List.copyOf(schemas);
    }

    private static String read(String resource) {
        try (InputStream in = SchemaHistory.class.getResourceAsStream(BASE + resource)) {
            if (in == null) {
                throw new IllegalStateException("schema history resource missing: " + BASE + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema history resource " + BASE + resource, e);
        }
    }
}
