package dev.ampwatch.analyzer;

import dev.ampwatch.analyzer.energy.AttributionSettings;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of one analyzer instance. Immutable and validated.
 *
 * @param applicationId Kafka Streams application id; instances with the same id share the work
 * @param topics topic names
 * @param grace how long to wait for out-of-order records before attributing a stretch of event time
 * @param maxGap readings further apart than this are a gap, not integrated
 * @param emitInterval running totals of a live run at most this often (event time)
 * @param minIdle idle time a device needs before its idle baseline counts
 * @param carbonIntensityGramsPerKwh default grid intensity, gCO2e/kWh
 * @param carbonIntensityByHost per-host overrides
 * @param maxFutureSkew samples stamped further than this ahead of the analyzer's clock are rejected
 * @param stateDir Kafka Streams state directory
 * @param inputPartitions partitions of the host-keyed repartition topic (match the power-samples topic)
 * @param hold wall-clock time a record's event time must have been seen before the watermark may pass
 *     it: gives training events, which reach the analyzer through a repartition topic, time to catch up
 *     with samples when data arrives faster than real time (a replay, a backlog after an outage).
 *     Zero makes attribution depend on event time only.
 * @param quietFlush wall-clock time after which a host that sent nothing more is flushed: everything
 *     buffered is attributed and runs that ended are finalized (zero: never)
 */
public record AnalyzerConfig(String applicationId, Topics topics, Duration grace, Duration maxGap,
                             Duration emitInterval, Duration minIdle, double carbonIntensityGramsPerKwh,
                             Map<String, Double> carbonIntensityByHost, Duration maxFutureSkew, Path stateDir,
                             int inputPartitions, Duration hold, Duration quietFlush) {

    public AnalyzerConfig {
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(topics, "topics");
        requirePositive("grace", grace, true);
        requirePositive("max-gap", maxGap, false);
        requirePositive("emit-interval", emitInterval, true);
        requirePositive("min-idle", minIdle, true);
        requirePositive("max-future-skew", maxFutureSkew, false);
        requirePositive("hold", hold, true);
        requirePositive("quiet-flush", quietFlush, true);
        carbonIntensityByHost = Map.copyOf(carbonIntensityByHost);
        if (inputPartitions < 1) {
            throw new IllegalArgumentException("input partitions must be >= 1, was " + inputPartitions);
        }
        new AttributionSettings(maxGap, emitInterval, minIdle, carbonIntensityGramsPerKwh); // validates
    }

    public static AnalyzerConfig defaults() {
        return new AnalyzerConfig("ampwatch-analyzer", Topics.defaults(), Duration.ofSeconds(2), Duration.ofSeconds(10),
                Duration.ofSeconds(1), Duration.ofSeconds(5), 400.0, Map.of(), Duration.ofHours(1),
                Path.of(System.getProperty("java.io.tmpdir"), "ampwatch-streams"), 1, Duration.ZERO, Duration.ofSeconds(30));
    }

    public AttributionSettings attributionFor(String host) {
        return new AttributionSettings(maxGap, emitInterval, minIdle,
                carbonIntensityByHost.getOrDefault(host, carbonIntensityGramsPerKwh));
    }

    public AnalyzerConfig withApplicationId(String id) {
        return new AnalyzerConfig(id, topics, grace, maxGap, emitInterval, minIdle, carbonIntensityGramsPerKwh,
                carbonIntensityByHost, maxFutureSkew, stateDir, inputPartitions, hold, quietFlush);
    }

    public AnalyzerConfig withTopics(Topics t) {
        return new AnalyzerConfig(applicationId, t, grace, maxGap, emitInterval, minIdle, carbonIntensityGramsPerKwh,
                carbonIntensityByHost, maxFutureSkew, stateDir, inputPartitions, hold, quietFlush);
    }

    public AnalyzerConfig withStateDir(Path dir) {
        return new AnalyzerConfig(applicationId, topics, grace, maxGap, emitInterval, minIdle, carbonIntensityGramsPerKwh,
                carbonIntensityByHost, maxFutureSkew, dir, inputPartitions, hold, quietFlush);
    }

    public AnalyzerConfig withTiming(Duration newGrace, Duration newMaxGap, Duration newEmitInterval) {
        return new AnalyzerConfig(applicationId, topics, newGrace, newMaxGap, newEmitInterval, minIdle,
                carbonIntensityGramsPerKwh, carbonIntensityByHost, maxFutureSkew, stateDir, inputPartitions, hold, quietFlush);
    }

    public AnalyzerConfig withCarbonIntensity(double gramsPerKwh, Map<String, Double> byHost) {
        return new AnalyzerConfig(applicationId, topics, grace, maxGap, emitInterval, minIdle, gramsPerKwh,
                byHost, maxFutureSkew, stateDir, inputPartitions, hold, quietFlush);
    }

    public AnalyzerConfig withHold(Duration newHold) {
        return new AnalyzerConfig(applicationId, topics, grace, maxGap, emitInterval, minIdle, carbonIntensityGramsPerKwh,
                carbonIntensityByHost, maxFutureSkew, stateDir, inputPartitions, newHold, quietFlush);
    }

    public AnalyzerConfig withQuietFlush(Duration after) {
        return new AnalyzerConfig(applicationId, topics, grace, maxGap, emitInterval, minIdle, carbonIntensityGramsPerKwh,
                carbonIntensityByHost, maxFutureSkew, stateDir, inputPartitions, hold, after);
    }

    public AnalyzerConfig withInputPartitions(int partitions) {
        return new AnalyzerConfig(applicationId, topics, grace, maxGap, emitInterval, minIdle, carbonIntensityGramsPerKwh,
                carbonIntensityByHost, maxFutureSkew, stateDir, partitions, hold, quietFlush);
    }

    private static void requirePositive(String name, Duration d, boolean zeroAllowed) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw new IllegalArgumentException(name + " must be " + (zeroAllowed ? ">= 0" : "> 0") + ", was " + d);
        }
    }
}
