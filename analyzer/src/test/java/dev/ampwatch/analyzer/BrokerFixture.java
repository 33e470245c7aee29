package dev.ampwatch.analyzer;

import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** What the analyzer's broker tests share: the client, their topics, and reading what the analyzer committed. */
final class BrokerFixture {
    private BrokerFixture() {}

    static Map<String, Object> client() {
        return Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
    }

    /** Every topic of {@code topics}, with {@code partitions} partitions each. */
    static void createTopics(Topics topics, int partitions) throws ExecutionException, InterruptedException {
        createTopics(client(), topics, partitions);
    }

    /** Every topic of {@code topics} on the broker of {@code client}. */
    static void createTopics(Map<String, Object> client, Topics topics, int partitions) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(client)) {
            List<NewTopic> all = new ArrayList<>();
            topics.names().forEach(n -> all.add(new NewTopic(n, Optional.of(partitions), Optional.empty())));
            admin.createTopics(all).all().get();
            // a producer that writes to a partition whose leadership the broker has not applied yet gets NOT_LEADER, and
            // an idempotent one with requests in flight can then stall on sequence numbers until its delivery timeout
            // (KAFKA-15591; MetricsReadBackIT waited 2 minutes in a CI run): wait until every partition has a leader
            org.awaitility.Awaitility.await("leaders of " + topics.names()).atMost(java.time.Duration.ofSeconds(30))
                    .pollInterval(java.time.Duration.ofMillis(20)).ignoreExceptions()
                    .until(() -> admin.describeTopics(topics.names()).allTopicNames().get().values().stream()
                            .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())));
        }
    }

    /**
     * An analyzer's settings for a test on {@code engine}: application id {@code <name>-<engine>}, topics
     * under that prefix, created here with {@code partitions} partitions each.
     */
    static AnalyzerConfig analyzer(String name, AnalyzerConfig.Engine engine, int partitions, java.nio.file.Path stateDir)
            throws ExecutionException, InterruptedException {
        String id = name + "-" + engine.name().toLowerCase(java.util.Locale.ROOT);
        Topics topics = Topics.withPrefix(id + ".");
        createTopics(topics, partitions);
        return AnalyzerConfig.defaults().toBuilder().applicationId(id).topics(topics).stateDir(stateDir).engine(engine).build();
    }

    /** A consumer's settings that read committed records from the start, in a group of its own. */
    static Map<String, Object> readCommitted(String name) {
        return readCommitted(client(), name);
    }

    static Map<String, Object> readCommitted(Map<String, Object> client, String name) {
        Map<String, Object> p = new HashMap<>(client);
        p.put("group.id", name + "-reader-" + System.nanoTime());
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        return p;
    }

    /** The latest committed run energy of each run that {@code wanted} accepts, once {@code runs} runs have one. */
    static Map<String, RunEnergy> awaitRunEnergy(Topics topics, Predicate<RunEnergy> wanted, int runs, Duration timeout) {
        return awaitRunEnergy(client(), topics, wanted, runs, timeout);
    }

    /** As above, on the broker of {@code client}. */
    static Map<String, RunEnergy> awaitRunEnergy(Map<String, Object> client, Topics topics, Predicate<RunEnergy> wanted, int runs,
                                                 Duration timeout) {
        try (var consumer = new KafkaConsumer<>(readCommitted(client, "energy"), new StringDeserializer(),
                topics.runEnergy().valueSerde().deserializer())) {
            consumer.subscribe(List.of(topics.runEnergy().name()));
            Map<String, RunEnergy> found = new HashMap<>();
            await().atMost(timeout).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (wanted.test(r.value())) {
                        found.put(r.value().getRunId(), r.value());
                    }
                });
                return found.size() >= runs;
            });
            return found;
        }
    }

    /** The sum of a metric family's series in a Prometheus scrape ({@code name} with no labels or any). */
    static double sum(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** The analyzer's /metrics. */
    static String scrape(AnalyzerApp app) throws java.io.IOException, InterruptedException {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + app.httpPort() + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Deletes a state directory and all in it (what a lost disk, or an exactly-once wipe, leaves). */
    static void wipe(java.nio.file.Path stateDir) throws java.io.IOException {
        if (java.nio.file.Files.exists(stateDir)) {
            try (var paths = java.nio.file.Files.walk(stateDir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
