package dev.ampwatch.power.rapl;

import dev.ampwatch.power.Availability;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSource;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.SourceContext;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.SourceType;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measured CPU energy from RAPL through Linux powercap sysfs ({@code
 * /sys/class/powercap/intel-rapl:*}, which AMD Zen hosts expose too; see {@code PowercapTree}).
 * Every domain is its own component and device: {@code package-N} (CPU_PACKAGE), {@code
 * package-N/core} (CPU_CORE), {@code package-N/uncore} (CPU_UNCORE), {@code package-N/dram}
 * (DRAM), {@code psys} (PSYS). Each read publishes the raw cumulative counters; the analyzer
 * integrates them (see {@link RaplSession} for the wraparound).
 *
 * <p>Settings: {@value #SYSFS_ROOT}, the directory that holds {@code sys/class/powercap} (default
 * {@code /}; e.g. {@code /host} in a container with {@code -v /sys:/host/sys:ro}, or a fixture
 * tree in tests). {@link #availability()} gets no settings from the agent, so the ServiceLoader
 * instance takes its root from the environment variable {@value #SYSFS_ROOT_ENV} (default
 * {@code /}); {@link #open} uses the setting when given, else that root.
 *
 * <p>{@link #components()} is all five CPU components even on hosts that lack some (AMD has no
 * dram zone, servers no psys): a source is superseded only as a whole, and letting the estimate
 * source in for DRAM would also bring its modelled CPU_PACKAGE next to the measured one.
 * Thread-safe.
 */
public final class RaplSource implements PowerSource {

    private static final Logger log = LoggerFactory.getLogger(RaplSource.class);

    public static final String NAME = "rapl";
    /** Setting: the directory holding {@code sys/class/powercap}. */
    public static final String SYSFS_ROOT = "rapl.sysfs-root";
    /** Environment variable: the root used by the ServiceLoader instance when no setting is given. */
    public static final String SYSFS_ROOT_ENV = "AMPWATCH_RAPL_SYSFS_ROOT";

    private static final Set<Component> COMPONENTS = Set.copyOf(EnumSet.of(Component.CPU_PACKAGE,
            Component.CPU_CORE, Component.CPU_UNCORE, Component.DRAM, Component.PSYS));

    private final Path sysfsRoot;
    private final SysfsReader reader;

    /** The ServiceLoader constructor: root from {@value #SYSFS_ROOT_ENV}, else {@code /}. */
    public RaplSource() {
        this(rootFromEnvironment(), SysfsReader.files());
    }

    /**
     * A source reading {@code <sysfsRoot>/sys/class/powercap} (unless the open context sets
     * {@value #SYSFS_ROOT}) through {@code reader}.
     */
    public RaplSource(Path sysfsRoot, SysfsReader reader) {
        this.sysfsRoot = Objects.requireNonNull(sysfsRoot, "sysfsRoot");
        this.reader = Objects.requireNonNull(reader, "reader");
    }

    private static Path rootFromEnvironment() {
        String value = System.getenv(SYSFS_ROOT_ENV);
        try {
            return Path.of(value == null || value.isBlank() ? "/" : value.strip());
        } catch (InvalidPathException e) {
            log.warn("{} is not a path ({}); using /", SYSFS_ROOT_ENV, e.getMessage());
            return Path.of("/");
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SourceType sourceType() {
        return SourceType.RAPL;
    }

    @Override
    public Set<Component> components() {
        return COMPONENTS;
    }

    @Override
    public Duration defaultInterval() {
        return Duration.ofMillis(100);
    }

    /** The sysfs root probed by {@link #availability()}, and opened when no setting overrides it. */
    public Path sysfsRoot() {
        return sysfsRoot;
    }

    @Override
    public Availability availability() {
        return probe(sysfsRoot);
    }

    @Override
    public Set<String> settings() {
        return Set.of(SYSFS_ROOT);
    }

    /** With the {@code rapl.sysfs-root} setting, if given, instead of the default root. */
    @Override
    public Availability availability(SourceContext context) {
        Optional<String> root = context.setting(SYSFS_ROOT).map(String::strip).filter(v -> !v.isEmpty());
        try {
            return probe(root.map(Path::of).orElse(sysfsRoot));
        } catch (InvalidPathException e) {
            return Availability.unavailable(SYSFS_ROOT + "=" + root.get() + " is not a path: " + e.getMessage());
        }
    }

    /**
     * Available when some zone's counter can be read; what will not be published is said (a zone left out, or one
     * whose wraparound range cannot be read: {@link RaplSession} publishes it once it can).
     */
    private Availability probe(Path sysfsRoot) {
        try {
            PowercapTree.Discovery found = PowercapTree.discover(sysfsRoot, reader);
            List<String> notes = new ArrayList<>();
            found.skipped().forEach(s -> notes.add("left out " + s));
            for (RaplZone zone : found.zones()) {
                String why = RaplSession.rangeProblem(reader, zone);
                if (why != null) {
                    notes.add(zone.device() + " not published until its range can be read: " + why);
                }
            }
            return Availability.partly(String.join("; ", notes));
        } catch (PowerSourceException e) {
            return Availability.unavailable(e.getMessage());
        } catch (RuntimeException e) {
            return Availability.unavailable("probing " + PowercapTree.powercapDir(sysfsRoot) + " failed", e);
        }
    }

    @Override
    public PowerSession open(SourceContext context) throws PowerSourceException {
        Path root = sysfsRoot;
        if (context.setting(SYSFS_ROOT).isPresent()) {
            String value = context.setting(SYSFS_ROOT).get().strip();
            try {
                if (value.isEmpty()) {
                    throw new InvalidPathException(value, "empty");
                }
                root = Path.of(value);
            } catch (InvalidPathException e) {
                throw new PowerSourceException("setting " + SYSFS_ROOT + " is not a path: '" + value + "'", e);
            }
        }
        PowercapTree.Discovery found = PowercapTree.discover(root, reader);
        found.skipped().forEach(s -> log.warn("rapl: zone left out: {}", s));
        log.info("rapl: reading {} zone(s) under {}: {}", found.zones().size(),
                PowercapTree.powercapDir(root),
                found.zones().stream().map(RaplZone::describe).collect(Collectors.joining(", ")));
        return new RaplSession(found.zones(), reader, context.clock());
    }
}
