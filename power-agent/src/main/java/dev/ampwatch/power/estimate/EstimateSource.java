package dev.ampwatch.power.estimate;

import dev.ampwatch.power.Availability;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSource;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.SourceContext;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.SourceType;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Modelled CPU package and DRAM power from OSHI's CPU utilization and installed memory (see
 * {@link EstimateModel}), for hosts where nothing is measured. Published as {@link
 * SourceType#ESTIMATE} with power kind WINDOW_AVERAGE over the time since the previous read.
 *
 * <p>Settings (all optional, defaults in {@link EstimateModel}): {@value #TDP_WATTS}, {@value
 * #IDLE_FRACTION}, {@value #DRAM_WATTS_PER_GIB}. Thread-safe; each session is used by one thread.
 */
public final class EstimateSource implements PowerSource {

    public static final String NAME = "estimate";
    public static final String TDP_WATTS = "estimate.cpu-tdp-watts";
    public static final String IDLE_FRACTION = "estimate.cpu-idle-fraction";
    public static final String DRAM_WATTS_PER_GIB = "estimate.dram-watts-per-gib";

    private final Supplier<? extends SystemProbe> probes;

    /** The ServiceLoader constructor: probes the host with OSHI. */
    public EstimateSource() {
        this(OshiSystemProbe::new);
    }

    /** A source whose sessions read {@code probes.get()}; the supplier may throw if unsupported. */
    public EstimateSource(Supplier<? extends SystemProbe> probes) {
        this.probes = Objects.requireNonNull(probes, "probes");
    }

    /** The estimate model's settings: the power-agent command turns them into the config's typed fields. */
    @Override
    public Set<String> settings() {
        return Set.of(TDP_WATTS, IDLE_FRACTION, DRAM_WATTS_PER_GIB);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SourceType sourceType() {
        return SourceType.ESTIMATE;
    }

    @Override
    public Set<Component> components() {
        return Set.of(Component.CPU_PACKAGE, Component.DRAM);
    }

    @Override
    public Duration defaultInterval() {
        return Duration.ofSeconds(1);
    }

    @Override
    public Availability availability() {
        try {
            probes.get().close();
            return Availability.ok();
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("OSHI cannot read this host", e);
        }
    }

    @Override
    public PowerSession open(SourceContext context) throws PowerSourceException {
        EstimateModel model;
        try {
            model = new EstimateModel(
                    context.doubleSetting(TDP_WATTS, EstimateModel.DEFAULT_CPU_TDP_WATTS),
                    context.doubleSetting(IDLE_FRACTION, EstimateModel.DEFAULT_CPU_IDLE_FRACTION),
                    context.doubleSetting(DRAM_WATTS_PER_GIB, EstimateModel.DEFAULT_DRAM_WATTS_PER_GIB));
        } catch (IllegalArgumentException e) {
            throw new PowerSourceException("invalid estimate settings: " + e.getMessage(), e);
        }
        SystemProbe probe;
        try {
            probe = probes.get();
        } catch (RuntimeException | LinkageError e) {
            throw new PowerSourceException("OSHI cannot read this host: " + e, e);
        }
        return new EstimateSession(probe, model, context.clock().instant());
    }
}
