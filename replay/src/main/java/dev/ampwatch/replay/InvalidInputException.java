package dev.ampwatch.replay;

/**
 * One value of an input line that cannot be used: which field (CSV column or JSON field path), the
 * value as written, and what is wrong with it and what is accepted instead. The caller adds the file
 * and line number (see {@link Problem}).
 */
public final class InvalidInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final String value;
    private final String detail;

    /**
     * @param field the CSV column or JSON field path (e.g. {@code config.batch_size}); null when the
     *     problem concerns the whole line
     * @param value the offending value as written; null when there is none (a missing field)
     * @param detail what is wrong and what would be accepted, e.g. {@code is not a number; expected ...}
     */
    public InvalidInputException(String field, String value, String detail) {
        super(format(field, value, detail));
        this.field = field;
        this.value = value;
        this.detail = detail;
    }

    public String field() {
        return field;
    }

    public String value() {
        return value;
    }

    public String detail() {
        return detail;
    }

    static String format(String field, String value, String detail) {
        StringBuilder b = new StringBuilder();
        if (field != null) {
            b.append(field).append(": ");
        }
        if (value != null) {
            b.append(quote(value)).append(' ');
        }
        return b.append(detail).toString();
    }

    static String quote(String value) {
        String v = value.length() > 80 ? value.substring(0, 77) + "..." : value;
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
