package dev.ampwatch.cli.replay;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads power samples from CSV (see docs/replay.md). The first line that is not blank and not a
 * {@code #} comment is the header; columns are found by name, case-insensitively, in any order:
 * {@code timestamp} (required), {@code host}, {@code component}, {@code device}, {@code source},
 * {@code watts}, {@code power_kind}, {@code power_window_ms}, one of {@code energy_j},
 * {@code energy_wh}, {@code energy_uj} (a cumulative counter, stored in microjoules), and
 * {@code energy_range_uj}. Every row needs watts or an energy value. Fields may be double-quoted.
 *
 * <p>A bad header makes the whole file unusable ({@link InvalidFileException}); a bad row becomes a
 * {@link Problem} and the other rows are still read.
 */
public final class PowerCsv {
    /** No single device draws this much (the analyzer dead-letters more): a unit mistake, most likely. */
    static final double MAX_WATTS = 20_000;
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    private static final List<String> ENERGY_COLUMNS = List.of("energy_j", "energy_wh", "energy_uj");
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
        Header header = null;
        int lineNo = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            lineNo++;
            if (lineNo == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            List<String> fields;
            try {
                fields = split(line);
            } catch (InvalidInputException e) {
                if (header == null) {
                    throw new InvalidFileException(file + ":" + lineNo + ": header: " + e.getMessage());
                }
                problems.add(Problem.of(file, lineNo, e, 0));
                continue;
            }
            if (header == null) {
                header = Header.of(file, lineNo, fields, defaults);
                continue;
            }
            if (fields.size() != header.names.size()) {
                problems.add(new Problem(file, lineNo, null, 0, null, "has " + fields.size() + " field"
                        + (fields.size() == 1 ? "" : "s") + " but the header (line " + header.line + ") has "
                        + header.names.size() + ": " + String.join(",", header.names)));
                continue;
            }
            try {
                rows.add(new Row(lineNo, header.sample(fields, defaults)));
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

    /** The columns of one file, checked once. */
    private static final class Header {
        final int line;
        final List<String> names;
        final Map<String, Integer> index = new LinkedHashMap<>();
        final String energyColumn;

        private Header(int line, List<String> names, String energyColumn) {
            this.line = line;
            this.names = names;
            this.energyColumn = energyColumn;
            for (int i = 0; i < names.size(); i++) {
                index.put(names.get(i), i);
            }
        }

        static Header of(String file, int line, List<String> raw, Defaults defaults) {
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
            return new Header(line, List.copyOf(names), energy.isEmpty() ? null : energy.get(0));
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

        PowerSample sample(List<String> fields, Defaults d) {
            PowerSample.Builder b = PowerSample.newBuilder();
            String ts = get(fields, "timestamp");
            if (ts == null) {
                throw new InvalidInputException("timestamp", null, "is empty; " + Timestamps.EXPECTED);
            }
            b.setEventTime(Timestamps.parse("timestamp", ts, d.zone()));

            String host = get(fields, "host");
            if (host == null) {
                if (d.host() == null) {
                    throw new InvalidInputException("host", null, "is empty and no --host was given");
                }
                host = d.host();
            }
            if (host.indexOf('\0') >= 0) {
                throw new InvalidInputException("host", host, "contains a NUL character");
            }
            b.setHost(host);

            String componentText = get(fields, "component");
            Component component;
            if (componentText == null) {
                if (d.component() == null) {
                    throw new InvalidInputException("component", null, "is empty and no --component was given");
                }
                component = d.component();
            } else {
                component = component("component", componentText);
            }
            b.setComponent(component);
            String device = get(fields, "device");
            b.setDevice(device != null ? device : component.name().toLowerCase(Locale.ROOT));

            String source = get(fields, "source");
            b.setSource(source == null ? d.source() : source("source", source));

            String watts = get(fields, "watts");
            if (watts != null) {
                b.setPowerWatts(watts("watts", watts));
            }
            String kind = get(fields, "power_kind");
            String window = get(fields, "power_window_ms");
            if (window != null) {
                long ms = integer("power_window_ms", window, "milliseconds");
                if (ms <= 0 || ms > Integer.MAX_VALUE) {
                    throw new InvalidInputException("power_window_ms", window, "is out of range; expected a positive number of milliseconds");
                }
                b.setPowerWindowMs((int) ms);
            }
            if (kind != null) {
                b.setPowerKind(powerKind("power_kind", kind));
            } else if (window != null) {
                b.setPowerKind(PowerKind.WINDOW_AVERAGE);
            }
            if (b.getPowerKind() != PowerKind.WINDOW_AVERAGE && window != null) {
                throw new InvalidInputException("power_kind", kind, "contradicts power_window_ms; a window needs WINDOW_AVERAGE");
            }
            if ((kind != null || window != null) && watts == null) {
                throw new InvalidInputException(kind != null ? "power_kind" : "power_window_ms", kind != null ? kind : window,
                        "describes power, but this row has no watts");
            }

            if (energyColumn != null) {
                String energy = get(fields, energyColumn);
                if (energy != null) {
                    b.setEnergyUj(energyUj(energyColumn, energy));
                }
                String range = get(fields, "energy_range_uj");
                if (range != null) {
                    if (energy == null) {
                        throw new InvalidInputException("energy_range_uj", range, "is set but " + energyColumn + " is empty");
                    }
                    long r = integer("energy_range_uj", range, "microjoules");
                    if (r <= 0) {
                        throw new InvalidInputException("energy_range_uj", range, "must be positive");
                    }
                    if (b.getEnergyUj() >= r) {
                        throw new InvalidInputException(energyColumn, energy, "is at or above energy_range_uj (" + r
                                + " uJ); a wrapping counter stays below its range");
                    }
                    b.setEnergyRangeUj(r);
                }
            }
            if (!b.hasPowerWatts() && !b.hasEnergyUj()) {
                throw new InvalidInputException(null, null, "has neither watts nor " + (energyColumn == null
                        ? "an energy value" : energyColumn) + "; a sample needs at least one");
            }
            return b.build();
        }
    }

    static Component component(String field, String text) {
        try {
            return Component.valueOf(text.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, text, "is not a component; accepted (any case): "
                    + Arrays.stream(Component.values()).map(Enum::name).collect(Collectors.joining(", ")));
        }
    }

    static SourceType source(String field, String text) {
        try {
            return SourceType.valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, text, "is not a source; accepted (any case): "
                    + Arrays.stream(SourceType.values()).map(Enum::name).collect(Collectors.joining(", ")));
        }
    }

    private static PowerKind powerKind(String field, String text) {
        try {
            return PowerKind.valueOf(text.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, text, "is not a power kind; accepted (any case): INSTANT, WINDOW_AVERAGE, UNKNOWN");
        }
    }

    private static double watts(String field, String text) {
        if (!DECIMAL.matcher(text).matches()) {
            throw new InvalidInputException(field, text, "is not a number; expected watts as a decimal number with a "
                    + "dot, e.g. 41.5");
        }
        double w = Double.parseDouble(text);
        if (w < 0 || Double.isInfinite(w)) {
            throw new InvalidInputException(field, text, "is out of range; expected watts from 0 to " + (long) MAX_WATTS);
        }
        if (w > MAX_WATTS) {
            throw new InvalidInputException(field, text, "is more than " + (long) MAX_WATTS + " W for one device "
                    + "(milliwatts or kilowatts?); expected watts");
        }
        return w;
    }

    private static long integer(String field, String text, String unit) {
        if (!DECIMAL.matcher(text).matches()) {
            throw new InvalidInputException(field, text, "is not a number; expected an integer number of " + unit);
        }
        try {
            return new BigDecimal(text).longValueExact();
        } catch (ArithmeticException e) {
            throw new InvalidInputException(field, text, "is not an integer (or too large); expected an integer number of " + unit);
        }
    }

    /** A cumulative counter in J, Wh or uJ, in microjoules (rounded to the nearest). */
    private static long energyUj(String column, String text) {
        String unit = switch (column) {
            case "energy_j" -> "joules";
            case "energy_wh" -> "watt-hours";
            default -> "microjoules";
        };
        if (!DECIMAL.matcher(text).matches()) {
            throw new InvalidInputException(column, text, "is not a number; expected a cumulative energy counter in "
                    + unit + " as a decimal number with a dot");
        }
        BigDecimal v = new BigDecimal(text);
        if (v.signum() < 0) {
            throw new InvalidInputException(column, text, "is negative; an energy counter counts up from 0");
        }
        BigDecimal uj = switch (column) {
            case "energy_j" -> v.movePointRight(6);
            case "energy_wh" -> v.multiply(BigDecimal.valueOf(3_600_000_000L));
            default -> v;
        };
        try {
            return uj.setScale(0, RoundingMode.HALF_UP).longValueExact();
        } catch (ArithmeticException e) {
            throw new InvalidInputException(column, text, "is too large for a counter in microjoules");
        }
    }

    /** Splits one CSV line at commas; a field may be double-quoted, with "" for a quote inside. */
    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            if (i < n && line.charAt(i) == '"') {
                int start = i;
                i++;
                while (true) {
                    if (i >= n) {
                        throw new InvalidInputException(null, null, "has an unclosed quote (opened at character " + (start + 1) + ")");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            cur.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        cur.append(c);
                    }
                }
                while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                    i++;
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new InvalidInputException(null, null, "has text after a closing quote at character " + (i + 1));
                }
            } else {
                while (i < n && line.charAt(i) != ',') {
                    cur.append(line.charAt(i++));
                }
            }
            out.add(cur.toString());
            cur.setLength(0);
            if (i >= n) {
                return out;
            }
            i++; // the comma
        }
    }
}
