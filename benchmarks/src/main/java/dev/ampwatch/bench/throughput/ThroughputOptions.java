package dev.ampwatch.bench.throughput;

import java.nio.file.Path;
import java.time.Duration;
import dev.ampwatch.analyzer.AnalyzerConfig;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Settings of one throughput run, from {@code --name=value} arguments (see {@link #USAGE}).
 *
 * @param samples backlog size (power samples); the event time it spans follows from hosts and the rate
 * @param hosts hosts in the backlog, each with one 10-epoch run
 * @param partitions partitions of every topic (both inputs the same: they are co-partitioned)
 * @param streamThreads the analyzer's {@code num.stream.threads}
 * @param liveHosts hosts producing live in the latency step (50 samples/s each)
 * @param warmup live production before latencies count
 * @param measure the window whose latencies are reported
 * @param profile a JFR recording of the analyzer step, written here (null: none)
 * @param profileLive a JFR recording of the latency step, written here (null: none)
 * @param timeout longest wait for the analyzer to finalize every run
 * @param guarantee the analyzer's {@code processing.guarantee} (exactly_once_v2, its default; at_least_once to
 *     see what exactly-once costs)
 * @param emitInterval the analyzer's emit interval of running totals (default: the analyzer's, 500 ms)
 * @param liveCommitInterval the analyzer's live commit interval (its default: 100 ms)
 * @param streams further Kafka Streams settings for the analyzer, to try one ({@code --streams=k=v,k2=v2})
 * @param engines the analyzer engines to measure, each on the same backlog in this one run
 * @param analyzerWarmup passes each engine first makes over the same backlog (own application id and outputs,
 *     not counted), so the measured run is of compiled code as the plain consumer's is (0: measure it cold)
 */
record ThroughputOptions(long samples, int hosts, int partitions, int streamThreads, int liveHosts, Duration warmup,
                         Duration measure, Path profile, Path profileLive, Duration timeout, String guarantee, Duration emitInterval, Duration liveCommitInterval,
                         Map<String, String> streams, List<AnalyzerConfig.Engine> engines, int analyzerWarmup) {
    static final String USAGE = """
            usage: benchmarks/throughput.sh [--samples=1000000] [--hosts=20] [--partitions=4] [--threads=2]
                   [--live-hosts=400] [--warmup=10] [--measure=30] [--profile=FILE.jfr] [--profile-live=FILE.jfr] [--timeout=1800]
                   [--guarantee=exactly_once_v2|at_least_once] [--emit-interval-ms=500] [--live-commit-ms=100]
                   [--streams=commit.interval.ms=200,...] [--engines=direct,streams] [--analyzer-warmup=2]
              --live-hosts=0 skips the latency step; durations are seconds""";

    static ThroughputOptions parse(String[] args) {
        Map<String, String> given = new TreeMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --name=value, got '" + a + "'\n" + USAGE);
            }
            given.put(a.substring(2, eq), a.substring(eq + 1));
        }
        ThroughputOptions o = new ThroughputOptions(
                Long.parseLong(take(given, "samples", "1000000")),
                Integer.parseInt(take(given, "hosts", "20")),
                Integer.parseInt(take(given, "partitions", "4")),
                Integer.parseInt(take(given, "threads", "2")),
                Integer.parseInt(take(given, "live-hosts", "400")),
                Duration.ofSeconds(Long.parseLong(take(given, "warmup", "10"))),
                Duration.ofSeconds(Long.parseLong(take(given, "measure", "30"))),
                given.containsKey("profile") ? Path.of(given.remove("profile")) : null,
                given.containsKey("profile-live") ? Path.of(given.remove("profile-live")) : null,
                Duration.ofSeconds(Long.parseLong(take(given, "timeout", "1800"))),
                take(given, "guarantee", "exactly_once_v2"),
                Duration.ofMillis(Long.parseLong(take(given, "emit-interval-ms",
                        Long.toString(dev.ampwatch.analyzer.AnalyzerConfig.defaults().emitInterval().toMillis())))),
                Duration.ofMillis(Long.parseLong(take(given, "live-commit-ms", "100"))),
                settings(take(given, "streams", "")),
                java.util.Arrays.stream(take(given, "engines", "direct,streams").split(","))
                        .map(e -> AnalyzerConfig.Engine.valueOf(e.trim().toUpperCase(java.util.Locale.ROOT))).toList(),
                Integer.parseInt(take(given, "analyzer-warmup", "2")));
        if (!given.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s) " + given.keySet() + "\n" + USAGE);
        }
        if (o.samples < o.hosts * Fleet.SAMPLES_PER_TICK * 400L) {
            throw new IllegalArgumentException("--samples=" + o.samples + " is under 40 s of event time for "
                    + o.hosts + " hosts; at least " + o.hosts * Fleet.SAMPLES_PER_TICK * 400L + " are needed");
        }
        return o;
    }

    private static Map<String, String> settings(String list) {
        Map<String, String> out = new TreeMap<>();
        for (String kv : list.split(",")) {
            int eq = kv.indexOf('=');
            if (!kv.isBlank() && eq <= 0) {
                throw new IllegalArgumentException("--streams takes key=value pairs separated by commas, got '" + kv + "'\n" + USAGE);
            }
            if (!kv.isBlank()) {
                out.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return out;
    }

    private static String take(Map<String, String> given, String name, String fallback) {
        String v = given.remove(name);
        return v == null ? fallback : v;
    }
}
