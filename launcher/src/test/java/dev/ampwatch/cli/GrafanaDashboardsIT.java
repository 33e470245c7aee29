package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of every shipped dashboard, its variables substituted as Grafana would ("All" is {@code .*},
 * {@code $__rate_interval} 1m, {@code $run_id} a finished run), runs against a real Prometheus scraping a
 * real analyzer that attributed an experiment: fp32 and amp-fp16, four completed runs each (enough for the
 * comparisons, Holm p-values and the regression checks), idle between them, an fp32 and an int8 inference run,
 * and a last run still going.
 * Prometheus must accept every query, and every query must return data: the dashboards show only series the
 * analyzer and a power agent (the estimate source, scraped like the shipped config does) really write.
 */
class GrafanaDashboardsIT {
    /**
     * Minutes ago: the rig's readings are live (the fleet's power panels count a host only while its attributed time is
     * within 10 minutes of now; a replay of old readings is not its power now).
     */
    static final Instant T0 = Instant.now().minus(java.time.Duration.ofMinutes(5)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    static final String EXPERIMENT = "grafana-it";
    static final String FINISHED_RUN = "grafana-it-run-0";
    static final int RUN_SECONDS = 10;
    static final int GAP_SECONDS = 6;
    static final int EPOCHS = 5;
    static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");
    /** What Grafana puts in place of each variable (multi-value "All" as {@code .*}). */
    static final Map<String, String> VARIABLES = Map.of("host", ".*", "component", ".*", "experiment", ".*",
            "configuration", ".*", "phase", "training", "run_id", FINISHED_RUN, "__rate_interval", "1m");

    @Test
    void everyDashboardQueryIsValidPromqlAndReturnsTheAnalyzersSeries(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(PrometheusIT.PROMETHEUS), "prometheus not installed (apt-get install prometheus)");
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode d : GrafanaDashboardsTest.dashboards()) {
            for (String expr : GrafanaDashboardsTest.exprs(d)) {
                queries.put(d.path("uid").asText() + ": " + expr, promql(expr));
            }
        }
        assertThat(queries).hasSizeGreaterThan(50);

        Topics topics = Topics.withPrefix("grafana-it.");
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        TopicSetup.ensure(client, topics, 1);
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId("grafana-it").withTopics(topics)
                .withStateDir(dir.resolve("state"));
        // a rig's power agent (the estimate source) on topics of its own, for the agent-health panels
        dev.ampwatch.power.PowerAgentConfig agentConfig = dev.ampwatch.power.PowerAgentConfig.defaults().withHost("grafana-rig")
                .withSources(List.of("estimate")).withInterval("estimate", Duration.ofMillis(500))
                // on the analyzer's topics: a live host, whose attributed time moves every second, for the live power and lag
                // panels (a host only replayed from history is not live: it has no reported time, and its records all attributed)
                .withTopic(topics.powerSamples().name());
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(10));
             dev.ampwatch.power.PowerAgent agent = dev.ampwatch.power.PowerAgent.start(agentConfig, client);
             MetricsEndpoint agentMetrics = MetricsEndpoint.start("127.0.0.1", 0, agent.metrics())) {
            produceExperiment(client, topics);
            int port = PrometheusIT.freePort();
            Process prometheus = PrometheusIT.startPrometheus(dir, app.httpPort(), agentMetrics.port(), port);
            try {
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> PrometheusIT.query(port, "vector(1)").path("status").asText().equals("success"));
                List<String> rejected = new ArrayList<>();
                for (Map.Entry<String, String> q : queries.entrySet()) {
                    JsonNode r = PrometheusIT.query(port, q.getValue());
                    if (!r.path("status").asText().equals("success")) {
                        rejected.add(q.getKey() + " as " + q.getValue() + ": " + r);
                    }
                }
                assertThat(rejected).as("queries Prometheus rejects:\n" + String.join("\n", rejected)).isEmpty();

                await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                    List<String> empty = new ArrayList<>();
                    for (Map.Entry<String, String> q : queries.entrySet()) {
                        if (PrometheusIT.query(port, q.getValue()).path("data").path("result").isEmpty()) {
                            empty.add(q.getKey() + " (" + q.getValue() + ")");
                        }
                    }
                    assertThat(empty).as("queries without data:\n" + String.join("\n", empty)).isEmpty();
                });
                // and the numbers are the experiment's: one run going, amp-fp16 about 8 W under fp32
                assertThat(value(port, "ampwatch-fleet", "Runs in progress", "stat")).isEqualTo(1.0);
                assertThat(value(port, "ampwatch-run", "Gross energy", "stat")).isBetween(950.0, 1050.0);
                assertThat(value(port, "ampwatch-experiment", "Power difference (reduced precision - FP32)", "bargauge"))
                        .isBetween(-10.0, -6.0);
                // fp32 inference at 60 W for 6 s over 30,000 inferences: 12 J per 1,000 (int8: 9 J); 5,000 per second
                assertThat(value(port, "ampwatch-experiment", "Energy per 1,000 inferences, per configuration", "bargauge"))
                        .isBetween(8.0, 13.0);
                assertThat(value(port, "ampwatch-experiment", "Inferences per second, per configuration", "bargauge"))
                        .isCloseTo(5_000.0, org.assertj.core.api.Assertions.within(1e-6));
                // every ampwatch family passes Prometheus' own lint (help text, units, naming); what remains
                // is Kafka's client metrics, named by Kafka (--no-kafka-client-metrics leaves them out)
                String scrape = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create("http://127.0.0.1:" + app.httpPort() + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                Process lint = new ProcessBuilder("/usr/bin/promtool", "check", "metrics").redirectErrorStream(true).start();
                try (var in = lint.getOutputStream()) {
                    in.write(scrape.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
                String problems = new String(lint.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                lint.waitFor();
                assertThat(problems.lines().filter(l -> l.startsWith("ampwatch_")).toList())
                        .as("promtool check metrics on the analyzer's /metrics").isEmpty();
            } finally {
                prometheus.destroy();
                prometheus.waitFor();
            }
        }
    }

    /** The first value of the first query of the dashboard's panel of that title and type. */
    private static double value(int port, String uid, String title, String type) throws Exception {
        JsonNode dashboard = GrafanaDashboardsTest.dashboards().stream().filter(d -> d.path("uid").asText().equals(uid))
                .findFirst().orElseThrow();
        JsonNode panel = GrafanaDashboardsTest.panels(dashboard).stream()
                .filter(p -> p.path("title").asText().equals(title) && p.path("type").asText().equals(type))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type + " " + title + " in " + uid));
        JsonNode result = PrometheusIT.query(port, promql(panel.path("targets").get(0).path("expr").asText()))
                .path("data").path("result");
        assertThat(result).as(uid + " / " + title + ": " + result).isNotEmpty();
        return result.get(0).path("value").get(1).asDouble();
    }

    /** The query Grafana sends: variables substituted, label_values(m, l) as the series query it stands for. */
    static String promql(String expr) {
        String q = expr;
        Matcher lv = LABEL_VALUES.matcher(q);
        if (lv.matches()) {
            q = "count by (" + lv.group(2) + ") (" + lv.group(1) + ")";
        }
        for (Map.Entry<String, String> v : VARIABLES.entrySet()) {
            q = q.replace("${" + v.getKey() + "}", v.getValue()).replace("$" + v.getKey(), v.getValue());
        }
        assertThat(q).as(expr).doesNotContain("$");
        return q;
    }

    /**
     * Four fp32 and four amp-fp16 runs, alternating, 10 s each with 6 s idle between (the idle baseline), GPU
     * samples every second with noise (seed 2026); then one run that does not end, samples still coming.
     */
    private static void produceExperiment(Map<String, Object> client, Topics topics) {
        Random random = new Random(2026);
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer())) {
            int t = GAP_SECONDS;
            for (int i = 0; i < 8; i++) {
                String precision = i % 2 == 0 ? "fp32" : "amp-fp16";
                double watts = (i % 2 == 0 ? 100 : 92) + 0.5 * random.nextGaussian();
                String runId = "grafana-it-run-" + i;
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig",
                        event(runId, t, EventKind.RUN_STARTED, config(precision))));
                for (int e = 1; e <= EPOCHS; e++) { // epochs, so the run gets a forecast after the second
                    int epochSeconds = RUN_SECONDS / EPOCHS;
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", TrainingEvent.newBuilder(
                            event(runId, t + (e - 1) * epochSeconds, EventKind.EPOCH_STARTED, null)).setEpoch(e).build()));
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", TrainingEvent.newBuilder(
                            event(runId, t + e * epochSeconds, EventKind.EPOCH_COMPLETED, null)).setEpoch(e).build()));
                }
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig",
                        event(runId, t + RUN_SECONDS, EventKind.RUN_COMPLETED, null)));
                for (int s = t - GAP_SECONDS + 1; s < t; s++) {
                    samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", sample(s, 30)));
                }
                for (int s = t; s <= t + RUN_SECONDS; s++) {
                    samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", sample(s, watts)));
                }
                t += RUN_SECONDS + GAP_SECONDS;
            }
            for (String precision : List.of("fp32", "int8")) { // inference runs: 3 passes of 2 s, 10,000 inferences each
                String runId = "grafana-it-infer-" + precision;
                RunConfig inference = RunConfig.newBuilder(config(precision)).setEpochs(3)
                        .setPhase(dev.ampwatch.schema.RunPhase.INFERENCE).build();
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(runId, t, EventKind.RUN_STARTED, inference)));
                for (int pass = 1; pass <= 3; pass++) {
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", TrainingEvent.newBuilder(
                            event(runId, t + 2 * (pass - 1), EventKind.EPOCH_STARTED, null)).setEpoch(pass).build()));
                    events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", TrainingEvent.newBuilder(
                            event(runId, t + 2 * pass, EventKind.EPOCH_COMPLETED, null)).setEpoch(pass)
                            .setMetrics(dev.ampwatch.schema.EpochMetrics.newBuilder().setLoss(0.33).setTestAccuracy(0.88)
                                    .setSamples(10_000).setSamplesPerSecond(5_000).setDurationMs(2_000).setLatencyP50Ms(1.5)
                                    .setLatencyP95Ms(2.5).setLatencyP99Ms(4.0).build()).build()));
                }
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(runId, t + 6, EventKind.RUN_COMPLETED, null)));
                for (int s = t - GAP_SECONDS + 1; s < t; s++) {
                    samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", sample(s, 30)));
                }
                for (int s = t; s <= t + 6; s++) {
                    samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", sample(s, precision.equals("fp32") ? 60 : 45)));
                }
                t += 6 + GAP_SECONDS;
            }
            events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig",
                    event("grafana-it-live", t, EventKind.RUN_STARTED, config("amp-fp16"))));
            for (int s = t - GAP_SECONDS + 1; s < t + 30; s++) {
                samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", sample(s, s < t ? 30 : 95)));
            }
        }
    }

    private static RunConfig config(String precision) {
        return RunConfig.newBuilder().setPrecision(precision).setBatchSize(64).setHiddenUnits(List.of(64))
                .setEpochs(EPOCHS).setLearningRate(0.01).setOptimizer("sgd-momentum").setDataset("synthetic")
                .setTrainSamples(100).setParameterCount(100).setDeviceName("gpu").setBackend("jcuda").build();
    }

    private static TrainingEvent event(String runId, int second, EventKind kind, RunConfig config) {
        return RigRecords.event(EXPERIMENT, T0, runId, second, kind, config);
    }

    private static PowerSample sample(int second, double watts) {
        return RigRecords.gpuSample(T0, second, watts);
    }
}
