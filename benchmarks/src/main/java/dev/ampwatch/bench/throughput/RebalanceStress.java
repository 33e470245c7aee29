package dev.ampwatch.bench.throughput;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.broker.ChildProcessBroker;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Partitions moving while a backlog is attributed: analyzer instances of one application id join and leave
 * every {@code --churn-ms} (each move restores the hosts' timelines from the changelog on the member that
 * takes the partition) until every run is final; then every run must have exactly one final record, with
 * the energy the counters say, 10 epochs, no gap and no dead letter. Repeated {@code --rounds} times over
 * one backlog, each round an analyzer of its own (application id, changelog and outputs). Run through {@code benchmarks/rebalance.sh}; a check, not a timing.
 */
public final class RebalanceStress {
    public static void main(String[] args) throws Exception {
        Map<String, String> given = new TreeMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --name=value, got '" + a + "'\nusage: benchmarks/rebalance.sh "
                        + "[--rounds=5] [--churn-ms=400] [--samples=1000000] [--hosts=20] [--partitions=4] [--threads=1]");
            }
            given.put(a.substring(2, eq), a.substring(eq + 1));
        }
        int rounds = Integer.parseInt(given.getOrDefault("rounds", "5"));
        long churnMs = Long.parseLong(given.getOrDefault("churn-ms", "400"));
        ThroughputOptions o = ThroughputOptions.parse(new String[] {
                "--samples=" + given.getOrDefault("samples", "1000000"), "--hosts=" + given.getOrDefault("hosts", "20"),
                "--partitions=" + given.getOrDefault("partitions", "4"), "--threads=" + given.getOrDefault("threads", "1"),
                "--live-hosts=0"});
        Path dir = Files.createTempDirectory("ampwatch-rebalance");
        int failed = 0;
        try (ChildProcessBroker broker = ChildProcessBroker.start(dir.resolve("broker"), "127.0.0.1", 0, Duration.ofSeconds(90))) {
            Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
            String prefix = "rb-" + Long.toString(System.currentTimeMillis(), 36) + ".";
            Backlog.Written backlog = Backlog.write(client, prefix, o);
            Topics topics = backlog.topics();
            List<SimulatedHost> fleet = backlog.fleet();
            Backlog.Produced produced = backlog.produced();
            System.out.printf("backlog: %,d samples + %,d training events, %d hosts, %d partitions%n", produced.samples(),
                    produced.events(), o.hosts(), o.partitions());
            Kafka.createInternalTopics(client);
            for (int round = 1; round <= rounds; round++) {
                // each round reads the same backlog as an analyzer of its own (application id, changelog, outputs)
                Topics own = ThroughputBenchmark.outputsOf(client, topics, "round-" + round, o);
                failed += round(o, client, dir, own, fleet, prefix + "analyzer-round-" + round, churnMs, round) ? 0 : 1;
            }
        } finally {
            ThroughputBenchmark.deleteQuietly(dir);
        }
        System.out.printf("%n%d of %d rounds exact%n", rounds - failed, rounds);
        System.exit(failed == 0 ? 0 : 1);
    }

    private static boolean round(ThroughputOptions o, Map<String, Object> client, Path dir, Topics topics, List<SimulatedHost> fleet,
                                 String applicationId, long churnMs, int round) throws Exception {
        Set<String> runIds = fleet.stream().map(h -> h.run.runId).collect(Collectors.toSet());
        AnalyzerConfig config = AnalyzerStep.config(topics, applicationId, dir.resolve("state-" + applicationId), o);
        Map<String, List<RunEnergy>> finals = new HashMap<>();
        ArrayDeque<AnalyzerApp> apps = new ArrayDeque<>();
        int joins = 0;
        int leaves = 0;
        long t0 = System.nanoTime();
        try (KafkaConsumer<String, RunEnergy> out = Kafka.fromBeginning(client, topics.runEnergy().name(), new StringDeserializer(),
                topics.runEnergy().valueSerde().deserializer(), true)) {
            long nextChurn = 0;
            long deadline = System.nanoTime() + o.timeout().toNanos();
            while (finals.size() < runIds.size()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + finals.size() + " of " + runIds.size() + " runs final");
                }
                if (System.nanoTime() >= nextChurn) {
                    // one instance, then a second joins, then the older leaves: every change moves partitions
                    if (apps.size() < 2) {
                        AnalyzerConfig own = config.toBuilder().stateDir(dir.resolve("state-" + applicationId + "-" + joins)).build();
                        apps.addLast(AnalyzerApp.start(own, AnalyzerStep.streamsClient(client, o), "127.0.0.1", 0,
                                Duration.ofMinutes(5)));
                        joins++;
                    } else {
                        apps.removeFirst().close();
                        leaves++;
                    }
                    nextChurn = System.nanoTime() + churnMs * 1_000_000L;
                }
                collectFinals(out, Duration.ofMillis(50), finals);
            }
            // a second final record of a run would be a bug too: read what else arrives for a moment
            long quietUntil = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < quietUntil) {
                collectFinals(out, Duration.ofMillis(100), finals);
            }
        } finally {
            while (!apps.isEmpty()) {
                apps.removeFirst().close();
            }
        }
        System.out.printf("round %d: %d runs final after %.1f s, %d instances joined and %d left (every %d ms)%n", round,
                finals.size(), (System.nanoTime() - t0) / 1e9, joins, leaves, churnMs);
        boolean ok = true;
        for (Map.Entry<String, List<RunEnergy>> e : finals.entrySet()) {
            if (e.getValue().size() != 1) {
                ok = false;
                System.out.printf("  %s: %d final records%n", e.getKey(), e.getValue().size());
            }
        }
        Map<String, RunEnergy> last = new HashMap<>();
        finals.forEach((run, list) -> last.put(run, list.get(list.size() - 1)));
        ok &= ThroughputBenchmark.sanity(fleet, last);
        long dead = Kafka.count(client, topics.deadLetters());
        System.out.printf("dead letters: %d%n", dead);
        return ok && dead == 0;
    }

    /** Polls once; every final record goes to its run's list (a second one there is a bug). */
    private static void collectFinals(KafkaConsumer<String, RunEnergy> out, Duration poll, Map<String, List<RunEnergy>> finals) {
        for (ConsumerRecord<String, RunEnergy> r : out.poll(poll)) {
            if (r.value().getIsFinal()) {
                finals.computeIfAbsent(r.value().getRunId(), k -> new java.util.ArrayList<>()).add(r.value());
            }
        }
    }
}
