package dev.ampwatch.power.nvml;

import dev.ampwatch.power.Availability;
import dev.ampwatch.power.PowerSource;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.SourceContext;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.SourceType;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * NVIDIA GPUs through NVML ({@code libnvidia-ml.so.1}, loaded with JNA): per GPU the cumulative
 * energy counter and power, published as {@link SourceType#NVML}, component GPU, device {@code
 * gpu<index>} (NVML index). See {@link NvmlSession} for what is read and how power is labelled,
 * and {@link Nvml} for how the library is found.
 *
 * <p>Settings: {@value #LIBRARY}, the library name or path (default {@value Nvml#DEFAULT_LIBRARY}).
 * {@link #availability()} gets no settings from the agent, so the ServiceLoader instance takes the
 * library from the environment variable {@value #LIBRARY_ENV} (default {@value
 * Nvml#DEFAULT_LIBRARY}); {@link #open} uses the setting when given, else that. Thread-safe.
 */
public final class NvmlSource implements PowerSource {

    public static final String NAME = "nvml";
    /** Setting: the NVML library, a name for JNA ({@code nvidia-ml}) or a file path. */
    public static final String LIBRARY = "nvml.library";
    /** Environment variable: the library used by the ServiceLoader instance when no setting is given. */
    public static final String LIBRARY_ENV = "AMPWATCH_NVML_LIBRARY";

    static final String NO_GPUS_REASON = "NVML found no GPUs";

    private final String library;

    /** The ServiceLoader constructor: library from {@value #LIBRARY_ENV}, else {@code nvidia-ml}. */
    public NvmlSource() {
        this(libraryFromEnvironment());
    }

    /** A source loading {@code library} (unless the open context sets {@value #LIBRARY}). */
    public NvmlSource(String library) {
        this.library = Objects.requireNonNull(library, "library");
    }

    private static String libraryFromEnvironment() {
        String value = System.getenv(LIBRARY_ENV);
        return value == null || value.isBlank() ? Nvml.DEFAULT_LIBRARY : value.strip();
    }

    /** The library this instance loads when the open context names none. */
    public String library() {
        return library;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SourceType sourceType() {
        return SourceType.NVML;
    }

    @Override
    public Set<Component> components() {
        return Set.of(Component.GPU);
    }

    @Override
    public Duration defaultInterval() {
        return Duration.ofMillis(100);
    }

    /** Loads the library, initializes NVML, counts the GPUs and shuts NVML down again. */
    @Override
    public Availability availability() {
        return probe(library);
    }

    @Override
    public Set<String> settings() {
        return Set.of(LIBRARY);
    }

    /** With the {@code nvml.library} setting, if given, instead of the default library. */
    @Override
    public Availability availability(SourceContext context) {
        return probe(context.setting(LIBRARY).map(String::strip).filter(v -> !v.isEmpty()).orElse(library));
    }

    private static Availability probe(String library) {
        try {
            Nvml nvml = Nvml.load(library);
            try {
                nvml.init();
            } catch (NvmlException e) {
                return Availability.unavailable(e.getMessage());
            }
            try {
                if (nvml.deviceCount() <= 0) {
                    return Availability.unavailable(NO_GPUS_REASON);
                }
                return Availability.ok();
            } finally {
                nvml.shutdown();
            }
        } catch (PowerSourceException e) {
            return Availability.unavailable(e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("NVML probe failed", e);
        }
    }

    /** Opens NVML; the session type is narrowed so callers can reach {@link NvmlSession#status()}. */
    @Override
    public NvmlSession open(SourceContext context) throws PowerSourceException {
        String lib = context.setting(LIBRARY).filter(s -> !s.isBlank()).map(String::strip).orElse(library);
        try {
            return NvmlSession.open(Nvml.load(lib), context.clock());
        } catch (RuntimeException | LinkageError e) {
            throw new PowerSourceException("NVML failed: " + e, e);
        }
    }
}
