package dev.ampwatch.bench.throughput;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.streams.HostProcessor;
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
 * one backlog, each round an analyzer of its own (application id, changelog and outputs). With
 * {@code --open-transactions=true} a producer of the harness holds a transaction open on every changelog
 * partition across each change (begun just before it, aborted at the next): the last stable offset of the
 * changelog then stops before the state the leaving member committed, as it does for a moment after every
 * commit until the broker has written the commit markers, so a restore that read to the last stable offset
 * begins from an older state at newer offsets (ChangelogRestorer). Run through {@code benchmarks/rebalance.sh};
 * a check, not a timing.
 */
public final class RebalanceStress {
    public static void main(String[] args) throws Exception {
        Map<String, String> given = new TreeMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --name=value, got '" + a + "'\nusage: benchmarks/rebalance.sh "
                        + "[--rounds=5] [--churn-ms=400] [--samples=1000000] [--hosts=20] [--partitions=4] [--threads=1] "
                        + "[--open-transactions=false] [--engine=direct|streams]");
            }
            given.put(a.substring(2, eq), a.substring(eq + 1));
        }
        int rounds = Integer.parseInt(given.getOrDefault("rounds", "5"));
        long churnMs = Long.parseLong(given.getOrDefault("churn-ms", "400"));
        boolean openTransactions = Boolean.parseBoolean(given.getOrDefault("open-transactions", "false"));
        ThroughputOptions o = ThroughputOptions.parse(new String[] {
                "--samples=" + given.getOrDefault("samples", "1000000"), "--hosts=" + given.getOrDefault("hosts", "20"),
                "--partitions=" + given.getOrDefault("partitions", "4"), "--threads=" + given.getOrDefault("threads", "1"),
                "--live-hosts=0", "--engines=" + given.getOrDefault("engine", "direct")});
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
                failed += round(o, client, dir, own, fleet, prefix + "analyzer-round-" + round, churnMs, round,
                        openTransactions) ? 0 : 1;
            }
        } finally {
            ThroughputBenchmark.deleteQuietly(dir);
        }
        System.out.printf("%n%d of %d rounds exact%n", rounds - failed, rounds);
        System.exit(failed == 0 ? 0 : 1);
    }

    private static boolean round(ThroughputOptions o, Map<String, Object> client, Path dir, Topics topics, List<SimulatedHost> fleet,
                                 String applicationId, long churnMs, int round, boolean openTransactions) throws Exception {
        Set<String> runIds = fleet.stream().map(h -> h.run.runId).collect(Collectors.toSet());
        AnalyzerConfig config = AnalyzerStep.config(topics, applicationId, dir.resolve("state-" + applicationId), o);
        Map<String, List<RunEnergy>> finals = new HashMap<>();
        ArrayDeque<AnalyzerApp> apps = new ArrayDeque<>();
        int joins = 0;
        int leaves = 0;
        long t0 = System.nanoTime();
        String changelog = applicationId + "-" + HostProcessor.TIMELINE_STORE + "-changelog";
        OpenTransaction open = openTransactions ? new OpenTransaction(client, changelog, o.partitions()) : null;
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
                    if (open != null) {
                        open.renew(); // the one begun before the previous change ends; a new one spans this change
                    }
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
            if (open != null) {
                open.close();
            }
            while (!apps.isEmpty()) {
                apps.removeFirst().close();
            }
        }
        System.out.printf("round %d: %d runs final after %.1f s, %d instances joined and %d left (every %d ms)%s%n", round,
                finals.size(), (System.nanoTime() - t0) / 1e9, joins, leaves, churnMs,
                open == null ? "" : ", " + open.opened + " transactions held open on the changelog across changes");
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

    /**
     * A transaction of the harness's own, open on every changelog partition (one aborted record each) from
     * just before a change to just before the next; none until the analyzer has created the changelog.
     */
    private static final class OpenTransaction implements AutoCloseable {
        private final Map<String, Object> client;
        private final String changelog;
        private final int partitions;
        private org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer;
        private boolean inTransaction;
        int opened;

        OpenTransaction(Map<String, Object> client, String changelog, int partitions) {
            this.client = client;
            this.changelog = changelog;
            this.partitions = partitions;
        }

        void renew() throws Exception {
            if (inTransaction) {
                producer.abortTransaction();
                inTransaction = false;
            }
            if (producer == null) {
                try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(client)) {
                    if (!admin.listTopics().names().get().contains(changelog)) {
                        return;
                    }
                }
                Map<String, Object> p = new HashMap<>(client);
                p.put("transactional.id", changelog + "-stress-open");
                p.put("transaction.timeout.ms", 60_000);
                producer = new org.apache.kafka.clients.producer.KafkaProducer<>(p,
                        new org.apache.kafka.common.serialization.ByteArraySerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer());
                producer.initTransactions();
            }
            producer.beginTransaction();
            inTransaction = true;
            for (int partition = 0; partition < partitions; partition++) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(changelog, partition,
                        "rebalance-stress-open-transaction".getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[1]));
            }
            producer.flush();
            opened++;
        }

        @Override
        public void close() {
            if (producer != null) {
                if (inTransaction) {
                    producer.abortTransaction();
                }
                producer.close();
            }
        }
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
