package dev.ampwatch.cli;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.forecast.ForecastSettings;
import dev.ampwatch.analyzer.stats.StatisticsSettings;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Analyzer settings shared by {@code analyzer} and {@code demo}. */
final class AnalyzerOptions {
    @Option(names = "--application-id", defaultValue = "ampwatch-analyzer",
            description = "Kafka Streams application id; instances with the same id share the work (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--state-dir", description = "Kafka Streams state directory (default: ampwatch-data/streams).")
    Path stateDir;

    @Option(names = "--grace", defaultValue = "2s", converter = DurationConverter.class,
            description = "How long to wait for out-of-order records (default: ${DEFAULT-VALUE}).")
    Duration grace;

    @Option(names = "--max-gap", defaultValue = "10s", converter = DurationConverter.class,
            description = "Readings further apart are reported as a gap, not integrated (default: ${DEFAULT-VALUE}).")
    Duration maxGap;

    @Option(names = "--max-time-jump", defaultValue = "10s", converter = DurationConverter.class,
            description = "A sample stamped further than this ahead of its host's samples (event time) moves nothing until the "
                    + "host's next samples confirm the jump; if one comes back instead, it is a clock glitch: dead letter, kind "
                    + "time-jump. Keep it above the longest sampling interval; 0s off (default: ${DEFAULT-VALUE}).")
    Duration maxTimeJump;

    @Option(names = "--emit-interval", defaultValue = "500ms", converter = DurationConverter.class,
            description = "Running totals of a live run at most this often, in event time (default: ${DEFAULT-VALUE}).")
    Duration emitInterval;

    @Option(names = "--min-idle", defaultValue = "5s", converter = DurationConverter.class,
            description = "Idle time a device needs before its idle baseline is used for net energy (default: ${DEFAULT-VALUE}).")
    Duration minIdle;

    @Option(names = "--input-idle", defaultValue = "30s", converter = DurationConverter.class,
            description = "An input of a host (a run's events, a replay's progress, the samples) that shows nothing new for this "
                    + "long (wall clock) while the other moves this far past it (event time) stops holding the host back, "
                    + "e.g. a trainer killed without its end event; 0s never (default: ${DEFAULT-VALUE}).")
    Duration inputIdle;

    @Option(names = "--quiet-flush", defaultValue = "30s", converter = DurationConverter.class,
            description = "A host that sends nothing for this long (wall clock) is flushed: what it sent is attributed and "
                    + "runs that ended are finalized; 0s never (default: ${DEFAULT-VALUE}).")
    Duration quietFlush;

    @Option(names = "--run-silence-timeout", defaultValue = "30m", converter = DurationConverter.class,
            description = "A run whose trainer falls silent is closed as FAILED (quality.closed_silent) at its last sign of life: "
                    + "a run that sent heartbeats (train, sweep, follow) once its events are declared idle (--input-idle), "
                    + "one that never did after this long without an event, in the host's event time; 0s never (default: ${DEFAULT-VALUE}).")
    Duration runSilence;

    @Option(names = "--max-future-skew", defaultValue = "1h", converter = DurationConverter.class,
            description = "A record stamped further than this ahead of the analyzer's clock is refused (dead letter, kind "
                    + "invalid): a host with a wrong clock would otherwise hold its timeline far in the future (default: ${DEFAULT-VALUE}).")
    Duration maxFutureSkew;

    @Option(names = "--forecast-after-epochs", defaultValue = "2", paramLabel = "K",
            description = "Complete epochs a run needs before its total energy, end and CO2e are forecast (at least 2; "
                    + "docs/forecasts.md) (default: ${DEFAULT-VALUE}).")
    int forecastAfterEpochs;

    @Option(names = "--forecast-confidence", defaultValue = "0.95", paramLabel = "P",
            description = "Coverage of the forecasts' prediction intervals (default: ${DEFAULT-VALUE}).")
    double forecastConfidence;

    @Option(names = "--carbon-intensity", defaultValue = "400", paramLabel = "G_PER_KWH",
            description = "Grid carbon intensity in gCO2e/kWh (default: ${DEFAULT-VALUE}).")
    double carbonIntensity;

    @Option(names = "--host-carbon-intensity", paramLabel = "HOST=G_PER_KWH",
            description = "Carbon intensity of one host, overriding --carbon-intensity. Repeatable.")
    Map<String, Double> hostCarbonIntensity = new HashMap<>();

    @Option(names = "--kafka-client-metrics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Put the Kafka client metrics (consumer lag, process rates; ~1,000 series per instance, "
                    + "with a client id that stays the same across restarts) on /metrics; --no-kafka-client-metrics leaves "
                    + "them out (default: ${DEFAULT-VALUE}).")
    boolean kafkaClientMetrics;

    @Option(names = "--engine", defaultValue = "direct", paramLabel = "direct|streams",
            converter = EngineConverter.class,
            description = "What attributes samples to runs: direct (plain Kafka clients with transactions; the faster) or "
                    + "streams (Kafka Streams, what earlier analyzers ran). Both give the same joules; an analyzer that ran on "
                    + "streams continues on direct from its committed offsets and state (docs/energy.md) (default: ${DEFAULT-VALUE}).")
    AnalyzerConfig.Engine engine;

    /** Lower-case names on the command line. */
    static final class EngineConverter implements picocli.CommandLine.ITypeConverter<AnalyzerConfig.Engine> {
        @Override
        public AnalyzerConfig.Engine convert(String value) {
            try {
                return AnalyzerConfig.Engine.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not an engine; use direct or streams");
            }
        }
    }

    @Option(names = "--live-commit-interval", defaultValue = "100ms", converter = DurationConverter.class,
            description = "Live run energy is committed, and so visible to readers, at most this long after it is produced; "
                    + "shorter means lower latency and more CPU per host (default: ${DEFAULT-VALUE}).")
    Duration liveCommitInterval;

    @Option(names = "--equivalence-margin", defaultValue = "0.05", paramLabel = "RATIO",
            description = "Two configurations count as equivalent (TOST) when their difference is within this fraction of the "
                    + "reference's mean, e.g. 0.05 for +-5 %% of FP32; also the difference the power analysis sizes runs for "
                    + "(default: ${DEFAULT-VALUE}).")
    double equivalenceMargin;

    @Option(names = "--alpha", defaultValue = "0.05",
            description = "Significance level of every test; intervals are at 1 - alpha (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = {"--http-host", "--metrics-host"}, defaultValue = "127.0.0.1",
            description = "Address of /metrics, /health and /runs; other analyzer instances call it too (default: ${DEFAULT-VALUE}).")
    String metricsHost;

    @Option(names = {"--http-port", "--metrics-port"}, defaultValue = "9464",
            description = "Port of /metrics, /health and /runs; 0 picks one (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--metrics-retention", defaultValue = "1h", converter = DurationConverter.class,
            description = "How long a finished run's series stay on /metrics (default: ${DEFAULT-VALUE}).")
    Duration metricsRetention;

    @Option(names = "--partitions", defaultValue = "1",
            description = "Partitions of the topics it creates where missing; both inputs must have the same count (default: ${DEFAULT-VALUE}).")
    int partitions;

    AnalyzerConfig config(Topics topics, Path defaultStateDir) {
        return AnalyzerConfig.defaults().toBuilder().applicationId(applicationId).topics(topics).grace(grace)
                .maxGap(maxGap).maxTimeJump(maxTimeJump).emitInterval(emitInterval).minIdle(minIdle)
                .carbonIntensity(carbonIntensity, hostCarbonIntensity)
                .stateDir(stateDir != null ? stateDir : defaultStateDir)
                .inputIdle(inputIdle).quietFlush(quietFlush).runSilence(runSilence).liveCommitInterval(liveCommitInterval)
                .maxFutureSkew(maxFutureSkew)
                .kafkaClientMetrics(kafkaClientMetrics).engine(engine)
                .forecast(new ForecastSettings(forecastAfterEpochs, forecastConfidence, ForecastSettings.DEFAULTS.trendAlpha()))
                .statistics(new StatisticsSettings(alpha, equivalenceMargin, StatisticsSettings.DEFAULTS.powerTarget(), null)).build();
    }
}
