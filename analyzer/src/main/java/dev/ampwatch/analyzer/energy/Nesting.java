package dev.ampwatch.analyzer.energy;

import dev.ampwatch.schema.Component;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which components contain which, so a run's total counts each joule once: core and uncore are inside
 * the package; package and DRAM inside psys; everything inside a wall meter.
 */
public final class Nesting {
    private Nesting() {}

    /** Whether a component counts in the total, given all components measured for the run. */
    public static boolean countsInTotal(Component c, Set<Component> present) {
        if (c != Component.WALL && present.contains(Component.WALL)) {
            return false;
        }
        return switch (c) {
            case CPU_CORE, CPU_UNCORE -> !present.contains(Component.CPU_PACKAGE) && !present.contains(Component.PSYS);
            case CPU_PACKAGE, DRAM -> !present.contains(Component.PSYS);
            default -> true;
        };
    }

    public static Set<Component> noneYet() {
        return EnumSet.noneOf(Component.class);
    }
}
