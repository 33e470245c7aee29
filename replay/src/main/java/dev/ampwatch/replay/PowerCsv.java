package dev.ampwatch.replay;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.io.BufferedReader;
import java.io.IOException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads power samples from CSV (see docs/replay.md). The first line that is not blank and not a
 * {@code #} comment is the header; columns are found by name, case-insensitively, in any order:
 * {@code timestamp} (required), {@code host}, {@code component}, {@code device}, {@code source},
 * {@code watts}, {@code power_kind}, {@code power_window_ms}, one of {@code energy_j},
 * {@code energy_wh}, {@code energy_uj} (a cumulative counter, stored in microjoules), and
 * {@code energy_range_uj}. Every row needs watts or an energy value. Fields may be double-quoted.
 *
 * <p>A bad header makes the whole file unusable ({@link InvalidFileException}); a bad row becomes a
 * {@link Problem} and the other rows are still read. The columns are checked by {@link CsvHeader},
 * a row becomes a sample in {@link PowerRow}, its values are parsed by {@link CsvValues}.
 */
public final class PowerCsv {
    /** Every column this reader knows, in the order the documentation lists them. */
    public static final List<String> COLUMNS = List.of("timestamp", "host", "component", "device", "source", "watts",
            "power_kind", "power_window_ms", "energy_j", "energy_wh", "energy_uj", "energy_range_uj");

    /**
     * Values for columns a file does not have (or leaves empty in a row).
     *
     * @param host host id; null: the file needs a host column
     * @param component component; null: the file needs a component column
     * @param source source of every sample without a source column (normally REPLAY)
     * @param zone zone of timestamps written without a UTC offset; null: such timestamps are refused
     */
    public record Defaults(String host, Component component, SourceType source, ZoneId zone) {
        public Defaults {
            Objects.requireNonNull(source, "source");
        }
    }

    /** One sample and the line it came from. */
    public record Row(int line, PowerSample sample) {}

    /** What a file held: the good rows, and the bad ones. */
    public record Result(String file, List<Row> rows, List<Problem> problems) {}

    /** The file cannot be read at all (no header, or a header this reader cannot use). */
    public static final class InvalidFileException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        InvalidFileException(String message) {
            super(message);
        }
    }

    private PowerCsv() {}

    /**
     * @param file the file's name, for messages
     * @throws InvalidFileException when there is no header or it cannot be used
     */
    public static Result parse(String file, BufferedReader in, Defaults defaults) throws IOException {
        List<Row> rows = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        CsvHeader header = null;
        int lineNo = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            lineNo++;
            String content = InputLines.content(lineNo, line);
            if (content == null) {
                continue;
            }
            List<String> fields;
            try {
                fields = InputLines.split(content);
            } catch (InvalidInputException e) {
                if (header == null) {
                    throw new InvalidFileException(file + ":" + lineNo + ": header: " + e.getMessage());
                }
                problems.add(Problem.of(file, lineNo, e, 0));
                continue;
            }
            if (header == null) {
                header = CsvHeader.of(file, lineNo, fields, defaults);
                continue;
            }
            if (fields.size() != header.names.size()) {
                problems.add(new Problem(file, lineNo, null, 0, null, "has " + fields.size() + " field"
                        + (fields.size() == 1 ? "" : "s") + " but the header (line " + header.line + ") has "
                        + header.names.size() + ": " + String.join(",", header.names)));
                continue;
            }
            try {
                rows.add(new Row(lineNo, PowerRow.sample(header, fields, defaults)));
            } catch (InvalidInputException e) {
                int col = e.field() == null ? 0 : header.index(e.field()) + 1;
                problems.add(Problem.of(file, lineNo, e, col));
            }
        }
        if (header == null) {
            throw new InvalidFileException(file + ": no header line; the first line that is not blank or a # comment "
                    + "must name the columns, e.g. timestamp,watts (accepted: " + String.join(", ", COLUMNS) + ")");
        }
        return new Result(file, rows, problems);
    }
}
