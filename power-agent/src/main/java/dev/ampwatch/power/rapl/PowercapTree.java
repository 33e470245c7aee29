package dev.ampwatch.power.rapl;

import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.schema.Component;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the RAPL zones under {@code <sysfs root>/sys/class/powercap}. Stateless.
 *
 * <p>Which powercap control types are RAPL, and which are read:
 * <ul>
 *   <li>{@code intel-rapl:N} and {@code intel-rapl:N:M}: the MSR interface ({@code
 *       intel_rapl_msr}). Intel CPUs, and also AMD Zen (family 17h/19h) and Hygon CPUs: Linux
 *       drives their RAPL MSRs with the same driver ({@code rapl_defaults_amd} in {@code
 *       intel_rapl_common}), so AMD hosts show {@code intel-rapl:0} named {@code package-0}
 *       (plus {@code core} on newer kernels; no dram). There is no {@code amd-rapl} powercap
 *       type; {@code amd_energy} was a hwmon driver (removed in 5.13), not powercap. Read.
 *   <li>{@code intel-rapl-mmio:N}: the same package counter through MMIO on some Intel client
 *       CPUs, for power limiting. Never read: it duplicates {@code intel-rapl}'s package.
 *   <li>{@code intel-rapl-tpmi:N}: the TPMI interface of recent Intel server CPUs (Linux 6.5+).
 *       Read only when the host has no {@code intel-rapl} zone, so that a CPU exposed through both
 *       interfaces is not counted twice.
 * </ul>
 *
 * <p>Zones are identified by their {@code name} file, never by their index: {@code intel-rapl:1}
 * is psys on a laptop and package-1 on a two-socket server.
 */
final class PowercapTree {

    /** Where powercap lives below the sysfs root. */
    static final String POWERCAP = "sys/class/powercap";
    static final String MSR_TYPE = "intel-rapl";
    static final String TPMI_TYPE = "intel-rapl-tpmi";

    static final String NO_DRIVER = "no RAPL driver loaded (modprobe intel_rapl_msr) or not an x86 host";
    static final String CONTAINER_HINT = "in a container, /sys/devices/virtual/powercap is masked by"
            + " default: bind-mount the host's /sys read-only (e.g. -v /sys:/host/sys:ro) and set "
            + RaplSource.SYSFS_ROOT + "=/host (or " + RaplSource.SYSFS_ROOT_ENV + "=/host)";

    private static final Pattern ZONE_DIR = Pattern.compile("([a-z][a-z-]*):(\\d+)(?::(\\d+))?");
    private static final Pattern PACKAGE = Pattern.compile("package-\\d+(?:-die-\\d+)?");
    private static final Pattern PSYS = Pattern.compile("psys(?:-\\d+)?");

    /** The zones found, in sysfs order, and why other zones were left out. */
    record Discovery(List<RaplZone> zones, List<String> skipped) {
        Discovery {
            zones = List.copyOf(zones);
            skipped = List.copyOf(skipped);
        }
    }

    /** A zone directory whose name file was read and maps to a component. */
    private record Named(String id, int top, int sub, Path dir, String name, Component component) {
        boolean isSubzone() {
            return sub >= 0;
        }

        String parentId(String type) {
            return type + ":" + top;
        }
    }

    private PowercapTree() {}

    static Path powercapDir(Path sysfsRoot) {
        return sysfsRoot.resolve(POWERCAP);
    }

    /** The message for an {@code energy_uj} (or other attribute) the agent may not read. */
    static String permissionDenied(Path file) {
        return "permission denied reading " + file + ": since Linux 5.10 energy_uj is readable by"
                + " root only; run the agent as root, or add a udev rule that makes it readable (e.g."
                + " SUBSYSTEM==\"powercap\", ACTION==\"add\", RUN+=\"/bin/chmod o+r"
                + " /sys/class/powercap/%k/energy_uj\", then reboot or udevadm trigger), or run the"
                + " agent as root in a container with the host's /sys bind-mounted read-only (e.g."
                + " -v /sys:/host/sys:ro with " + RaplSource.SYSFS_ROOT + "=/host)";
    }

    /** A read failure as a user-facing reason that names the file. */
    static String describe(Path file, Exception e) {
        if (e instanceof AccessDeniedException) {
            return permissionDenied(file);
        }
        if (e instanceof NoSuchFileException) {
            return "cannot read " + file + ": no such file";
        }
        if (e instanceof NumberFormatException) {
            return "cannot read " + file + ": not a number (" + e.getMessage() + ")";
        }
        String msg = e.getMessage();
        return "cannot read " + file + ": " + e.getClass().getSimpleName()
                + (msg == null || msg.isBlank() ? "" : " (" + msg + ")");
    }

    /** Reads a non-negative decimal attribute. */
    static long readLong(SysfsReader reader, Path file) throws IOException {
        String text = reader.read(file).strip();
        long value = Long.parseLong(text);
        if (value < 0) {
            throw new NumberFormatException("negative: " + text);
        }
        return value;
    }

    /**
     * Finds every readable RAPL zone.
     *
     * @throws PowerSourceException with the reason to show the user: no powercap tree, no RAPL
     *     zone, an {@code energy_uj} the agent may not read (names the file and the fixes), or no
     *     zone left that can be read
     */
    static Discovery discover(Path sysfsRoot, SysfsReader reader) throws PowerSourceException {
        Path dir = powercapDir(sysfsRoot);
        if (!Files.isDirectory(sysfsRoot)) { // a typo in the setting, not a missing driver
            throw new PowerSourceException("the sysfs root " + sysfsRoot + " (" + RaplSource.SYSFS_ROOT + ") does not exist"
                    + " or is not a directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new PowerSourceException("no powercap tree at " + dir + ": " + NO_DRIVER);
        }
        List<String> entries;
        try (Stream<Path> list = Files.list(dir)) {
            entries = list.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException | RuntimeException e) {
            throw new PowerSourceException("cannot list " + dir + ": " + e, e);
        }
        String type = entries.stream().anyMatch(e -> isZoneOf(e, MSR_TYPE)) ? MSR_TYPE : TPMI_TYPE;
        List<String> zoneIds = entries.stream().filter(e -> isZoneOf(e, type)).toList();
        if (zoneIds.isEmpty()) {
            throw new PowerSourceException("no RAPL zone (" + MSR_TYPE + ":N) under " + dir
                    + (entries.isEmpty() ? "" : " (it holds " + entries + ")") + ": " + NO_DRIVER);
        }

        List<String> skipped = new ArrayList<>();
        List<Named> named = new ArrayList<>();
        for (String id : zoneIds) {
            Matcher m = ZONE_DIR.matcher(id);
            if (!m.matches()) {
                continue;
            }
            int top = Integer.parseInt(m.group(2));
            int sub = m.group(3) == null ? -1 : Integer.parseInt(m.group(3));
            Path zoneDir = dir.resolve(id);
            Path nameFile = zoneDir.resolve("name");
            String name;
            try {
                name = reader.read(nameFile).strip();
            } catch (IOException | RuntimeException e) {
                skipped.add(id + ": " + describe(nameFile, e));
                continue;
            }
            Optional<Component> component = componentOf(name);
            if (component.isEmpty()) {
                skipped.add(id + ": unknown RAPL domain '" + name + "'");
                continue;
            }
            named.add(new Named(id, top, sub, zoneDir, name, component.get()));
        }
        named.sort(Comparator.comparingInt(Named::top).thenComparingInt(Named::sub));

        // Probe each counter: a zone that cannot be read is left out, and the others are read. A permission error is the
        // user's to fix: it fails the source when no zone can be read (the usual case: every counter root-only), and
        // is named among the zones left out otherwise (a udev rule that opened some zones only).
        List<Named> readable = new ArrayList<>();
        PowerSourceException denied = null;
        for (Named z : named) {
            Path energy = z.dir().resolve("energy_uj");
            try {
                readLong(reader, energy);
                readable.add(z);
            } catch (AccessDeniedException e) {
                denied = denied != null ? denied : new PowerSourceException(permissionDenied(energy), e);
                skipped.add(z.id() + " (" + z.name() + "): permission denied reading " + energy);
            } catch (IOException | RuntimeException e) {
                skipped.add(z.id() + " (" + z.name() + "): " + describe(energy, e));
            }
        }
        if (readable.isEmpty() && denied != null) {
            throw denied;
        }
        if (readable.isEmpty()) {
            throw new PowerSourceException("no readable RAPL zone under " + dir + ": "
                    + String.join("; ", skipped) + "; " + CONTAINER_HINT);
        }
        return new Discovery(toZones(type, named, readable), skipped);
    }

    private static boolean isZoneOf(String entry, String type) {
        Matcher m = ZONE_DIR.matcher(entry);
        return m.matches() && m.group(1).equals(type);
    }

    static Optional<Component> componentOf(String name) {
        if (PACKAGE.matcher(name).matches()) {
            return Optional.of(Component.CPU_PACKAGE);
        }
        if (PSYS.matcher(name).matches()) {
            return Optional.of(Component.PSYS);
        }
        return switch (name) {
            case "core" -> Optional.of(Component.CPU_CORE);
            case "uncore" -> Optional.of(Component.CPU_UNCORE);
            case "dram" -> Optional.of(Component.DRAM);
            default -> Optional.empty();
        };
    }

    /** Device ids and containment; {@code all} names parents, {@code readable} are published. */
    private static List<RaplZone> toZones(String type, List<Named> all, List<Named> readable) {
        Map<String, Named> byId = new LinkedHashMap<>();
        all.forEach(z -> byId.put(z.id(), z));
        List<Named> psys = readable.stream().filter(z -> z.component() == Component.PSYS).toList();
        Set<String> used = new HashSet<>();
        Map<String, String> deviceOf = new LinkedHashMap<>();
        for (Named z : all) {
            String device = z.name();
            if (z.isSubzone()) {
                String parentId = z.parentId(type);
                Named parent = byId.get(parentId);
                device = (parent != null ? parent.name() : parentId) + "/" + z.name();
            }
            if (!used.add(device)) {
                device = device + "@" + z.id(); // two zones with one name: keep both apart
                used.add(device);
            }
            deviceOf.put(z.id(), device);
        }
        Optional<String> platform = psys.size() == 1
                ? Optional.of(deviceOf.get(psys.get(0).id())) : Optional.empty();
        Set<String> readableIds = new HashSet<>();
        readable.forEach(z -> readableIds.add(z.id()));
        List<RaplZone> zones = new ArrayList<>();
        for (Named z : readable) {
            Optional<String> sysfsParent = z.isSubzone() ? Optional.of(z.parentId(type)) : Optional.empty();
            Optional<String> containedIn = switch (z.component()) {
                case CPU_CORE, CPU_UNCORE -> sysfsParent
                        .filter(p -> byId.containsKey(p) && byId.get(p).component() == Component.CPU_PACKAGE
                                && readableIds.contains(p))
                        .map(deviceOf::get)
                        .or(() -> platform);
                case CPU_PACKAGE, DRAM -> platform;
                default -> Optional.empty();
            };
            zones.add(new RaplZone(z.id(), z.dir(), z.name(), z.component(), deviceOf.get(z.id()),
                    sysfsParent, containedIn));
        }
        return zones;
    }
}
