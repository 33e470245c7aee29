package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunPhase;
import dev.ampwatch.schema.RunStatus;
import dev.ampwatch.schema.kafka.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inference energy end to end on a real broker, analyzer and power-agent (the estimate source): {@code train
 * --save-model} writes a model, {@code infer} runs it in fp32, fp16, bf16, int8 and fp8, and the analyzer attributes
 * each inference run (final, COMPLETED, phase INFERENCE, its passes' inferences counted, energy per inference)
 * and shows energy per 1,000 inferences on /metrics.
 */
class InferIT {
    static final String HOST = "infer-rig";
    static final Pattern RUN = Pattern.compile("^(fp32|fp16|bf16|int8|fp8)\\s+(\\S+)\\s", Pattern.MULTILINE);

    @Test
    void inferenceRunsOfEveryPrecisionAreAttributedPerInference(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model.ampwmodel");
        try (LocalRig rig = LocalRig.start(dir, "infer-it", HOST, Duration.ofMillis(100))) {
            Topics topics = rig.topics();
            Map<String, Object> client = rig.client();
            AnalyzerApp app = rig.app();
            String[] kafka = {"--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", "infer-it.", "--host", HOST,
                    "--experiment-id", "infer-it"};
            String trained = run(concat(new String[] {"train", "--run-id", "trained", "--epochs", "2", "--train-limit", "3000",
                    "--test-limit", "1000", "--device", "cpu", "--save-model", model.toString()}, kafka));
            assertThat(trained).contains("run trained");
            String inferred = run(concat(new String[] {"infer", "--model", model.toString(), "--repeats", "3", "--batch-size", "100",
                    "--test-limit", "1000", "--precision", "fp32,fp16,bf16,int8,fp8"}, kafka));
            Matcher m = RUN.matcher(inferred);
            Set<String> runs = new HashSet<>();
            while (m.find()) {
                runs.add(m.group(2));
            }
            assertThat(runs).as(inferred).hasSize(5);
            assertThat(inferred).as("no GPU here: every precision on the CPU, saying why").contains("fp8: cpu (");

            try (RunEnergyWatcher watcher = new RunEnergyWatcher(client, topics)) {
                Map<String, RunEnergy> finals = watcher.awaitFinal(runs, Duration.ofSeconds(90));
                for (String run : runs) {
                    RunEnergy r = finals.get(run);
                    assertThat(r).as(run).isNotNull();
                    assertThat(r.getStatus()).isEqualTo(RunStatus.COMPLETED);
                    assertThat(r.getConfig().getPhase()).isEqualTo(RunPhase.INFERENCE);
                    assertThat(r.getEpochs()).as("one per pass").hasSize(3)
                            .allSatisfy(e -> assertThat(e.getSamples()).as("inferences").isEqualTo(1000L));
                    assertThat(r.getEnergyJoules()).isPositive();
                    assertThat(r.getJoulesPerSample()).as("energy per inference")
                            .isEqualTo(r.getEnergyJoules() / 3000, org.assertj.core.api.Assertions.within(1e-9));
                    assertThat(r.getEpochs()).allSatisfy(e -> {
                        assertThat(e.getLatencyP50Ms()).isPositive().isLessThanOrEqualTo(e.getLatencyP95Ms());
                        assertThat(e.getLatencyP95Ms()).isLessThanOrEqualTo(e.getLatencyP99Ms());
                        assertThat(e.getSamplesPerSecond()).isPositive();
                    });
                    assertThat(r.getSamplesPerSecond()).as("inferences over the passes' event time").isEqualTo(3000 / r.getEpochs()
                            .stream().mapToDouble(e -> java.time.Duration.between(e.getStartTime(), e.getEndTime()).toNanos() / 1e9)
                            .sum(), org.assertj.core.api.Assertions.within(1e-6));
                    assertThat(r.getLatencyP95Ms()).isPositive();
                }
                // the REST API answers the same: energy per 1,000 inferences, throughput and latency of each run
                String runId = runs.iterator().next();
                HttpResponse<String> list = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + app.httpPort() + "/runs?limit=100")).build(), HttpResponse.BodyHandlers.ofString());
                com.fasterxml.jackson.databind.JsonNode summary = java.util.stream.StreamSupport.stream(
                                new com.fasterxml.jackson.databind.ObjectMapper().readTree(list.body()).spliterator(), false)
                        .filter(n -> n.path("run_id").asText().equals(runId)).findFirst().orElseThrow();
                RunEnergy r = finals.get(runId);
                assertThat(summary.path("phase").asText()).isEqualTo("inference");
                assertThat(summary.path("energy_per_1000_inferences_joules").asDouble())
                        .isCloseTo(1000 * r.getJoulesPerSample(), org.assertj.core.api.Assertions.within(1e-9));
                assertThat(summary.path("samples_per_second").asDouble()).isEqualTo(r.getSamplesPerSecond());
                assertThat(summary.path("latency_p99_ms").asDouble()).isEqualTo(r.getLatencyP99Ms());
            }
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("ampwatch_run_energy_per_1000_inferences_joules{")
                    .contains("ampwatch_run_samples_per_second{").contains("ampwatch_run_inference_latency_seconds{");
        }
    }

    /**
     * A sweep whose grid adds inference: fp32 and amp-bf16 training, two repeats each, then every trained model in
     * fp32 and int8 inference, all one experiment. The analyzer's statistics keep the phases apart: int8 inference
     * against fp32 inference (four runs each: the models of both training precisions, same shape), amp-bf16 training
     * against fp32 training, each phase against its own benchmark, one ANOVA per phase; the report has the
     * inference section.
     */
    @Test
    void aSweepMixingTrainingAndInferenceIsComparedWithinEachPhase(@TempDir Path dir) throws Exception {
        Path grid = java.nio.file.Files.writeString(dir.resolve("grid.json"), """
                {"precisions": ["fp32", "amp-bf16"], "repeats": 2, "benchmark": {"batch_size": 100, "hidden": [32], "epochs": 1},
                 "train_limit": 1000, "test_limit": 500, "cooldown": "0s", "seed": 11, "experiment_id": "infer-sweep-it",
                 "inference": {"precisions": ["fp32", "int8"], "repeats": 2, "batch_size": 50}}
                """);
        try (LocalRig rig = LocalRig.start(dir, "infer-sweep-it", HOST, Duration.ofMillis(100))) {
            AnalyzerApp app = rig.app();
            String swept = run("sweep", grid.toString(), "--no-warm-up", "--threads", "1", "--host", HOST, "--bootstrap-servers",
                    SharedBroker.bootstrapServers(), "--topic-prefix", "infer-sweep-it.", "--application-id", "infer-sweep-it");
            // with the analyzer running, the sweep ends with the runs' energy and the verdicts, as the demo does
            assertThat(swept).contains("waiting up to 2m for the analyzer's results of the 12 runs", "energy [J]",
                    "lower precisions vs fp32 at the same settings", "amp-bf16 vs fp32", "int8 phase=inference vs fp32 phase=inference", "the whole analysis (tables, plots, CSV): "
                    + "ampwatch report --experiment infer-sweep-it").doesNotContain("did not arrive");
            String url = "http://127.0.0.1:" + app.httpPort();
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.JsonNode stats = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(1)).until(() -> {
                        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create(url + "/experiments/infer-sweep-it")).build(), HttpResponse.BodyHandlers.ofString());
                        return r.statusCode() == 200 ? json.readTree(r.body()) : null;
                    }, s -> s != null && java.util.stream.StreamSupport.stream(s.path("configurations").spliterator(), false)
                            .mapToInt(c -> c.path("runs").asInt()).sum() == 12);

            List<com.fasterxml.jackson.databind.JsonNode> comparisons = java.util.stream.StreamSupport.stream(
                    stats.path("comparisons").spliterator(), false).filter(c -> c.path("metric").asText().equals("energy_per_sample_joules"))
                    .toList();
            com.fasterxml.jackson.databind.JsonNode int8 = comparisons.stream().filter(c -> c.path("configuration_label").asText()
                    .startsWith("int8 ") && c.path("kinds").toString().contains("PRECISION_VS_FP32")).findFirst().orElseThrow();
            assertThat(int8.path("reference_label").asText()).startsWith("fp32 ").contains("phase=inference");
            assertThat(int8.path("n").asInt()).isEqualTo(4);
            assertThat(int8.path("n_reference").asInt()).isEqualTo(4);
            assertThat(comparisons).as("no comparison crosses the phases").allSatisfy(c -> assertThat(
                    c.path("configuration_label").asText().contains("phase=inference"))
                    .isEqualTo(c.path("reference_label").asText().contains("phase=inference")));
            assertThat(comparisons).filteredOn(c -> c.path("kinds").toString().contains("VERSUS_BENCHMARK"))
                    .extracting(c -> c.path("configuration_label").asText().split(" ")[0])
                    .containsExactlyInAnyOrder("amp-bf16", "int8");
            assertThat(java.util.stream.StreamSupport.stream(stats.path("anova").spliterator(), false)
                    .filter(t -> t.path("kind").asText().equals("one-way") && t.path("metric").asText().equals("average_power_watts"))
                    .map(t -> t.path("phase").asText())).containsExactlyInAnyOrder("inference", "training");

            Path html = dir.resolve("report.html");
            run("report", "--experiment", "infer-sweep-it", "--analyzer", url, "--bootstrap-servers", SharedBroker.bootstrapServers(),
                    "--topic-prefix", "infer-sweep-it.", "--out", html.toString());
            String page = java.nio.file.Files.readString(html);
            assertThat(page).contains("<section id=\"inference\">").contains("energy / 1,000 inferences [J]");
            assertThat(java.util.regex.Pattern.compile("<tr><th scope=\"row\">").matcher(page.substring(page.indexOf("<table id=\"inference\">"),
                    page.indexOf("</table>", page.indexOf("<table id=\"inference\">")))).results().count()).isEqualTo(2);
            assertThat(java.nio.file.Files.readAllLines(dir.resolve("report.csv"))).hasSize(13)
                    .filteredOn(l -> l.contains(",inference,")).hasSize(8);
        }
    }

    private static String run(String... args) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int code;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            code = Ampwatch.commandLine().execute(args);
        } finally {
            System.setOut(stdout);
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        assertThat(code).as(out).isZero();
        return out;
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
