package dev.ampwatch.power;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.SourceType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test-only sources, registered in src/test/resources/META-INF/services. Each session records
 * its close in {@link #CLOSED}.
 */
public final class FakeSources {

    /** Names of sessions closed, in order. */
    public static final List<String> CLOSED = new CopyOnWriteArrayList<>();

    private FakeSources() {}

    /** A source with fixed name, components and availability; reads one 42 W reading. */
    public abstract static class Base implements PowerSource {
        private final String name;
        private final Set<Component> components;
        private final Availability availability;

        Base(String name, Set<Component> components, Availability availability) {
            this.name = name;
            this.components = components;
            this.availability = availability;
        }

        @Override public String name() { return name; }
        @Override public SourceType sourceType() { return SourceType.NVML; }
        @Override public Set<Component> components() { return components; }
        @Override public Duration defaultInterval() { return Duration.ofMillis(100); }
        @Override public Availability availability() { return availability; }

        @Override
        public PowerSession open(SourceContext context) throws PowerSourceException {
            Component component = components.iterator().next();
            return new PowerSession() {
                @Override
                public List<PowerReading> read(Instant readTime) {
                    return List.of(PowerReading.instant(component, name + "0", readTime, 42.0));
                }

                @Override
                public void close() {
                    CLOSED.add(name);
                }
            };
        }
    }

    public static final class Gpu extends Base {
        public Gpu() {
            super("fake-gpu", Set.of(Component.GPU), Availability.ok());
        }
    }

    public static final class Cpu extends Base {
        public Cpu() {
            super("fake-cpu", Set.of(Component.CPU_PACKAGE, Component.DRAM), Availability.ok());
        }
    }

    public static final class Missing extends Base {
        public Missing() {
            super("fake-missing", Set.of(Component.WALL), Availability.unavailable("no fake meter on /dev/ttyFAKE"));
        }
    }

    public static final class BrokenOpen extends Base {
        public BrokenOpen() {
            super("fake-broken", Set.of(Component.PSYS), Availability.ok());
        }

        @Override
        public PowerSession open(SourceContext context) throws PowerSourceException {
            throw new PowerSourceException("permission denied: /dev/fake (run as root?)");
        }
    }
}
