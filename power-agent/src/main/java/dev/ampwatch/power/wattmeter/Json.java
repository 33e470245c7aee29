package dev.ampwatch.power.wattmeter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ampwatch.power.PowerSourceException;
import java.math.BigDecimal;
import java.net.URI;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/** Reading numbers out of a plug's JSON answer, with failures that name the URL and the field. */
final class Json {

    /** Floats as exact decimals, so energy totals convert exactly; trailing garbage is an error. */
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {}

    static JsonNode parse(byte[] body, URI uri) throws PowerSourceException {
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw new PowerSourceException(uri + ": empty answer, expected JSON");
            }
            if (!node.isObject()) {
                throw new PowerSourceException(uri + ": expected a JSON object, got " + snippet(node));
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new PowerSourceException(uri + ": malformed JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new PowerSourceException(uri + ": unreadable answer: " + e.getMessage(), e);
        }
    }

    /** The number at a dotted {@code path}; empty when absent or null; fails when not a number. */
    static Optional<BigDecimal> number(JsonNode root, String path, URI uri) throws PowerSourceException {
        JsonNode node = at(root, path);
        if (node.isMissingNode() || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isNumber()) {
            throw new PowerSourceException(uri + ": field " + path + " is not a number: " + snippet(node));
        }
        return Optional.of(node.decimalValue());
    }

    /** Like {@link #number}, but an array of numbers is added up (Tasmota's multi-channel values). */
    static Optional<BigDecimal> sum(JsonNode root, String path, URI uri) throws PowerSourceException {
        JsonNode node = at(root, path);
        if (!node.isArray()) {
            return number(root, path, uri);
        }
        BigDecimal total = BigDecimal.ZERO;
        for (JsonNode element : node) {
            if (!element.isNumber()) {
                throw new PowerSourceException(uri + ": field " + path + " has a non-number: " + snippet(node));
            }
            total = total.add(element.decimalValue());
        }
        return node.isEmpty() ? Optional.empty() : Optional.of(total);
    }

    static long convert(BigDecimal total, BigDecimal ujPerUnit, String path, URI uri) throws PowerSourceException {
        try {
            return Energy.toUj(total, ujPerUnit);
        } catch (IllegalArgumentException e) {
            throw new PowerSourceException(uri + ": field " + path + ": " + e.getMessage(), e);
        }
    }

    static MeterValue value(OptionalDouble watts, OptionalLong energyUj, String powerPath, URI uri)
            throws PowerSourceException {
        try {
            return new MeterValue(watts, energyUj);
        } catch (IllegalArgumentException e) {
            throw new PowerSourceException(uri + ": field " + powerPath + ": " + e.getMessage(), e);
        }
    }

    static PowerSourceException missing(String path, URI uri, String hint) {
        return new PowerSourceException(uri + ": no number at " + path + (hint == null ? "" : "; " + hint));
    }

    static String snippet(JsonNode node) {
        String s = node.toString();
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private static JsonNode at(JsonNode root, String path) {
        JsonNode node = root;
        for (String part : path.split("\\.")) {
            node = node.path(part);
        }
        return node;
    }
}
