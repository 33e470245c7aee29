package dev.ampwatch.trainer.follow;

/**
 * A JSON document (a trainer's event line, a sweep grid file) has a field that is missing, of the
 * wrong type, out of range or unknown. The message names the field's path (e.g.
 * {@code config.batch_size}), what was found and what would be accepted.
 */
public final class JsonFieldException extends IllegalArgumentException {
    private final String field;

    public JsonFieldException(String field, String problem) {
        super(field == null || field.isEmpty() ? problem : field + ": " + problem);
        this.field = field;
    }

    /** The path of the offending field, e.g. {@code config.batch_size}; empty for the document as a whole. */
    public String field() {
        return field == null ? "" : field;
    }
}
