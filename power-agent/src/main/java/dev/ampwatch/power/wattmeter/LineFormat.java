package dev.ampwatch.power.wattmeter;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How one line from a serial meter becomes a {@link MeterValue}: the Watts Up? PRO preset
 * ({@value #WATTSUP}), or a regular expression with named groups. Immutable and thread-safe.
 *
 * <p>Watts Up? PRO: after the logging command {@code #L,W,3,E,,1;} (external logging, 1 s) the
 * meter sends one data record per second, {@code #d,-,18,W,V,A,WH,Cost,WH/Mo,Cost/Mo,Wmax,...;}:
 * field 3 is the power in tenths of a watt and field 6 the accumulated energy in tenths of a
 * watt-hour (a field the meter does not fill reads {@code _}). Other records ({@code #h}, ...) are
 * ignored.
 *
 * <p>A regular expression is searched in each line ({@code find}, so it need not match the whole
 * line) and must have a group {@code watts} (power, W) and/or one of {@code wh}, {@code kwh}, {@code
 * joules} (the meter's energy total). Lines it does not match are ignored.
 */
abstract class LineFormat {

    /** The name of the Watts Up? PRO preset, and the default format. */
    static final String WATTSUP = "wattsup";
    /** The Watts Up? PRO command that starts external logging once a second. */
    static final String WATTSUP_LOGGING_COMMAND = "#L,W,3,E,,1;";

    private static final Pattern GROUP_NAME = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");
    private static final Set<String> ENERGY_GROUPS = Set.of("wh", "kwh", "joules");

    /** The preset named {@code spec}, else {@code spec} as a regular expression. */
    static LineFormat of(String spec) {
        if (spec.strip().equalsIgnoreCase(WATTSUP)) {
            return new WattsUp();
        }
        return new Regex(spec);
    }

    /**
     * The value in {@code line}, or empty when the line is not a reading of this format.
     *
     * @throws IllegalArgumentException when the line is a reading but its numbers are not usable
     */
    abstract Optional<MeterValue> parse(String line);

    /** What to write to the port after opening it, if anything. */
    abstract Optional<String> defaultInit();

    abstract String describe();

    @Override
    public String toString() {
        return describe();
    }

    /** The Watts Up? PRO {@code #d} data record. */
    static final class WattsUp extends LineFormat {
        private static final Pattern RECORD = Pattern.compile("#d,[^;#]*");
        private static final BigDecimal TEN = BigDecimal.TEN;

        @Override
        Optional<MeterValue> parse(String line) {
            Matcher m = RECORD.matcher(line);
            String record = null;
            while (m.find()) {
                record = m.group(); // the last complete record on the line
            }
            if (record == null) {
                return Optional.empty();
            }
            String[] f = record.split(",", -1);
            if (f.length < 4) {
                throw new IllegalArgumentException("Watts Up? record with " + f.length + " fields: " + record);
            }
            OptionalDouble watts = present(f[3])
                    ? OptionalDouble.of(number(f[3], "W", record).divide(TEN).doubleValue()) : OptionalDouble.empty();
            OptionalLong energy = f.length > 6 && present(f[6])
                    ? OptionalLong.of(Energy.whToUj(number(f[6], "WH", record).divide(TEN)))
                    : OptionalLong.empty();
            if (watts.isEmpty() && energy.isEmpty()) {
                throw new IllegalArgumentException("Watts Up? record without W or WH: " + record);
            }
            return Optional.of(new MeterValue(watts, energy));
        }

        private static boolean present(String field) {
            String s = field.strip();
            return !s.isEmpty() && !s.equals("_") && !s.equals("-");
        }

        private static BigDecimal number(String field, String name, String record) {
            try {
                return Energy.decimal(field);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Watts Up? field " + name + " is not a number: '" + field
                        + "' in " + record, e);
            }
        }

        @Override
        Optional<String> defaultInit() {
            return Optional.of(WATTSUP_LOGGING_COMMAND);
        }

        @Override
        String describe() {
            return "Watts Up? PRO #d records";
        }
    }

    /** A user-supplied regular expression with named groups. */
    static final class Regex extends LineFormat {
        private final Pattern pattern;
        private final boolean hasWatts;
        private final String energyGroup;

        Regex(String regex) {
            try {
                this.pattern = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("not a regular expression: " + e.getDescription() + " in '"
                        + regex + "'", e);
            }
            Set<String> groups = new HashSet<>();
            Matcher names = GROUP_NAME.matcher(regex);
            while (names.find()) {
                groups.add(names.group(1));
            }
            hasWatts = groups.contains("watts");
            Set<String> energy = new HashSet<>(groups);
            energy.retainAll(ENERGY_GROUPS);
            if (energy.size() > 1) {
                throw new IllegalArgumentException("use one energy group of " + ENERGY_GROUPS + ", not " + energy
                        + ": '" + regex + "'");
            }
            energyGroup = energy.isEmpty() ? null : energy.iterator().next();
            if (!hasWatts && energyGroup == null) {
                throw new IllegalArgumentException("'" + regex + "' has no named group (?<watts>...), (?<wh>...), "
                        + "(?<kwh>...) or (?<joules>...), or is not the preset '" + WATTSUP + "'");
            }
        }

        @Override
        Optional<MeterValue> parse(String line) {
            Matcher m = pattern.matcher(line);
            if (!m.find()) {
                return Optional.empty();
            }
            OptionalDouble watts = OptionalDouble.empty();
            OptionalLong energy = OptionalLong.empty();
            if (hasWatts && m.group("watts") != null) {
                watts = OptionalDouble.of(number(m.group("watts"), "watts", line).doubleValue());
            }
            if (energyGroup != null && m.group(energyGroup) != null) {
                BigDecimal value = number(m.group(energyGroup), energyGroup, line);
                energy = OptionalLong.of(switch (energyGroup) {
                    case "wh" -> Energy.whToUj(value);
                    case "kwh" -> Energy.kwhToUj(value);
                    default -> Energy.joulesToUj(value);
                });
            }
            if (watts.isEmpty() && energy.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new MeterValue(watts, energy));
        }

        private static BigDecimal number(String text, String group, String line) {
            try {
                return Energy.decimal(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("group " + group + " is not a number: '" + text + "' in '"
                        + line + "'", e);
            }
        }

        @Override
        Optional<String> defaultInit() {
            return Optional.empty();
        }

        @Override
        String describe() {
            return "lines matching " + pattern.pattern();
        }
    }
}
