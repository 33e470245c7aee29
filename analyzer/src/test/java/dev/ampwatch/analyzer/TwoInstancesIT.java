package dev.ampwatch.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.analyzer.query.Json;
import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two analyzer instances sharing the work: totals are right and either answers for any run. */
class TwoInstancesIT {
    static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");
    static final List<String> HOSTS = List.of("h1", "h2", "h3", "h4", "h5");
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void twoInstancesAttributeEveryRunAndAnswerForAnyRun(@TempDir Path a, @TempDir Path b) throws Exception {
        Topics topics = Topics.withPrefix("two.");
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        try (Admin admin = Admin.create(client)) {
            List<NewTopic> all = new ArrayList<>();
            topics.names().forEach(n -> all.add(new NewTopic(n, Optional.of(2), Optional.empty())));
            admin.createTopics(all).all().get();
        }
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId("two-instances").withTopics(topics)
                .withStateDir(a);
        try (AnalyzerApp first = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(5));
             AnalyzerApp second = AnalyzerApp.start(config.withStateDir(b), client, "127.0.0.1", 0, Duration.ofMinutes(5))) {
            assertThat(first.awaitRunning(Duration.ofSeconds(60))).isTrue();
            assertThat(second.awaitRunning(Duration.ofSeconds(60))).isTrue();
            produce(client, topics, T0, false);

            for (AnalyzerApp app : List.of(first, second)) {
                for (String host : HOSTS) {
                    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                        HttpResponse<String> r = get(app, "/runs/run-" + host);
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                        Map<?, ?> run = Json.read(r.body(), Map.class);
                        assertThat(run.get("is_final")).isEqualTo(true);
                        assertThat(((Number) run.get("energy_joules")).doubleValue()).isCloseTo(1000.0, within(1e-6));
                    });
                }
                HttpResponse<String> list = get(app, "/runs");
                assertThat(list.statusCode()).isEqualTo(200);
                List<?> runs = Json.read(list.body(), List.class);
                assertThat(runs).hasSize(HOSTS.size());
            }
            assertThat(get(first, "/runs/no-such-run").statusCode()).isEqualTo(404);

            // a third instance: with two partitions one instance holds none of the statistics' partitions, and every
            // instance, that one too, lists every run (it answered 503 for good: an operator review)
            try (AnalyzerApp third = AnalyzerApp.start(config.withStateDir(a.resolveSibling(a.getFileName() + "-third")), client,
                    "127.0.0.1", 0, Duration.ofMinutes(5))) {
                assertThat(third.awaitRunning(Duration.ofSeconds(60))).isTrue();
                for (AnalyzerApp app : List.of(first, second, third)) {
                    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                        HttpResponse<String> list = get(app, "/runs");
                        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
                        assertThat(Json.read(list.body(), List.class)).hasSize(HOSTS.size());
                    });
                }
            }
        }
    }

    /**
     * A partition of hosts moving to another instance takes its hosts' series with it: the instance that gave it away no
     * longer exports their runs (running or finished) and devices, so a sum over instances counts nothing twice; moving
     * back (scaling from two instances to one), the finished runs of the hosts gained are read back from the store
     * (an operator review, 2026-12-02: frozen copies summed with the new owner's; finished runs gone from every instance).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(AnalyzerConfig.Engine.class)
    void seriesFollowTheirHostsPartition(AnalyzerConfig.Engine engine, @TempDir Path a, @TempDir Path b) throws Exception {
        String name = engine.name().toLowerCase(java.util.Locale.ROOT);
        Topics topics = Topics.withPrefix("move-" + name + ".");
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        try (Admin admin = Admin.create(client)) {
            List<NewTopic> all = new ArrayList<>();
            topics.names().forEach(n -> all.add(new NewTopic(n, Optional.of(2), Optional.empty())));
            admin.createTopics(all).all().get();
        }
        assertThat(HOSTS.stream().map(h -> dev.ampwatch.analyzer.metrics.RunMetrics.partitionOf(h, 2)).distinct()).hasSize(2);
        // runs whose run-energy partition (by run id) is their host's, and runs whose is not: whichever store partition
        // the second instance gets, some of its hosts' finished runs are in the other instance's store
        assertThat(HOSTS.stream().map(h -> dev.ampwatch.analyzer.metrics.RunMetrics.partitionOf(h, 2)
                == dev.ampwatch.analyzer.metrics.RunMetrics.partitionOf("run-" + h, 2)).distinct()).hasSize(2);
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId("series-follow-partitions-" + name).withTopics(topics)
                .withStateDir(a).toBuilder().engine(engine).build();
        Instant t0 = Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.SECONDS); // within the retention
        try (AnalyzerApp first = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
            assertThat(first.awaitRunning(Duration.ofSeconds(60))).isTrue();
            produce(client, topics, t0, true);
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                String m = get(first, "/metrics").body();
                for (String host : HOSTS) {
                    assertThat(series(m, "ampwatch_experiment_group_runs", "experiment_id=\"exp-" + host + "\"")).as(host).isNotEmpty();
                    assertThat(series(m, "ampwatch_run_finished", "run_id=\"run-" + host + "\"")).as(host).containsExactly("1.0");
                    assertThat(series(m, "ampwatch_run_finished", "run_id=\"live-" + host + "\"")).as(host).containsExactly("0.0");
                    assertThat(series(m, "ampwatch_device_energy_joules_total", "host=\"" + host + "\"")).as(host).hasSize(1);
                }
            });
            try (AnalyzerApp second = AnalyzerApp.start(config.withStateDir(b), client, "127.0.0.1", 0, Duration.ofMinutes(30))) {
                assertThat(second.awaitRunning(Duration.ofSeconds(60))).isTrue();
                await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                    String m1 = get(first, "/metrics").body();
                    String m2 = get(second, "/metrics").body();
                    // a partition moved: the first exports none of its hosts' series any more
                    assertThat(HOSTS.stream().filter(h -> !m1.contains("host=\"" + h + "\""))).isNotEmpty();
                    for (String host : HOSTS) {
                        for (String label : List.of("run_id=\"run-" + host + "\"", "run_id=\"live-" + host + "\"")) {
                            assertThat(series(m1, "ampwatch_run_energy_joules_total", label).size()
                                    + series(m2, "ampwatch_run_energy_joules_total", label).size()).as(label).isLessThanOrEqualTo(1);
                        }
                        String h = "host=\"" + host + "\"";
                        assertThat(series(m1, "ampwatch_device_power_watts", h).size() + series(m2, "ampwatch_device_power_watts", h).size())
                                .as(host).isLessThanOrEqualTo(1);
                        // each finished run on exactly one instance: the one processing its host, whichever instance has its
                        // run id's partition of the run-energy store (half of them were on neither: an operator re-check)
                        String run = "run_id=\"run-" + host + "\"";
                        assertThat(series(m1, "ampwatch_run_finished", run).size() + series(m2, "ampwatch_run_finished", run).size())
                                .as(run).isEqualTo(1);
                        // each experiment's statistics on exactly one instance, the one its statistics partition is on now
                        // (the one whose local store answers for it): the instance that gave it away kept a frozen copy
                        String exp = "experiment_id=\"exp-" + host + "\"";
                        boolean on1 = !series(m1, "ampwatch_experiment_group_runs", exp).isEmpty();
                        boolean on2 = !series(m2, "ampwatch_experiment_group_runs", exp).isEmpty();
                        assertThat(on1 ^ on2).as(exp + " on exactly one instance").isTrue();
                        assertThat(get(on1 ? first : second, "/experiments/exp-" + host + "?local=true").statusCode())
                                .as(exp + " exported where its statistics are").isEqualTo(200);
                    }
                });
            }
            // back to one instance: it has every partition again, and the finished runs of the hosts it regained
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                String m = get(first, "/metrics").body();
                for (String host : HOSTS) {
                    assertThat(series(m, "ampwatch_run_finished", "run_id=\"run-" + host + "\"")).as(host).containsExactly("1.0");
                }
            });
        }
    }

    /** The values of the series of {@code metric} whose labels contain {@code label}. */
    private static List<String> series(String scrape, String metric, String label) {
        return scrape.lines().filter(l -> l.startsWith(metric + "{") && l.contains(label))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).toList();
    }

    private HttpResponse<String> get(AnalyzerApp app, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Per host: 100 W on gpu0 every second for 20 s, one run from 2 s to 12 s using gpu0: 1000 J. */
    private static void produce(Map<String, Object> client, Topics topics, Instant t0, boolean running) {
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer())) {
            for (String host : HOSTS) {
                String run = "run-" + host;
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), host, event(run, host, t0, 2, EventKind.RUN_STARTED)));
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), host, event(run, host, t0, 12, EventKind.RUN_COMPLETED)));
                if (running) { // and one that goes on
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), host,
                            event("live-" + host, host, t0, 14, EventKind.RUN_STARTED)));
                }
                for (int s = 0; s <= 20; s++) {
                    samples.send(new ProducerRecord<>(topics.powerSamples().name(), host, PowerSample.newBuilder()
                            .setHost(host).setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                            .setEventTime(t0.plusSeconds(s)).setPowerWatts(100.0).build()));
                }
            }
        }
    }

    private static TrainingEvent event(String run, String host, Instant t0, int second, EventKind kind) {
        dev.ampwatch.schema.RunConfig config = kind != EventKind.RUN_STARTED ? null : dev.ampwatch.schema.RunConfig.newBuilder()
                .setPrecision("fp32").setBatchSize(32).setHiddenUnits(List.of(64)).setEpochs(1).setLearningRate(0.01)
                .setOptimizer("sgd").setDataset("test").setTrainSamples(100).setParameterCount(1000).setDeviceName("gpu0")
                .setBackend("test").build(); // a configuration: the run counts in its experiment's statistics
        return TrainingEvent.newBuilder().setRunId(run).setExperimentId("exp-" + host).setHost(host).setDevices(List.of("gpu0"))
                .setEventTime(t0.plusSeconds(second)).setKind(kind).setConfig(config).build();
    }
}
