package dev.ampwatch.analyzer.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/** Avro records as plain JSON: field names as in the schema, times as ISO-8601, no union wrappers. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(plain(value)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Converts Avro records (recursively) into maps and lists Jackson writes as they are. */
    public static Object plain(Object value) {
        if (value instanceof IndexedRecord r) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Schema.Field f : r.getSchema().getFields()) {
                map.put(f.name(), plain(r.get(f.pos())));
            }
            return map;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(plain(v)));
            return out;
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), plain(v)));
            return out;
        }
        if (value instanceof Instant || value instanceof Enum<?> || value instanceof CharSequence) {
            return value.toString();
        }
        if (value instanceof Double d && (d.isNaN() || d.isInfinite())) {
            return null;
        }
        if (value instanceof ByteBuffer) {
            return null;
        }
        return value;
    }
}
