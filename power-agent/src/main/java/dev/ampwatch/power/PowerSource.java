package dev.ampwatch.power;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.SourceType;
import java.time.Duration;
import java.util.Set;

/**
 * A kind of power source on this host (NVML, RAPL, a wattmeter, the OSHI estimate), discovered
 * with {@link java.util.ServiceLoader}: implementations are listed in
 * {@code META-INF/services/dev.ampwatch.power.PowerSource} and need a public no-argument
 * constructor. Configuration arrives in {@link #open(SourceContext)}, not in the constructor.
 *
 * <p>The agent tries sources in a configured preference order: a source is opened when it is
 * available and adds at least one {@link #components() component} that no earlier source covers,
 * so a measured source (RAPL) supersedes a modelled one (ESTIMATE) for the same components.
 *
 * <p>Thread-safety: implementations must be safe to call from any thread; {@link #availability()}
 * may be called several times and concurrently with {@link #open(SourceContext)}. Neither
 * method may throw for an expected absence (no driver, no permission): report it as an
 * {@link Availability} or a {@link PowerSourceException} with a reason a user can act on.
 */
public interface PowerSource {

    /** Stable lower-case id used in configuration and {@code --list-sources}, e.g. {@code "rapl"}. */
    String name();

    /** The {@link SourceType} written into every record this source produces. */
    SourceType sourceType();

    /** The components this source may report; used to decide which sources supersede others. */
    Set<Component> components();

    /**
     * The sampling interval used when the configuration names none for this source. Hardware
     * counters (NVML, RAPL) should use 100 ms; wattmeters and estimates 1 s.
     */
    Duration defaultInterval();

    /**
     * Whether this source can work on this host right now, with a reason when not. Should be
     * cheap (probe a file, load a library) and must not throw.
     */
    Availability availability();

    /**
     * Whether the source can work with these settings (a library path, a sysfs root, a meter's
     * address). Sources configured by settings override this; the default ignores them.
     */
    default Availability availability(SourceContext context) {
        return availability();
    }

    /**
     * The keys of this source's settings ({@code name()}-prefixed, e.g. {@code "nvml.library"}), so a setting given
     * with a typo is refused instead of silently ignored. Empty (the default): the source does not say, and any key
     * with its prefix is let through.
     */
    default Set<String> settings() {
        return Set.of();
    }

    /**
     * Opens a session that reads this source. The caller owns the session and closes it.
     *
     * @throws PowerSourceException when the source cannot be opened; its message is the reason
     *     shown to the user
     */
    PowerSession open(SourceContext context) throws PowerSourceException;
}
