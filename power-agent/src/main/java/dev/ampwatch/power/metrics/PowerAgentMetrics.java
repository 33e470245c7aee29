package dev.ampwatch.power.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters of the power agent, tagged {@code source=<name>} for each source given:
 * counters {@code ampwatch.power.samples.read}, {@code .published}, {@code .dropped}, {@code
 * ampwatch.power.reads.failed}, {@code ampwatch.power.sends.failed}, and the gauge {@code
 * ampwatch.power.sample.age} (seconds since the newest sample's event time; NaN before the
 * first), and per device read the gauge {@code ampwatch.power.device.sample.age} (tags source, device).
 * Thread-safe; the meters read the live {@link SourceStats}.
 */
public final class PowerAgentMetrics implements MeterBinder {

    private final AgentStats stats;
    private final List<String> sources;
    private final InstantSource clock;

    public PowerAgentMetrics(AgentStats stats, List<String> sources, InstantSource clock) {
        this.stats = Objects.requireNonNull(stats, "stats");
        this.sources = List.copyOf(sources);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String name : sources) {
            SourceStats s = stats.source(name);
            counter(registry, "ampwatch.power.samples.read", "samples read from the source", s,
                    SourceStats::samplesRead);
            counter(registry, "ampwatch.power.samples.published", "samples acknowledged by Kafka",
                    s, SourceStats::samplesPublished);
            counter(registry, "ampwatch.power.samples.dropped", "samples dropped, buffer full",
                    s, SourceStats::samplesDropped);
            counter(registry, "ampwatch.power.reads.failed", "source reads that threw", s,
                    SourceStats::readsFailed);
            counter(registry, "ampwatch.power.sends.failed", "samples Kafka failed to accept, per attempt (spooled ones are sent again)", s,
                    SourceStats::sendsFailed);
            Gauge.builder("ampwatch.power.sample.age", s, this::ageSeconds)
                    .description("seconds since the event time of the newest sample")
                    .baseUnit("seconds").tag("source", name).register(registry);
            s.onNewDevice((device, last) -> Gauge.builder("ampwatch.power.device.sample.age", last, l -> age(l.get()))
                    .description("seconds since the event time of the newest sample of this device (a RAPL zone, a GPU, a meter)")
                    .baseUnit("seconds").tag("source", name).tag("device", device).register(registry));
        }
    }

    private double age(java.time.Instant t) {
        return t == null ? Double.NaN : Duration.between(t, clock.instant()).toNanos() / 1e9;
    }

    private double ageSeconds(SourceStats s) {
        return age(s.lastSampleTime().orElse(null));
    }

    private static void counter(MeterRegistry registry, String name, String description,
            SourceStats s, ToDoubleFunction<SourceStats> value) {
        FunctionCounter.builder(name, s, value).description(description)
                .tag("source", s.source()).register(registry);
    }
}
