package dev.ampwatch.bench.throughput;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Starts the analyzer (exactly-once, the default) on a backlog and waits until every run's final record
 * is committed on the run-energy topic, optionally under a JFR recording of this JVM (the broker runs
 * in another process, so the profile is the analyzer's and the harness's own consumer).
 */
final class AnalyzerStep {
    /** {@code fromAttributingSeconds}: from the direct engine's first member having its partitions; NaN otherwise. */
    record Result(double fromStartSeconds, double fromRunningSeconds, double fromAttributingSeconds, Map<String, RunEnergy> finals,
                  long runningTotals, String cpu) {}

    private AnalyzerStep() {}

    static AnalyzerConfig config(Topics topics, String applicationId, Path stateDir, ThroughputOptions o) {
        return config(topics, applicationId, stateDir, o, o.engines().get(0));
    }

    static AnalyzerConfig config(Topics topics, String applicationId, Path stateDir, ThroughputOptions o,
                                 AnalyzerConfig.Engine engine) {
        return AnalyzerConfig.defaults().toBuilder().applicationId(applicationId).topics(topics).stateDir(stateDir)
                .emitInterval(o.emitInterval()).liveCommitInterval(o.liveCommitInterval()).engine(engine).build();
    }

    static Map<String, Object> streamsClient(Map<String, Object> client, ThroughputOptions o) {
        Map<String, Object> p = new HashMap<>(client);
        p.put("num.stream.threads", o.streamThreads());
        p.put("processing.guarantee", o.guarantee());
        p.putAll(o.streams());
        return p;
    }

    /** A JFR recording of this JVM, sampling more often than the profile's 10 ms (20 ms native) for steadier shares. */
    static Recording recording() throws Exception {
        Recording recording = new Recording(Configuration.getConfiguration("profile"));
        recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(2));
        recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(5));
        return recording;
    }

    static Result run(Map<String, Object> client, AnalyzerConfig config, ThroughputOptions o, Set<String> runIds,
                      long brokerPid) throws Exception {
        return run(client, config, o, runIds, brokerPid, o.profile());
    }

    static Result run(Map<String, Object> client, AnalyzerConfig config, ThroughputOptions o, Set<String> runIds,
                      long brokerPid, Path profile) throws Exception {
        Duration timeout = o.timeout();
        Recording recording = profile == null ? null : recording();
        Topics topics = config.topics();
        try (KafkaConsumer<String, RunEnergy> out = Kafka.fromBeginning(client, topics.runEnergy().name(),
                new StringDeserializer(), topics.runEnergy().valueSerde().deserializer(), true)) {
            if (recording != null) {
                recording.start();
            }
            long t0 = System.nanoTime();
            CpuMeter cpu = new CpuMeter(brokerPid);
            try (AnalyzerApp app = AnalyzerApp.start(config, streamsClient(client, o), "127.0.0.1", 0, Duration.ofMinutes(5))) {
                if (!app.awaitRunning(Duration.ofSeconds(120))) {
                    throw new IllegalStateException("the analyzer did not reach RUNNING within 120 s: " + app.state());
                }
                long running = System.nanoTime();
                Map<String, RunEnergy> finals = new HashMap<>();
                long totals = 0;
                long latestUs = Long.MIN_VALUE;
                long deadline = t0 + timeout.toNanos();
                long nextReport = System.nanoTime() + 10_000_000_000L;
                while (finals.size() < runIds.size()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("only " + finals.size() + " of " + runIds.size()
                                + " runs final after " + timeout + "; analyzer " + app.state());
                    }
                    for (ConsumerRecord<String, RunEnergy> r : out.poll(Duration.ofMillis(100))) {
                        RunEnergy e = r.value();
                        latestUs = Math.max(latestUs, Fleet.micros(e.getAttributedUntil()));
                        if (e.getIsFinal()) {
                            finals.put(e.getRunId(), e);
                        } else {
                            totals++;
                        }
                    }
                    if (System.nanoTime() > nextReport) {
                        System.out.printf("  ... %.0f s: %d running totals, %d/%d runs final, attributed until %s%n",
                                (System.nanoTime() - t0) / 1e9, totals, finals.size(), runIds.size(),
                                latestUs == Long.MIN_VALUE ? "-" : Fleet.instant(latestUs));
                        nextReport += 10_000_000_000L;
                    }
                }
                long done = System.nanoTime();
                String used = cpu.since();
                if (recording != null) {
                    recording.stop();
                    recording.dump(profile);
                }
                java.util.OptionalLong attributing = app.attributingSinceNanos();
                return new Result((done - t0) / 1e9, (done - running) / 1e9,
                        attributing.isPresent() ? (done - attributing.getAsLong()) / 1e9 : Double.NaN, finals, totals, used);
            }
        } finally {
            if (recording != null) {
                recording.close();
            }
        }
    }
}
