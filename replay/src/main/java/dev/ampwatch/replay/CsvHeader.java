package dev.ampwatch.replay;

import static dev.ampwatch.replay.PowerCsv.COLUMNS;

import dev.ampwatch.replay.PowerCsv.InvalidFileException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The columns of one power CSV, checked once; finds a row's field by column name. */
final class CsvHeader {
    private static final List<String> ENERGY_COLUMNS = List.of("energy_j", "energy_wh", "energy_uj");

    final int line;
    final List<String> names;
    private final Map<String, Integer> index = new LinkedHashMap<>();
    /** The one energy column (energy_j, energy_wh or energy_uj); null when there is none. */
    final String energyColumn;

    private CsvHeader(int line, List<String> names, String energyColumn) {
        this.line = line;
        this.names = names;
        this.energyColumn = energyColumn;
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
        }
    }

    /** @throws InvalidFileException when the header cannot be used (with these defaults) */
    static CsvHeader of(String file, int line, List<String> raw, PowerCsv.Defaults defaults) {
        String where = file + ":" + line + ": header: ";
        List<String> names = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String name = raw.get(i).strip().toLowerCase(Locale.ROOT);
            if (!COLUMNS.contains(name)) {
                throw new InvalidFileException(where + "column " + (i + 1) + " " + InvalidInputException.quote(raw.get(i))
                        + " is not a known column; accepted (any order, any case): " + String.join(", ", COLUMNS));
            }
            if (names.contains(name)) {
                throw new InvalidFileException(where + "column '" + name + "' appears twice (columns "
                        + (names.indexOf(name) + 1) + " and " + (i + 1) + ")");
            }
            names.add(name);
        }
        if (!names.contains("timestamp")) {
            throw new InvalidFileException(where + "no 'timestamp' column (found: " + String.join(",", names) + ")");
        }
        if (!names.contains("host") && defaults.host() == null) {
            throw new InvalidFileException(where + "no 'host' column; add one or pass --host");
        }
        if (!names.contains("component") && defaults.component() == null) {
            throw new InvalidFileException(where + "no 'component' column; add one or pass --component "
                    + "(e.g. --component WALL for a wattmeter log)");
        }
        List<String> energy = names.stream().filter(ENERGY_COLUMNS::contains).toList();
        if (energy.size() > 1) {
            throw new InvalidFileException(where + "more than one energy column (" + String.join(", ", energy)
                    + "); keep one of energy_j, energy_wh, energy_uj");
        }
        if (energy.isEmpty() && !names.contains("watts")) {
            throw new InvalidFileException(where + "no 'watts' and no energy column (energy_j, energy_wh or energy_uj); "
                    + "a sample needs at least one");
        }
        if (names.contains("energy_range_uj") && energy.isEmpty()) {
            throw new InvalidFileException(where + "'energy_range_uj' without an energy column");
        }
        return new CsvHeader(line, List.copyOf(names), energy.isEmpty() ? null : energy.get(0));
    }

    int index(String column) {
        return index.getOrDefault(column, -1);
    }

    /** The field of the column, stripped; null where the column is missing or the field empty. */
    String get(List<String> fields, String column) {
        Integer i = index.get(column);
        if (i == null) {
            return null;
        }
        String v = fields.get(i).strip();
        return v.isEmpty() ? null : v;
    }
}
