package dev.ampwatch.replay;

import static dev.ampwatch.replay.CsvValues.component;
import static dev.ampwatch.replay.CsvValues.energyUj;
import static dev.ampwatch.replay.CsvValues.integer;
import static dev.ampwatch.replay.CsvValues.powerKind;
import static dev.ampwatch.replay.CsvValues.source;
import static dev.ampwatch.replay.CsvValues.watts;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerKind;
import dev.ampwatch.schema.PowerSample;
import java.util.List;
import java.util.Locale;

/**
 * One data row of a power CSV as a {@link PowerSample}: its fields parsed, the defaults filled in
 * for empty or missing ones, and the fields checked against each other.
 */
final class PowerRow {

    private PowerRow() {}

    /** @throws InvalidInputException naming the first field that is wrong */
    static PowerSample sample(CsvHeader header, List<String> fields, PowerCsv.Defaults d) {
        String energyColumn = header.energyColumn;
        PowerSample.Builder b = PowerSample.newBuilder();
        String ts = header.get(fields, "timestamp");
        if (ts == null) {
            throw new InvalidInputException("timestamp", null, "is empty; " + Timestamps.EXPECTED);
        }
        b.setEventTime(Timestamps.parse("timestamp", ts, d.zone()));

        String host = header.get(fields, "host");
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

        String componentText = header.get(fields, "component");
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
        String device = header.get(fields, "device");
        b.setDevice(device != null ? device : component.name().toLowerCase(Locale.ROOT));

        String source = header.get(fields, "source");
        b.setSource(source == null ? d.source() : source("source", source));

        String watts = header.get(fields, "watts");
        if (watts != null) {
            b.setPowerWatts(watts("watts", watts));
        }
        String kind = header.get(fields, "power_kind");
        String window = header.get(fields, "power_window_ms");
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
            String energy = header.get(fields, energyColumn);
            if (energy != null) {
                b.setEnergyUj(energyUj(energyColumn, energy));
            }
            String range = header.get(fields, "energy_range_uj");
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
