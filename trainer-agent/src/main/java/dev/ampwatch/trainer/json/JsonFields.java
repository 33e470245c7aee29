package dev.ampwatch.trainer.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Strict, typed reads of JSON fields for hand-written input (trainer event lines, sweep grid
 * files): a number written as a string, a fraction where an integer belongs, or an unknown field
 * (usually a typo) is refused with a {@link JsonFieldException} naming the field path and what was
 * found, instead of being coerced. A JSON {@code null} counts as absent.
 *
 * <p>Stateless and thread-safe.
 */
public final class JsonFields {
    /**
     * Reads JSON for these checks: duplicate keys and anything after the document are refused, and
     * fractions are kept exact (so 1795428000.25 seconds loses nothing). Thread-safe.
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    /**
     * {@link #MAPPER} that also reads {@code NaN}, {@code Infinity} and {@code -Infinity} as numbers (Python's
     * json.dumps writes them for a diverged loss): follow's lines, whose rules say where such a value is accepted.
     */
    public static final ObjectMapper LINE_MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private JsonFields() {}

    /** What is wrong with JSON that does not parse, without Jackson's hints about its own settings. */
    public static String problem(com.fasterxml.jackson.core.JsonProcessingException e) {
        String m = e.getOriginalMessage();
        int feature = m.indexOf("Feature.");
        if (feature >= 0) { // "Non-standard token 'x': enable `JsonReadFeature.ALLOW_...` to allow"
            int cut = m.lastIndexOf(':', feature);
            m = cut > 0 ? m.substring(0, cut) : "unsupported syntax";
        }
        String where = e.getLocation() == null || e.getLocation().getColumnNr() < 1 ? ""
                : " (at character " + e.getLocation().getColumnNr() + ")";
        return m + where;
    }

    /** Whether {@code v} is NaN or an infinity (read by {@link #LINE_MAPPER}). */
    public static boolean nonFinite(JsonNode v) {
        return v.isNumber() && (v.isDouble() || v.isFloat()) && !Double.isFinite(v.doubleValue());
    }

    /** {@code NaN}, {@code Infinity} or {@code -Infinity}, as the line wrote it. */
    public static String nonFiniteText(JsonNode v) {
        return Double.toString(v.doubleValue());
    }

    /** Whether {@code parent} has {@code name} with a non-null value. */
    public static boolean has(JsonNode parent, String name) {
        JsonNode v = parent.get(name);
        return v != null && !v.isNull();
    }

    /** The child, failing if it is absent or null. */
    public static JsonNode required(JsonNode parent, String name, String path) {
        if (!has(parent, name)) {
            throw new JsonFieldException(path, "is missing (required)");
        }
        return parent.get(name);
    }

    /** Refuses any field of {@code object} not in {@code allowed}, listing the allowed ones. */
    public static void allowOnly(JsonNode object, String path, Collection<String> allowed) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!allowed.contains(name)) {
                String hint = closeTo(name, allowed).map(n -> " (did you mean " + n + "?)").orElse("");
                throw new JsonFieldException(join(path, name), "unknown field" + hint + "; expected one of " + String.join(", ", allowed));
            }
        }
    }

    /**
     * The accepted name a misspelt one most likely meant: the same in snake_case (batchSizes, batch-sizes), or with an
     * s more or less (batch_size for batch_sizes); empty when none is that close.
     */
    static java.util.Optional<String> closeTo(String name, Collection<String> allowed) {
        String snake = name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('-', '_').toLowerCase(java.util.Locale.ROOT);
        for (String candidate : List.of(snake, snake + "s", snake.endsWith("s") ? snake.substring(0, snake.length() - 1) : snake)) {
            if (!candidate.equals(name) && allowed.contains(candidate)) {
                return java.util.Optional.of(candidate);
            }
        }
        return java.util.Optional.empty();
    }

    public static String text(JsonNode v, String path) {
        if (!v.isTextual()) {
            throw wrongType(v, path, "a string");
        }
        return v.asText();
    }

    /** A non-blank string. */
    public static String nonBlank(JsonNode v, String path) {
        String s = text(v, path);
        if (s.isBlank()) {
            throw new JsonFieldException(path, "must not be blank");
        }
        return s;
    }

    public static boolean bool(JsonNode v, String path) {
        if (!v.isBoolean()) {
            throw wrongType(v, path, "true or false");
        }
        return v.booleanValue();
    }

    /** An integral number in int range; 128.0 is accepted, 128.5 and "128" are not. */
    public static int integer(JsonNode v, String path) {
        long n = longInteger(v, path);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw new JsonFieldException(path, "is out of range: " + v);
        }
        return (int) n;
    }

    /** An integral number in long range. */
    public static long longInteger(JsonNode v, String path) {
        if (!v.isNumber()) {
            throw wrongType(v, path, "an integer");
        }
        if (nonFinite(v)) {
            throw new JsonFieldException(path, nonFiniteText(v) + " is not an integer");
        }
        BigDecimal d = v.decimalValue();
        try {
            BigInteger i = d.stripTrailingZeros().toBigIntegerExact();
            return i.longValueExact();
        } catch (ArithmeticException e) {
            throw new JsonFieldException(path, "expected an integer, got " + v);
        }
    }

    /** A finite number. */
    public static double number(JsonNode v, String path) {
        if (!v.isNumber()) {
            throw wrongType(v, path, "a number");
        }
        double d = v.doubleValue();
        if (!Double.isFinite(d)) {
            throw new JsonFieldException(path, nonFiniteText(v) + " is not a finite number");
        }
        return d;
    }

    /** A measurement that can diverge (a loss): any number, NaN and the infinities included. */
    public static double measurement(JsonNode v, String path) {
        if (!v.isNumber()) {
            throw wrongType(v, path, "a number");
        }
        return v.doubleValue();
    }

    /** An integer of at least {@code min}. */
    public static int integerAtLeast(JsonNode v, String path, int min) {
        int n = integer(v, path);
        if (n < min) {
            throw new JsonFieldException(path, "must be >= " + min + ", got " + n);
        }
        return n;
    }

    public static List<Integer> integers(JsonNode v, String path, int min) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < array(v, path).size(); i++) {
            out.add(integerAtLeast(v.get(i), path + "[" + i + "]", min));
        }
        return out;
    }

    public static List<String> texts(JsonNode v, String path) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < array(v, path).size(); i++) {
            out.add(nonBlank(v.get(i), path + "[" + i + "]"));
        }
        return out;
    }

    public static JsonNode array(JsonNode v, String path) {
        if (!v.isArray()) {
            throw wrongType(v, path, "an array");
        }
        return v;
    }

    public static JsonNode object(JsonNode v, String path) {
        if (!v.isObject()) {
            throw wrongType(v, path, "an object");
        }
        return v;
    }

    /** {@code parent.name}, or {@code name} at the top level. */
    public static String join(String parent, String name) {
        return parent == null || parent.isEmpty() ? name : parent + "." + name;
    }

    /** What a value is, for messages: {@code the string "128"}, {@code the number 1.5}, {@code an object}. */
    public static String describe(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        return switch (v.getNodeType()) {
            case STRING -> "the string " + v;
            case NUMBER -> "the number " + v;
            case BOOLEAN -> v.asText();
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> v.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static JsonFieldException wrongType(JsonNode v, String path, String expected) {
        String hint = v.isTextual() && !expected.equals("a string") && looksNumeric(v.asText())
                ? " (write numbers and booleans without quotes)" : "";
        return new JsonFieldException(path, "expected " + expected + ", got " + describe(v) + hint);
    }

    private static boolean looksNumeric(String s) {
        try {
            new BigDecimal(s.trim());
            return true;
        } catch (NumberFormatException e) {
            return s.trim().equalsIgnoreCase("true") || s.trim().equalsIgnoreCase("false");
        }
    }
}
