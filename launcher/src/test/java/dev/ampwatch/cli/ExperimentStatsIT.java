package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * An experiment of simulated runs on a real broker, through the real analyzer: fp32 and amp-fp16 at batch
 * sizes 32 and 128, five runs each in a shuffled order (seed 2026), each run's GPU power constant at its
 * configuration's watts plus noise (sd 0.5 W). amp-fp16 saves 8 W at batch size 32 and nothing at 128.
 * The analyzer's statistics must find a significant saving of about 8 W at 32 and equivalence (TOST, 5 %)
 * at 128; then {@code ampwatch report} writes the report from the analyzer and the topics.
 */
class ExperimentStatsIT {
    static final Instant T0 = Instant.parse("2026-11-23T06:00:00Z");
    static final String EXPERIMENT = "stats-it";
    static final int RUN_SECONDS = 10;
    static final int GAP_SECONDS = 5;
    static final double IDLE_WATTS = 30;

    @Test
    void ampSavesSignificantlyAtOneBatchSizeAndIsEquivalentAtTheOther(@TempDir Path dir) throws Exception {
        Topics topics = Topics.withPrefix("stats-it.");
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        TopicSetup.ensure(client, topics, 1);
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId("stats-it").withTopics(topics)
                .withStateDir(dir.resolve("state"));
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(10))) {
            produceExperiment(client, topics);
            String url = "http://127.0.0.1:" + app.httpPort();
            JsonNode stats = await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> experiment(url), s -> s != null && finishedRuns(s) == 20);

            JsonNode saving = comparison(stats, "average_power_watts", "amp-fp16 bs=32");
            assertThat(saving.path("reference_label").asText()).isEqualTo("fp32 bs=32");
            assertThat(saving.path("mean_difference").asDouble()).isBetween(-9.0, -7.0);
            assertThat(saving.path("ci_high").asDouble()).isNegative();
            assertThat(saving.path("significant").asBoolean()).as(saving.toString()).isTrue();
            assertThat(saving.path("welch_p_holm").asDouble()).isLessThan(0.001);
            assertThat(comparison(stats, "energy_joules", "amp-fp16 bs=32").path("significant").asBoolean()).isTrue();

            for (String metric : List.of("average_power_watts", "energy_joules")) {
                JsonNode same = comparison(stats, metric, "amp-fp16 bs=128");
                assertThat(same.path("equivalent").asBoolean()).as(same.toString()).isTrue();
                assertThat(same.path("tost_p").asDouble()).isLessThan(0.05);
                assertThat(same.path("significant").asBoolean()).isFalse();
            }

            Path html = dir.resolve("report.html");
            StringWriter out = new StringWriter();
            CommandLine cli = Ampwatch.commandLine();
            cli.setOut(new PrintWriter(out));
            int rc = cli.execute("report", "--experiment", EXPERIMENT, "--analyzer", url, "--bootstrap-servers",
                    SharedBroker.bootstrapServers(), "--topic-prefix", "stats-it.", "--out", html.toString());
            assertThat(rc).as(out.toString()).isZero();
            assertThat(Files.readString(html)).contains("amp-fp16 bs=32 vs fp32 bs=32: draws 8.", "W less")
                    .contains("amp-fp16 bs=128 vs fp32 bs=128: draws").contains("energy: equivalent within +-5 %");
            assertThat(Files.readAllLines(dir.resolve("report.csv"))).hasSize(21);

            StringWriter err = new StringWriter();
            CommandLine unknown = Ampwatch.commandLine();
            unknown.setErr(new PrintWriter(err));
            assertThat(unknown.execute("report", "--experiment", "no-such-experiment", "--analyzer", url,
                    "--out", dir.resolve("none.html").toString())).isEqualTo(1);
            assertThat(err.toString()).contains("unknown experiment no-such-experiment: the analyzer at " + url);

            excludeAndTakeBack(dir, url, client, topics);
        }
        deletedAfterTheUpgrade(dir, client, topics, config);
    }

    /**
     * An analyzer upgraded from one that did not remember each final run's experiment (before 2026-12-03: no such store,
     * no changelog of it, here deleted with the state directory) learns them from the run-energy table at its start, so a
     * run that finished before is deleted out of its statistics too.
     */
    private static void deletedAfterTheUpgrade(Path dir, Map<String, Object> client, Topics topics, AnalyzerConfig config)
            throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(client)) {
            String changelog = "stats-it" + AnalyzerApp.STATISTICS_SUFFIX + "-run-experiment-store-changelog";
            admin.deleteTopics(List.of(changelog)).all().get();
            await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(changelog));
        }
        try (AnalyzerApp app = AnalyzerApp.start(config.withStateDir(dir.resolve("upgraded")), client, "127.0.0.1", 0,
                Duration.ofMinutes(10))) {
            String url = "http://127.0.0.1:" + app.httpPort();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> experiment(url), s -> s != null && finishedRuns(s) == 19);
            try (var runs = new KafkaProducer<>(client, new StringSerializer(), topics.runEnergy().valueSerde().serializer())) {
                runs.send(new ProducerRecord<>(topics.runEnergy().name(), "stats-it-run-8", null)).get();
            }
            JsonNode deleted = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> experiment(url), s -> s != null && finishedRuns(s) == 18);
            assertThat(deleted.path("excluded_runs")).extracting(e -> e.path("run_id").asText())
                    .containsExactly("stats-it-run-5", "stats-it-run-8");
        }
    }

    /**
     * ampwatch exclude on the real broker and analyzer: the run leaves every statistic, is listed with why in
     * /experiments and the report (and last in the CSV); --undo takes it back; a tombstone on run-energy (a run deleted by
     * hand) leaves its run out too, saying so; an unknown run is refused and nothing is published.
     */
    private static void excludeAndTakeBack(Path dir, String url, Map<String, Object> client, Topics topics) throws Exception {
        String[] kafka = {"--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", "stats-it."};
        StringWriter out = new StringWriter();
        StringWriter problems = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(problems));
        int rc = cli.execute(concat(new String[] {"exclude", "stats-it-run-3", "--reason", "thermal throttling: another job on gpu0",
                "--wait"}, kafka));
        assertThat(rc).as(out + "\n" + problems).isZero();
        assertThat(out.toString()).contains("run stats-it-run-3 (experiment stats-it) excluded from its statistics: thermal throttling")
                .contains("statistics of stats-it: 19 completed run(s) in 4 configuration(s); excluded: stats-it-run-3");
        JsonNode stats = experiment(url);
        assertThat(finishedRuns(stats)).isEqualTo(19);
        assertThat(stats.path("excluded_runs")).singleElement().satisfies(e -> {
            assertThat(e.path("run_id").asText()).isEqualTo("stats-it-run-3");
            assertThat(e.path("reason").asText()).isEqualTo("thermal throttling: another job on gpu0");
            assertThat(e.path("status").asText()).isEqualTo("COMPLETED");
        });
        assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("ampwatch_experiment_excluded_runs{experiment_id=\"stats-it\"} 1.0");

        Path html = dir.resolve("excluded.html");
        StringWriter reported = new StringWriter();
        CommandLine report = Ampwatch.commandLine();
        report.setOut(new PrintWriter(reported));
        assertThat(report.execute(concat(new String[] {"report", "--experiment", EXPERIMENT, "--out", html.toString()}, kafka)))
                .as(reported.toString()).isZero();
        assertThat(reported.toString()).contains("(19 runs, 4 configurations; 1 run excluded)");
        assertThat(Files.readString(html)).contains("19 completed run(s) of 19 in 4 configuration(s), and 1 more run(s) excluded");
        assertThat(Files.readString(html)).contains("<h2>Excluded runs</h2>", "thermal throttling: another job on gpu0")
                .doesNotContain("computed here"); // the analyzer's statistics are those of the runs it kept
        List<String> csv = Files.readAllLines(dir.resolve("excluded.csv"));
        assertThat(csv).hasSize(21);
        assertThat(csv.get(20)).startsWith("stats-it-run-3,").endsWith(",thermal throttling: another job on gpu0");

        StringWriter undone = new StringWriter();
        CommandLine undo = Ampwatch.commandLine();
        undo.setOut(new PrintWriter(undone));
        assertThat(undo.execute(concat(new String[] {"exclude", "stats-it-run-3", "--undo", "--reason", "it was gpu1", "--wait"}, kafka)))
                .as(undone.toString()).isZero();
        assertThat(undone.toString()).contains("statistics of stats-it: 20 completed run(s) in 4 configuration(s); excluded: none");
        assertThat(experiment(url).path("excluded_runs")).isEmpty();

        try (var runs = new KafkaProducer<>(client, new StringSerializer(), topics.runEnergy().valueSerde().serializer())) {
            runs.send(new ProducerRecord<>(topics.runEnergy().name(), "stats-it-run-5", null)).get();
        }
        JsonNode deleted = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> experiment(url), s -> s != null && finishedRuns(s) == 19);
        assertThat(deleted.path("excluded_runs")).singleElement().satisfies(e -> {
            assertThat(e.path("run_id").asText()).isEqualTo("stats-it-run-5");
            assertThat(e.path("reason").asText()).startsWith("deleted: its record was removed from stats-it.run-energy");
        });

        try (var raw = new KafkaProducer<>(client, new StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(topics.runExclusions().name(), "stats-it-run-6", new byte[] {1, 2, 3})).get();
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body()
                .lines().anyMatch(l -> l.startsWith("ampwatch_analyzer_dead_letters_total{") && l.contains("kind=\"deserialization\"")
                        && l.contains("topic=\"stats-it.run-exclusions\"") && l.endsWith(" 1.0")));
        assertThat(finishedRuns(experiment(url))).isEqualTo(19); // the bad record changed nothing

        StringWriter err = new StringWriter();
        CommandLine unknown = Ampwatch.commandLine();
        unknown.setErr(new PrintWriter(err));
        assertThat(unknown.execute(concat(new String[] {"exclude", "no-such-run", "--reason", "typo", "--experiment", EXPERIMENT},
                kafka))).isEqualTo(2);
        assertThat(err.toString()).contains("run no-such-run has no record on stats-it.run-energy", "nothing was published");
        StringWriter deletedErr = new StringWriter();
        CommandLine back = Ampwatch.commandLine();
        back.setErr(new PrintWriter(deletedErr));
        assertThat(back.execute(concat(new String[] {"exclude", "stats-it-run-5", "--undo"}, kafka))).isEqualTo(2);
        assertThat(deletedErr.toString()).contains("run stats-it-run-5 was deleted from stats-it.run-energy");
        StringWriter notOut = new StringWriter();
        CommandLine never = Ampwatch.commandLine();
        never.setErr(new PrintWriter(notOut));
        assertThat(never.execute(concat(new String[] {"exclude", "stats-it-run-7", "--undo"}, kafka))).isZero();
        assertThat(notOut.toString()).contains("run stats-it-run-7 is not excluded from its statistics: nothing to undo");
        StringWriter badRecord = new StringWriter();
        CommandLine skipping = Ampwatch.commandLine();
        skipping.setErr(new PrintWriter(badRecord));
        assertThat(skipping.execute(concat(new String[] {"exclude", "stats-it-run-6", "--undo"}, kafka))).isZero();
        assertThat(badRecord.toString()).contains("skipped a record that does not decode: stats-it.run-exclusions-0@",
                "(key stats-it-run-6)", "run stats-it-run-6 is not excluded");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static JsonNode experiment(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/experiments/" + EXPERIMENT))
                .build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? new ObjectMapper().readTree(r.body()) : null;
    }

    private static int finishedRuns(JsonNode stats) {
        return StreamSupport.stream(stats.path("configurations").spliterator(), false)
                .mapToInt(c -> c.path("runs").asInt() + c.path("failed_runs").asInt()).sum();
    }

    private static JsonNode comparison(JsonNode stats, String metric, String label) {
        return StreamSupport.stream(stats.path("comparisons").spliterator(), false)
                .filter(c -> c.path("metric").asText().equals(metric) && c.path("configuration_label").asText().equals(label)
                        && c.path("kinds").toString().contains("PRECISION_VS_FP32"))
                .findFirst().orElseThrow(() -> new AssertionError("no comparison of " + label + " on " + metric + " in " + stats));
    }

    /** 20 runs one after the other, 10 s each with 5 s idle between, GPU samples every second. */
    private static void produceExperiment(Map<String, Object> client, Topics topics) {
        Random random = new Random(2026);
        List<String[]> plan = new java.util.ArrayList<>();
        for (int repeat = 0; repeat < 5; repeat++) {
            for (String batch : List.of("32", "128")) {
                for (String precision : List.of("fp32", "amp-fp16")) {
                    plan.add(new String[] {precision, batch});
                }
            }
        }
        java.util.Collections.shuffle(plan, random);
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer())) {
            int t = GAP_SECONDS;
            for (int i = 0; i < plan.size(); i++) {
                String precision = plan.get(i)[0];
                int batch = Integer.parseInt(plan.get(i)[1]);
                double watts = (batch == 32 ? 100 : 120) - (batch == 32 && precision.equals("amp-fp16") ? 8 : 0)
                        + 0.5 * random.nextGaussian();
                String runId = "stats-it-run-" + i;
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(runId, t, EventKind.RUN_STARTED,
                        config(precision, batch))));
                events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", event(runId, t + RUN_SECONDS,
                        EventKind.RUN_COMPLETED, null)));
                for (int s = t - GAP_SECONDS + 1; s < t; s++) {
                    samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", sample(s, IDLE_WATTS)));
                }
                for (int s = t; s <= t + RUN_SECONDS; s++) {
                    samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", sample(s, watts)));
                }
                t += RUN_SECONDS + GAP_SECONDS;
            }
            for (int s = t - GAP_SECONDS + 1; s < t + 20; s++) {
                samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", sample(s, IDLE_WATTS)));
            }
        }
    }

    private static RunConfig config(String precision, int batch) {
        return RunConfig.newBuilder().setPrecision(precision).setBatchSize(batch).setHiddenUnits(List.of(256, 128))
                .setEpochs(1).setLearningRate(0.01).setOptimizer("sgd-momentum").setDataset("synthetic")
                .setTrainSamples(1000).setParameterCount(100).setDeviceName("gpu0").setBackend("jcuda").build();
    }

    private static TrainingEvent event(String runId, int second, EventKind kind, RunConfig config) {
        return RigRecords.event(EXPERIMENT, T0, runId, second, kind, config);
    }

    private static PowerSample sample(int second, double watts) {
        return RigRecords.gpuSample(T0, second, watts);
    }
}
