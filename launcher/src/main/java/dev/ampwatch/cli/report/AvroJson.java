package dev.ampwatch.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.time.Instant;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Reads the analyzer's REST JSON (Avro records as plain JSON: no union wrappers, times as ISO-8601, NaN as
 * null) back into the Avro classes, so the report works on the same types whether its data came from a
 * topic or from {@code GET /experiments/{id}}. It rewrites the plain JSON into Avro's JSON encoding,
 * guided by the schema, and lets Avro decode that.
 */
final class AvroJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AvroJson() {}

    static <T extends SpecificRecord> T read(JsonNode plain, Class<T> type, Schema schema) {
        try {
            String avroJson = MAPPER.writeValueAsString(encode(plain, schema));
            return new SpecificDatumReader<>(type).read(null, DecoderFactory.get().jsonDecoder(schema, avroJson));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read a " + schema.getName() + " from the analyzer's JSON: " + e.getMessage(), e);
        }
    }

    private static JsonNode encode(JsonNode v, Schema s) {
        JsonNode value = v == null || v.isMissingNode() ? NullNode.getInstance() : v;
        switch (s.getType()) {
            case RECORD -> {
                ObjectNode o = NODES.objectNode();
                for (Schema.Field f : s.getFields()) {
                    JsonNode fv = value.get(f.name());
                    if (fv == null && f.hasDefaultValue()) {
                        Object d = f.defaultVal(); // an older analyzer's record lacks the newer fields
                        o.set(f.name(), encode(d == org.apache.avro.JsonProperties.NULL_VALUE ? NullNode.getInstance()
                                : MAPPER.valueToTree(d), f.schema()));
                    } else {
                        o.set(f.name(), encode(fv, f.schema()));
                    }
                }
                return o;
            }
            case UNION -> {
                if (value.isNull()) {
                    return NullNode.getInstance();
                }
                for (Schema branch : s.getTypes()) {
                    if (branch.getType() != Schema.Type.NULL) {
                        ObjectNode o = NODES.objectNode();
                        o.set(branch.getFullName(), encode(value, branch));
                        return o;
                    }
                }
                return value;
            }
            case ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                value.forEach(e -> a.add(encode(e, s.getElementType())));
                return a;
            }
            case MAP -> {
                ObjectNode o = NODES.objectNode();
                value.fields().forEachRemaining(e -> o.set(e.getKey(), encode(e.getValue(), s.getValueType())));
                return o;
            }
            case LONG -> {
                LogicalType t = s.getLogicalType();
                if (value.isTextual() && t != null) {
                    Instant i = Instant.parse(value.asText());
                    return LongNode.valueOf(t.getName().equals("timestamp-millis") ? i.toEpochMilli()
                            : i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000);
                }
                return value;
            }
            case DOUBLE, FLOAT -> {
                return value.isNull() ? TextNode.valueOf("NaN") : value;
            }
            default -> {
                return value;
            }
        }
    }
}
