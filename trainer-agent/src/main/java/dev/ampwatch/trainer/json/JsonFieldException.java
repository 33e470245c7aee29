package dev.ampwatch.trainer.json;

/**
 * A JSON document (a training event line, a sweep grid file) has a field that is missing, of the
 * wrong type, out of range or unknown. The message names the field's path (e.g.
 * {@code config.batch_size}), what was found and what would be accepted:
 * {@code field: "value" detail}, each part left out when there is none.
 */
public final class JsonFieldException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final String value;
    private final String detail;

    public JsonFieldException(String field, String problem) {
        this(field, null, problem);
    }

    /**
     * @param field the field's path; null or empty for the document as a whole
     * @param value the offending value as written, quoted in the message; null when there is none
     * @param detail what is wrong and what would be accepted
     */
    public JsonFieldException(String field, String value, String detail) {
        super(format(field, value, detail));
        this.field = field;
        this.value = value;
        this.detail = detail;
    }

    /** The path of the offending field, e.g. {@code config.batch_size}; empty for the document as a whole. */
    public String field() {
        return field == null ? "" : field;
    }

    /** The offending value as written; null when there is none (e.g. a missing field). */
    public String value() {
        return value;
    }

    /** The message without the field and value. */
    public String detail() {
        return detail;
    }

    private static String format(String field, String value, String detail) {
        StringBuilder b = new StringBuilder();
        if (field != null && !field.isEmpty()) {
            b.append(field).append(": ");
        }
        if (value != null) {
            b.append(quote(value)).append(' ');
        }
        return b.append(detail).toString();
    }

    /** {@code "value"} with quotes and backslashes escaped, shortened to 80 characters. */
    public static String quote(String value) {
        String v = value.length() > 80 ? value.substring(0, 77) + "..." : value;
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
