package dev.ampwatch.replay;

/**
 * A bad input line: where it is (file, 1-based line, and for CSV the column name and 1-based
 * column number) and what is wrong with it.
 *
 * @param file the file as named on the command line
 * @param line 1-based line number
 * @param column CSV column name or JSON field path; null when the whole line is wrong
 * @param columnNumber 1-based CSV column number; 0 when not applicable
 * @param value the offending value as written; null when there is none
 * @param detail what is wrong and what is accepted
 */
public record Problem(String file, int line, String column, int columnNumber, String value, String detail) {

    static Problem of(String file, int line, InvalidInputException e, int columnNumber) {
        return new Problem(file, line, e.field(), columnNumber, e.value(), e.detail());
    }

    /** E.g. {@code power.csv:7: column 'watts' (2): "4o.5" is not a number; expected ...}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder().append(file).append(':').append(line).append(": ");
        if (column != null) {
            if (columnNumber > 0) {
                b.append("column '").append(column).append("' (").append(columnNumber).append("): ");
            } else {
                b.append("field '").append(column).append("': ");
            }
        }
        if (value != null) {
            b.append(InvalidInputException.quote(value)).append(' ');
        }
        return b.append(detail).toString();
    }
}
