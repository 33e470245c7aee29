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
 * @param sendInterval with a spool: how long samples gather before one transaction (default {@link
 *     #DEFAULT_SEND_INTERVAL}); 0 sends each tick's samples at once
 * @param sourceSettings other source settings, keys prefixed by source name, e.g. {@code
 *     "wattmeter.device"}
 */
public record PowerAgentConfig(String host, List<String> sources, Map<String, Duration> intervals,
        double cpuTdpWatts, double cpuIdleFraction, double dramWattsPerGib, String topic,
        int bufferCapacity, Map<String, String> sourceSettings, Optional<Path> spoolDir, Duration sendInterval) {

    public static final List<String> DEFAULT_SOURCES = List.of("nvml", "rapl", "wattmeter", "estimate");
    public static final int DEFAULT_BUFFER_CAPACITY = 10_000;
    /**
     * How long the spooling publisher gathers samples before one transaction: each transaction costs
     * broker round trips and a sync of the spool; at 10 Hz with 8 GPUs, a transaction every 250 ms cost
     * the agent 1.5x the CPU of one a second (docs/benchmarks.md). A second more of latency before the
     * analyzer attributes the samples; nothing is lost or reordered either way.
     */
    public static final Duration DEFAULT_SEND_INTERVAL = Duration.ofSeconds(1);

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
        Objects.requireNonNull(spoolDir, "spoolDir (use Optional.empty())");
        Objects.requireNonNull(sendInterval, "sendInterval");
        if (sendInterval.isNegative() || sendInterval.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("send interval must be between 0 and 1 min: " + sendInterval);
        }
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
                DEFAULT_BUFFER_CAPACITY, Map.of(), Optional.empty(), DEFAULT_SEND_INTERVAL);
    }

    public PowerAgentConfig withSpoolDir(Path dir) {
        return new PowerAgentConfig(host, sources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, bufferCapacity, sourceSettings, Optional.of(dir), sendInterval);
    }

    public PowerAgentConfig withSendInterval(Duration interval) {
        return new PowerAgentConfig(host, sources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, bufferCapacity, sourceSettings, spoolDir, interval);
    }

    public PowerAgentConfig withHost(String newHost) {
        return new PowerAgentConfig(newHost, sources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, bufferCapacity, sourceSettings, spoolDir, sendInterval);
    }

    public PowerAgentConfig withSources(List<String> newSources) {
        return new PowerAgentConfig(host, newSources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, bufferCapacity, sourceSettings, spoolDir, sendInterval);
    }

    public PowerAgentConfig withInterval(String source, Duration interval) {
        Map<String, Duration> next = new HashMap<>(intervals);
        next.put(source, interval);
        return new PowerAgentConfig(host, sources, next, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, bufferCapacity, sourceSettings, spoolDir, sendInterval);
    }

    public PowerAgentConfig withEstimate(double tdpWatts, double idleFraction, double wattsPerGib) {
        return new PowerAgentConfig(host, sources, intervals, tdpWatts, idleFraction, wattsPerGib,
                topic, bufferCapacity, sourceSettings, spoolDir, sendInterval);
    }

    public PowerAgentConfig withTopic(String newTopic) {
        return new PowerAgentConfig(host, sources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, newTopic, bufferCapacity, sourceSettings, spoolDir, sendInterval);
    }

    public PowerAgentConfig withBufferCapacity(int capacity) {
        return new PowerAgentConfig(host, sources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, capacity, sourceSettings, spoolDir, sendInterval);
    }

    public PowerAgentConfig withSourceSetting(String key, String value) {
        Map<String, String> next = new HashMap<>(sourceSettings);
        next.put(key, value);
        return new PowerAgentConfig(host, sources, intervals, cpuTdpWatts, cpuIdleFraction,
                dramWattsPerGib, topic, bufferCapacity, next, spoolDir, sendInterval);
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

    /** As the record's, with secret settings (a plug's password) shown as {@code ***}. */
    @Override
    public String toString() {
        return "PowerAgentConfig[host=" + host + ", sources=" + sources + ", intervals=" + intervals + ", cpuTdpWatts="
                + cpuTdpWatts + ", cpuIdleFraction=" + cpuIdleFraction + ", dramWattsPerGib=" + dramWattsPerGib + ", topic="
                + topic + ", bufferCapacity=" + bufferCapacity + ", sourceSettings=" + SourceContext.redacted(sourceSettings)
                + ", spoolDir=" + spoolDir + ", sendInterval=" + sendInterval + "]";
    }
}
