package dev.ampwatch.replay;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.SourceType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Parsers for the values of a power CSV's fields (and of the matching command-line options). Each
 * throws {@link InvalidInputException} naming the field, the text and what was expected.
 */
public final class CsvValues {
    /** No single device draws this much (the analyzer dead-letters more): a unit mistake, most likely. */
    static final double MAX_WATTS = 20_000;
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    private CsvValues() {}

    public static Component component(String field, String text) {
        try {
            return Component.valueOf(text.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, text, "is not a component; accepted (any case): "
                    + Arrays.stream(Component.values()).map(Enum::name).collect(Collectors.joining(", ")));
        }
    }

    public static SourceType source(String field, String text) {
        try {
            return SourceType.valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, text, "is not a source; accepted (any case): "
                    + Arrays.stream(SourceType.values()).map(Enum::name).collect(Collectors.joining(", ")));
        }
    }

    static PowerKind powerKind(String field, String text) {
        try {
            return PowerKind.valueOf(text.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, text, "is not a power kind; accepted (any case): INSTANT, WINDOW_AVERAGE, UNKNOWN");
        }
    }

    static double watts(String field, String text) {
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

    static long integer(String field, String text, String unit) {
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
    static long energyUj(String column, String text) {
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
}
