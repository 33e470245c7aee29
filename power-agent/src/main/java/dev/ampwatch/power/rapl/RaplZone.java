package dev.ampwatch.power.rapl;

import dev.ampwatch.schema.Component;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One RAPL powercap zone this source reads, and how it nests. Immutable.
 *
 * <p>Two kinds of nesting are recorded, because they differ:
 * <ul>
 *   <li>{@code sysfsParent}: the zone directory it sits under in sysfs ({@code intel-rapl:0} for
 *       {@code intel-rapl:0:1}). The kernel puts core, uncore <em>and dram</em> under their
 *       package.
 *   <li>{@code containedIn}: the device whose energy already includes this zone's energy, i.e.
 *       what would be counted twice if both were summed. Core and uncore (PP0, PP1) are inside
 *       their package; DRAM is a sysfs child of the package but its energy is <em>not</em> part of
 *       the package's (the package domain covers cores, caches, graphics and the memory
 *       controller, not the DIMMs); packages and DRAM are inside psys (the whole platform) when
 *       the host has exactly one psys zone. The analyzer applies the same rules by component
 *       ({@code Nesting}): a run's total sums only the outermost components measured.
 * </ul>
 *
 * @param zoneId the zone's directory name, e.g. {@code intel-rapl:0:1}
 * @param directory the zone's directory (under {@code <sysfs root>/sys/class/powercap})
 * @param name the content of its {@code name} file, e.g. {@code package-0}, {@code core}
 * @param component what it measures
 * @param device the device id published, e.g. {@code package-0}, {@code package-0/core},
 *     {@code package-0/dram}, {@code psys}
 * @param sysfsParent the parent zone's id for a subzone
 * @param containedIn the device whose energy includes this one's, if any
 */
public record RaplZone(String zoneId, Path directory, String name, Component component,
        String device, Optional<String> sysfsParent, Optional<String> containedIn) {

    public RaplZone {
        Objects.requireNonNull(zoneId, "zoneId");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(component, "component");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(sysfsParent, "sysfsParent");
        Objects.requireNonNull(containedIn, "containedIn");
    }

    /** The cumulative counter, µJ. Root-only since Linux 5.10. */
    public Path energyFile() {
        return directory.resolve("energy_uj");
    }

    /** The largest value {@link #energyFile()} reaches before it wraps to 0, µJ. */
    public Path rangeFile() {
        return directory.resolve("max_energy_range_uj");
    }

    /** One line for logs, e.g. {@code "package-0/core (intel-rapl:0:0, CPU_CORE, inside package-0)"}. */
    public String describe() {
        return device + " (" + zoneId + ", " + component
                + containedIn.map(c -> ", inside " + c).orElse("") + ")";
    }
}
