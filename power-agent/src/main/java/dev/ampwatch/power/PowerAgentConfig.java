package dev.ampwatch.power;

import dev.ampwatch.power.estimate.EstimateModel;
import dev.ampwatch.power.estimate.EstimateSource;
import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;

/**
 * The power agent's settings; immutable and validated. Start from {@link #defaults()} and adjust
 * with the {@code with*} methods.
 *
 * @param host host id written into every record and used as the Kafka key (default: {@link HostId#local()},
 *     the trainers' default too, so their events join these samples)
 * @param sources source names in preference order (default {@link #DEFAULT_SOURCES}); a later
 *     source is used only for components no earlier opened source covers
 * @param intervals sampling interval per source name (>= 1 ms); sources not listed use their
 *     {@link PowerSource#defaultInterval()} (100 ms for NVML/RAPL, 1 s for wattmeter/estimate)
 * @param cpuTdpWatts estimate: TDP of all CPU packages, watts (default 65)
 * @param cpuIdleFraction estimate: share of TDP drawn at 0 % utilization (default 0.3)
 * @param dramWattsPerGib estimate: DRAM watts per GiB installed (default 0.375)
 * @param topic topic of PowerSample records (default {@code ampwatch.power-samples})
 * @param bufferCapacity records buffered in memory while Kafka is slow (default 10000)
 * @param spoolDir where samples wait on disk until Kafka confirms them (exactly once across broker
 *     outages and agent restarts); empty: an in-memory buffer that drops the oldest when full
 * @param sourceSettings other source settings, keys prefixed by source name, e.g. {@code
 *     "wattmeter.device"}
 */
public record PowerAgentConfig(String host, List<String> sources, Map<String, Duration> intervals,
        double cpuTdpWatts, double cpuIdleFraction, double dramWattsPerGib, String topic,
        int bufferCapacity, Map<String, String> sourceSettings, Optional<Path> spoolDir) {

    public static final List<String> DEFAULT_SOURCES = List.of("nvml", "rapl", "wattmeter", "estimate");
    public static final int DEFAULT_BUFFER_CAPACITY = 10_000;

    public PowerAgentConfig {
        HostId.validate(host);
        sources = List.copyOf(sources);
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("at least one source must be configured");
        }
        sources.forEach(s -> requireText(s, "source name"));
        if (new HashSet<>(sources).size() != sources.size()) {
            throw new IllegalArgumentException("duplicate source in " + sources);
        }
        intervals = Map.copyOf(intervals);
        intervals.forEach((name, interval) -> {
            if (interval.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("interval of " + name + " must be >= 1 ms: " + interval);
            }
        });
        new EstimateModel(cpuTdpWatts, cpuIdleFraction, dramWattsPerGib); // validates
        requireText(topic, "topic");
        if (bufferCapacity < 1) {
            throw new IllegalArgumentException("buffer capacity must be >= 1: " + bufferCapacity);
        }
        sourceSettings = Map.copyOf(sourceSettings);
        java.util.Objects.requireNonNull(spoolDir, "spoolDir (use Optional.empty())");
        for (String key : List.of(EstimateSource.TDP_WATTS, EstimateSource.IDLE_FRACTION,
                EstimateSource.DRAM_WATTS_PER_GIB)) {
            if (sourceSettings.containsKey(key)) {
                throw new IllegalArgumentException(key + " is a typed field of the config, not a setting");
            }
        }
    }

    public static PowerAgentConfig defaults() {
        return new PowerAgentConfig(HostId.local(), DEFAULT_SOURCES, Map.of(),
                EstimateModel.DEFAULT_CPU_TDP_WATTS, EstimateModel.DEFAULT_CPU_IDLE_FRACTION,
                EstimateModel.DEFAULT_DRAM_WATTS_PER_GIB, Topics.defaults().powerSamples().name(),
                DEFAULT_BUFFER_CAPACITY, Map.of(), Optional.empty());
    }

    public PowerAgentConfig withSpoolDir(Path dir) {
        return new PowerAgentConfig(host, sources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, bufferCapacity, sourceSettings, Optional.of(dir));
    }

    public PowerAgentConfig withHost(String newHost) {
        return new PowerAgentConfig(newHost, sources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, bufferCapacity, sourceSettings, spoolDir);
    }

    public PowerAgentConfig withSources(List<String> newSources) {
        return new PowerAgentConfig(host, newSources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, bufferCapacity, sourceSettings, spoolDir);
    }

    public PowerAgentConfig withInterval(String source, Duration interval) {
        Map<String, Duration> next = new HashMap<>(intervals);
        next.put(source, interval);
        return new PowerAgentConfig(host, sources, next, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, bufferCapacity, sourceSettings, spoolDir);
    }

    public PowerAgentConfig withEstimate(double tdpWatts, double idleFraction, double wattsPerGib) {
        return new PowerAgentConfig(host, sources, intervals, tdpWatts, idleFraction, wattsPerGib,
                topic, bufferCapacity, sourceSettings, spoolDir);
    }

    public PowerAgentConfig withTopic(String newTopic) {
        return new PowerAgentConfig(host, sources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, newTopic, bufferCapacity, sourceSettings, spoolDir);
    }

    public PowerAgentConfig withBufferCapacity(int capacity) {
        return new PowerAgentConfig(host, sources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, capacity, sourceSettings, spoolDir);
    }

    public PowerAgentConfig withSourceSetting(String key, String value) {
        Map<String, String> next = new HashMap<>(sourceSettings);
        next.put(key, value);
        return new PowerAgentConfig(host, sources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, bufferCapacity, next, spoolDir);
    }

    /** The sampling interval of {@code source}: configured, else the source's default. */
    public Duration intervalFor(PowerSource source) {
        return intervals.getOrDefault(source.name(), source.defaultInterval());
    }

    /** What sources get when opened: host, clock, and settings including the estimate's. */
    public SourceContext sourceContext(InstantSource clock) {
        Map<String, String> settings = new HashMap<>(sourceSettings);
        settings.put(EstimateSource.TDP_WATTS, Double.toString(cpuTdpWatts));
        settings.put(EstimateSource.IDLE_FRACTION, Double.toString(cpuIdleFraction));
        settings.put(EstimateSource.DRAM_WATTS_PER_GIB, Double.toString(dramWattsPerGib));
        return new SourceContext(host, clock, settings);
    }

    private static void requireText(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }
}
