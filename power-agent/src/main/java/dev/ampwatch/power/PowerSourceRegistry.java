package dev.ampwatch.power;

import dev.ampwatch.power.SourceStatus.State;
import dev.ampwatch.schema.Component;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The installed {@link PowerSource}s, and the choice among them by a configured preference order.
 * {@link #describe} backs {@code --list-sources}; {@link #open} is what the agent runs. Every
 * source that is not used gets a {@link SourceStatus} saying why, so all reasons can be printed
 * together. Immutable after construction and thread-safe.
 */
public final class PowerSourceRegistry {

    private final Map<String, PowerSource> sources;
    private final List<SourceStatus> loadFailures;

    /** A registry of the given sources (tests, embedding); later duplicates of a name are dropped. */
    public PowerSourceRegistry(Collection<? extends PowerSource> sources) {
        this(sources, List.of());
    }

    private PowerSourceRegistry(Collection<? extends PowerSource> found, List<SourceStatus> failures) {
        Map<String, PowerSource> byName = new LinkedHashMap<>();
        List<SourceStatus> problems = new ArrayList<>(failures);
        for (PowerSource source : found) {
            PowerSource previous = byName.putIfAbsent(source.name(), source);
            if (previous != null) {
                problems.add(new SourceStatus(source.name(), State.NOT_INSTALLED, "duplicate name: "
                        + source.getClass().getName() + " ignored, using " + previous.getClass().getName()));
            }
        }
        this.sources = Map.copyOf(byName);
        this.loadFailures = List.copyOf(problems);
    }

    /** Discovers sources with the context class loader (or this class's loader). */
    public static PowerSourceRegistry discover() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return discover(loader != null ? loader : PowerSourceRegistry.class.getClassLoader());
    }

    /** Discovers sources with {@link ServiceLoader}; providers that fail to load are recorded. */
    public static PowerSourceRegistry discover(ClassLoader classLoader) {
        List<PowerSource> found = new ArrayList<>();
        List<SourceStatus> failures = new ArrayList<>();
        Iterator<PowerSource> it = ServiceLoader.load(PowerSource.class, classLoader).iterator();
        for (int errors = 0; errors < 100; ) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                errors++;
                failures.add(new SourceStatus("?", State.NOT_INSTALLED,
                        "provider failed to load: " + Availability.describe(e)));
            }
        }
        return new PowerSourceRegistry(found, failures);
    }

    /**
     * Checks source settings' keys ({@code -S key=value}): each must start with an installed source's name and a dot,
     * and be one of that source's {@link PowerSource#settings()} where it declares them.
     *
     * @throws IllegalArgumentException naming the key and what the source's settings are
     */
    public void checkSettings(Collection<String> keys) {
        for (String key : new java.util.TreeSet<>(keys)) {
            int dot = key.indexOf('.');
            PowerSource source = dot > 0 ? sources.get(key.substring(0, dot)) : null;
            if (source == null) {
                throw new IllegalArgumentException("source setting '" + key + "': no installed source is named '"
                        + (dot > 0 ? key.substring(0, dot) : key) + "' (settings are <source>.<name>; sources: "
                        + String.join(", ", names()) + ")");
            }
            Set<String> known = source.settings();
            if (!known.isEmpty() && !known.contains(key)) {
                throw new IllegalArgumentException("source setting '" + key + "': the " + source.name()
                        + " source has no such setting; its settings are " + String.join(", ", new java.util.TreeSet<>(known))
                        + " (docs/power-sources.md)");
            }
        }
    }

    /** Installed source names, sorted. */
    public List<String> names() {
        return sources.keySet().stream().sorted().toList();
    }

    /**
     * What {@link #open} would do with this preference, without opening anything: each
     * configured source as AVAILABLE, SUPERSEDED, UNAVAILABLE or NOT_INSTALLED (in preference
     * order), then installed sources that are not configured, then providers that failed to load.
     */
    public List<SourceStatus> describe(List<String> preference) {
        return describe(preference, null);
    }

    /** As {@link #describe(List)}, judging availability with the settings of {@code context}. */
    public List<SourceStatus> describe(List<String> preference, SourceContext context) {
        Choice choice = choose(preference, context);
        Set<Component> covered = EnumSet.noneOf(Component.class);
        List<SourceStatus> out = new ArrayList<>(choice.statuses);
        for (int i = 0; i < choice.candidates.size(); i++) {
            PowerSource source = choice.candidates.get(i);
            if (source != null) {
                if (covered.containsAll(source.components())) {
                    out.set(i, superseded(source));
                } else {
                    covered.addAll(source.components());
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * Opens, in preference order, every available source that adds a component not covered by a
     * source opened before it. A source whose open fails is skipped (its components stay
     * uncovered for later sources). The caller owns, and must close, the returned sessions.
     */
    public OpenedSources open(List<String> preference, SourceContext context) {
        Choice choice = choose(preference, context);
        return OpenedSources.open(choice.candidates, choice.statuses, context);
    }

    private Choice choose(List<String> preference, SourceContext context) {
        Choice choice = new Choice();
        for (String name : preference) {
            PowerSource source = sources.get(name);
            if (source == null) {
                choice.add(null, new SourceStatus(name, State.NOT_INSTALLED,
                        "no source named '" + name + "' is installed; installed: " + names()));
                continue;
            }
            Availability availability = safeAvailability(source, context);
            if (availability.available()) {
                choice.add(source, new SourceStatus(name, State.AVAILABLE, availability.reason()));
            } else {
                choice.add(null, new SourceStatus(name, State.UNAVAILABLE, availability.reason()));
            }
        }
        for (String name : names()) {
            if (!preference.contains(name)) {
                Availability a = safeAvailability(sources.get(name), context);
                choice.add(null, new SourceStatus(name, State.NOT_CONFIGURED, "not in the configured "
                        + "sources " + preference + (a.available() ? " (available)" : " (" + a.reason() + ")")));
            }
        }
        loadFailures.forEach(f -> choice.add(null, f));
        return choice;
    }

    private static Availability safeAvailability(PowerSource source, SourceContext context) {
        try {
            return context == null ? source.availability() : source.availability(context);
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("availability check threw", e);
        }
    }

    /** Sources in listing order (null where not a candidate), each with its provisional status. */
    private static final class Choice {
        final List<PowerSource> candidates = new ArrayList<>();
        final List<SourceStatus> statuses = new ArrayList<>();

        void add(PowerSource candidate, SourceStatus status) {
            candidates.add(candidate);
            statuses.add(status);
        }
    }

    static SourceStatus superseded(PowerSource source) {
        return new SourceStatus(source.name(), State.SUPERSEDED,
                "its components " + source.components() + " are covered by earlier sources");
    }
}
