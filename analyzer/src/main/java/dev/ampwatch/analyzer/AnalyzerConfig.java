package dev.ampwatch.analyzer;

import dev.ampwatch.analyzer.energy.AttributionSettings;
import dev.ampwatch.analyzer.stats.StatisticsSettings;
import dev.ampwatch.analyzer.timeline.TimelineSettings;
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
 * @param inputIdle an input of a host (a run's events, a replay's progress promises, the samples) that
 *     shows nothing new for this long in the analyzer's clock, while the other input moves this far past
 *     it in event time, stops holding the host's attribution back (a trainer killed without its end
 *     event); zero: inputs are never declared idle. Only a record that arrives after that can be late.
 * @param quietFlush wall-clock time after which a host that sent nothing more is flushed: everything
 *     buffered is attributed and runs that ended are finalized (zero: never)
 * @param runSilence runs whose trainer fell silent are closed as FAILED (closed_silent) at their last sign of
 *     life: runs that heartbeat once their events input is declared idle; others after this long of silence
 *     in the host's event time; zero: never
 * @param statistics how experiments are tested: significance level, equivalence margin, power target
 * @param liveCommitInterval live run energy is committed (visible to read-committed readers) at most this
 *     long after it is produced; a backlog is committed at Kafka Streams' {@code commit.interval.ms}
 * @param kafkaClientMetrics whether /metrics carries the Kafka client metrics (about a thousand series per
 *     instance)
 * @param maxOutputBytes the largest run-energy record to send: the smaller of the producer's
 *     {@code max.request.size} and the topic's {@code max.message.bytes}, less room for the batch (found at
 *     start); a larger one goes out without its per-epoch detail, the whole of it to the dead-letter topic
 * @param engine what runs the attribution: {@link Engine#DIRECT} (plain clients, the default) or
 *     {@link Engine#STREAMS} (Kafka Streams); the statistics run on Kafka Streams either way
 * @param forecast how runs' totals are forecast from their first epochs (docs/forecasts.md)
 * @param maxTimeJump a sample stamped more than this ahead of its host's samples moves nothing until the host's next
 *     samples confirm the jump (they go on beyond it) or refute it (one comes back: the sample is dead-lettered, kind
 *     time-jump); zero: off (docs/energy.md, "Samples far ahead of their host")
 */
public record AnalyzerConfig(String applicationId, Topics topics, Duration grace, Duration maxGap,
                             Duration emitInterval, Duration minIdle, double carbonIntensityGramsPerKwh,
                             Map<String, Double> carbonIntensityByHost, Duration maxFutureSkew, Path stateDir,
                             Duration inputIdle, Duration quietFlush, Duration runSilence, StatisticsSettings statistics,
                             Duration liveCommitInterval, boolean kafkaClientMetrics, int maxOutputBytes, Engine engine,
                             dev.ampwatch.analyzer.forecast.ForecastSettings forecast, Duration maxTimeJump) {

    /** What runs the attribution of samples to runs (docs/architecture: "Engines"). */
    public enum Engine {
        /**
         * Plain consumers and a transactional producer, one group member per thread: the same step and
         * changelog as {@link #STREAMS}, at 1.5-1.8x its throughput (docs/benchmarks.md).
         */
        DIRECT,
        /** A Kafka Streams processor; the reference, and what analyzers before the direct engine ran. */
        STREAMS
    }

    public AnalyzerConfig {
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(topics, "topics");
        requirePositive("grace", grace, true);
        requirePositive("max-gap", maxGap, false);
        requirePositive("emit-interval", emitInterval, true);
        requirePositive("min-idle", minIdle, true);
        requirePositive("max-future-skew", maxFutureSkew, false);
        requirePositive("input-idle", inputIdle, true);
        requirePositive("quiet-flush", quietFlush, true);
        requirePositive("run-silence-timeout", runSilence, true);
        Objects.requireNonNull(statistics, "statistics");
        requirePositive("live-commit-interval", liveCommitInterval, true);
        if (maxOutputBytes < 1024) {
            throw new IllegalArgumentException("max output bytes must be at least 1024, was " + maxOutputBytes);
        }
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(forecast, "forecast");
        requirePositive("max-time-jump", maxTimeJump, true);
        carbonIntensityByHost = Map.copyOf(carbonIntensityByHost);
        new AttributionSettings(maxGap, emitInterval, minIdle, carbonIntensityGramsPerKwh); // validates
    }

    /** Kafka's defaults (1 MiB for both limits) less room for the batch and record overhead and headers. */
    public static final int DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024 - 4096;

    public static AnalyzerConfig defaults() {
        return new AnalyzerConfig("ampwatch-analyzer", Topics.defaults(), Duration.ofSeconds(2), Duration.ofSeconds(10),
                Duration.ofMillis(500), Duration.ofSeconds(5), 400.0, Map.of(), dev.ampwatch.schema.time.EventTimes.MAX_FUTURE_SKEW,
                Path.of(System.getProperty("java.io.tmpdir"), "ampwatch-streams"), Duration.ofSeconds(30), Duration.ofSeconds(30),
                Duration.ofMinutes(30), StatisticsSettings.DEFAULTS, Duration.ofMillis(100), true,
                DEFAULT_MAX_OUTPUT_BYTES, Engine.DIRECT, dev.ampwatch.analyzer.forecast.ForecastSettings.DEFAULTS,
                TimelineSettings.DEFAULT_MAX_TIME_JUMP);
    }

    /** How hosts' timelines wait for their inputs. */
    public TimelineSettings timeline() {
        return new TimelineSettings(grace, inputIdle, quietFlush, runSilence, maxTimeJump);
    }

    public AttributionSettings attributionFor(String host) {
        return new AttributionSettings(maxGap, emitInterval, minIdle,
                carbonIntensityByHost.getOrDefault(host, carbonIntensityGramsPerKwh), forecast);
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public AnalyzerConfig withApplicationId(String id) {
        return toBuilder().applicationId(id).build();
    }

    public AnalyzerConfig withTopics(Topics t) {
        return toBuilder().topics(t).build();
    }

    public AnalyzerConfig withStateDir(Path dir) {
        return toBuilder().stateDir(dir).build();
    }

    public AnalyzerConfig withTiming(Duration newGrace, Duration newMaxGap, Duration newEmitInterval) {
        return toBuilder().grace(newGrace).maxGap(newMaxGap).emitInterval(newEmitInterval).build();
    }

    public AnalyzerConfig withCarbonIntensity(double gramsPerKwh, Map<String, Double> byHost) {
        return toBuilder().carbonIntensity(gramsPerKwh, byHost).build();
    }

    public AnalyzerConfig withInputIdle(Duration idle) {
        return toBuilder().inputIdle(idle).build();
    }

    public AnalyzerConfig withQuietFlush(Duration after) {
        return toBuilder().quietFlush(after).build();
    }

    /** Mutable, not thread-safe; {@link #build()} validates. */
    public static final class Builder {
        private String applicationId;
        private Topics topics;
        private Duration grace;
        private Duration maxGap;
        private Duration emitInterval;
        private Duration minIdle;
        private double carbonIntensity;
        private Map<String, Double> carbonIntensityByHost;
        private Duration maxFutureSkew;
        private Path stateDir;
        private Duration inputIdle;
        private Duration quietFlush;
        private Duration runSilence;
        private StatisticsSettings statistics;
        private Duration liveCommitInterval;
        private boolean kafkaClientMetrics;
        private int maxOutputBytes;
        private Engine engine;
        private dev.ampwatch.analyzer.forecast.ForecastSettings forecast;
        private Duration maxTimeJump;

        private Builder(AnalyzerConfig c) {
            applicationId = c.applicationId;
            topics = c.topics;
            grace = c.grace;
            maxGap = c.maxGap;
            emitInterval = c.emitInterval;
            minIdle = c.minIdle;
            carbonIntensity = c.carbonIntensityGramsPerKwh;
            carbonIntensityByHost = c.carbonIntensityByHost;
            maxFutureSkew = c.maxFutureSkew;
            stateDir = c.stateDir;
            inputIdle = c.inputIdle;
            quietFlush = c.quietFlush;
            runSilence = c.runSilence;
            statistics = c.statistics;
            liveCommitInterval = c.liveCommitInterval;
            kafkaClientMetrics = c.kafkaClientMetrics;
            maxOutputBytes = c.maxOutputBytes;
            engine = c.engine;
            forecast = c.forecast;
            maxTimeJump = c.maxTimeJump;
        }

        public Builder applicationId(String v) { applicationId = v; return this; }
        public Builder topics(Topics v) { topics = v; return this; }
        public Builder grace(Duration v) { grace = v; return this; }
        public Builder maxGap(Duration v) { maxGap = v; return this; }
        public Builder emitInterval(Duration v) { emitInterval = v; return this; }
        public Builder minIdle(Duration v) { minIdle = v; return this; }
        public Builder carbonIntensity(double gramsPerKwh, Map<String, Double> byHost) {
            carbonIntensity = gramsPerKwh;
            carbonIntensityByHost = byHost;
            return this;
        }
        public Builder maxFutureSkew(Duration v) { maxFutureSkew = v; return this; }
        public Builder stateDir(Path v) { stateDir = v; return this; }
        public Builder inputIdle(Duration v) { inputIdle = v; return this; }
        public Builder quietFlush(Duration v) { quietFlush = v; return this; }
        public Builder runSilence(Duration v) { runSilence = v; return this; }
        public Builder statistics(StatisticsSettings v) { statistics = v; return this; }
        public Builder liveCommitInterval(Duration v) { liveCommitInterval = v; return this; }
        public Builder kafkaClientMetrics(boolean v) { kafkaClientMetrics = v; return this; }
        public Builder maxOutputBytes(int v) { maxOutputBytes = v; return this; }
        public Builder engine(Engine v) { engine = v; return this; }
        public Builder forecast(dev.ampwatch.analyzer.forecast.ForecastSettings v) { forecast = v; return this; }
        public Builder maxTimeJump(Duration v) { maxTimeJump = v; return this; }

        public AnalyzerConfig build() {
            return new AnalyzerConfig(applicationId, topics, grace, maxGap, emitInterval, minIdle, carbonIntensity,
                    carbonIntensityByHost, maxFutureSkew, stateDir, inputIdle, quietFlush, runSilence, statistics,
                    liveCommitInterval, kafkaClientMetrics, maxOutputBytes, engine, forecast, maxTimeJump);
        }
    }

    private static void requirePositive(String name, Duration d, boolean zeroAllowed) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw new IllegalArgumentException(name + " must be " + (zeroAllowed ? ">= 0" : "> 0") + ", was " + d);
        }
    }
}
