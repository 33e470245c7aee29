package dev.ampwatch.power.rapl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A writable copy of a fixture sysfs tree (test resources under {@code rapl/<name>/}) in a
 * temporary directory, so tests can move counters between reads. {@link #root()} is what the
 * {@code rapl.sysfs-root} setting points at.
 */
final class SysfsFixture {

    private final Path root;

    private SysfsFixture(Path root) {
        this.root = root;
    }

    /** Copies the fixture {@code name} ({@code server-2s}, {@code laptop}) into {@code dir}. */
    static SysfsFixture copy(String name, Path dir) {
        URL url = SysfsFixture.class.getResource("/rapl/" + name);
        if (url == null) {
            throw new IllegalArgumentException("no fixture tree rapl/" + name + " on the test classpath");
        }
        try {
            Path source = Path.of(url.toURI());
            Path target = dir.resolve(name);
            try (Stream<Path> walk = Files.walk(source)) {
                for (Path p : walk.sorted().toList()) {
                    Path t = target.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(t);
                    } else {
                        Files.copy(p, t);
                    }
                }
            }
            return new SysfsFixture(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An empty tree at {@code dir} (zones are added with {@link #zone}). */
    static SysfsFixture empty(Path dir) {
        try {
            Files.createDirectories(dir.resolve(PowercapTree.POWERCAP));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SysfsFixture(dir);
    }

    Path root() {
        return root;
    }

    Path zone(String zoneId) {
        return root.resolve(PowercapTree.POWERCAP).resolve(zoneId);
    }

    /** Adds (or replaces) a zone directory with its three attribute files. */
    SysfsFixture zone(String zoneId, String name, long energyUj, long maxEnergyRangeUj) {
        try {
            Files.createDirectories(zone(zoneId));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write(zoneId, "name", name);
        setEnergy(zoneId, energyUj);
        write(zoneId, "max_energy_range_uj", Long.toString(maxEnergyRangeUj));
        return this;
    }

    SysfsFixture setEnergy(String zoneId, long energyUj) {
        return write(zoneId, "energy_uj", Long.toString(energyUj));
    }

    SysfsFixture write(String zoneId, String attribute, String value) {
        try {
            Files.writeString(zone(zoneId).resolve(attribute), value + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    SysfsFixture delete(String zoneId, String attribute) {
        try {
            Files.delete(zone(zoneId).resolve(attribute));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    SysfsFixture deleteZone(String zoneId) {
        try (Stream<Path> walk = Files.walk(zone(zoneId))) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }
}
