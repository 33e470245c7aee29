package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real Prometheus (Debian's) scrapes the analyzer with the shipped rules and sees the run's energy. */
class PrometheusIT {
    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    static final Instant T0 = Instant.parse("2026-11-23T05:00:00Z");
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void prometheusScrapesPerRunEnergyFromTheAnalyzer(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(PROMETHEUS), "prometheus not installed (apt-get install prometheus)");
        Topics topics = Topics.withPrefix("prom.");
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        TopicSetup.ensure(client, topics, 1);
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId("prom-it").withTopics(topics)
                .withStateDir(dir.resolve("state"));
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(10))) {
            produceRun(client, topics);
            int port = freePort();
            Process prometheus = startPrometheus(dir, app.httpPort(), port);
            try {
                String query = "ampwatch_run_energy_joules_total{run_id=\"prom-run\",precision=\"amp-fp16\"}";
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    JsonNode result = query(port, query).path("data").path("result");
                    assertThat(result).as(result.toString()).hasSize(1);
                    assertThat(result.get(0).path("value").get(1).asDouble()).isCloseTo(1000.0, within(1e-6));
                });
                JsonNode rules = get(port, "/api/v1/rules").path("data").path("groups");
                assertThat(rules.toString()).contains("MixedPrecisionRaisesPower").contains("\"health\":\"ok\"");
            } finally {
                prometheus.destroy();
                prometheus.waitFor();
            }
        }
    }

    /** Debian's Prometheus on 127.0.0.1:{@code port}, scraping the analyzer every second with the shipped rules. */
    static Process startPrometheus(Path dir, int analyzerPort, int port) throws Exception {
        return startPrometheus(dir, analyzerPort, -1, port);
    }

    /** As the shipped config does: the analyzer, and a power agent when {@code agentPort} is not negative. */
    static Process startPrometheus(Path dir, int analyzerPort, int agentPort, int port) throws Exception {
        Path yml = dir.resolve("prometheus.yml");
        Files.writeString(yml, String.join("\n",
                "global: {scrape_interval: 1s, evaluation_interval: 1s}",
                "rule_files: [" + Path.of("..", "deploy", "prometheus", "alerts.yml").toAbsolutePath() + "]",
                "scrape_configs:",
                "  - job_name: ampwatch-analyzer",
                "    static_configs: [{targets: ['127.0.0.1:" + analyzerPort + "']}]",
                agentPort < 0 ? "" : "  - job_name: ampwatch-power-agent\n    static_configs: [{targets: ['127.0.0.1:" + agentPort + "']}]",
                ""));
        return new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + yml,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(new File(dir.resolve("prometheus.log").toString())).start();
    }

    static JsonNode query(int port, String promql) throws Exception {
        return get(port, "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    static JsonNode get(int port, String pathAndQuery) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .build(), HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(r.body());
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** 100 W on gpu0 for a run from 2 s to 12 s: 1000 J. */
    private static void produceRun(Map<String, Object> client, Topics topics) {
        try (var samples = new KafkaProducer<>(client, new StringSerializer(), topics.powerSamples().valueSerde().serializer());
             var events = new KafkaProducer<>(client, new StringSerializer(), topics.trainingEvents().valueSerde().serializer())) {
            RunConfig config = RunConfig.newBuilder().setPrecision("amp-fp16").setBatchSize(64).setHiddenUnits(List.of(64))
                    .setEpochs(1).setLearningRate(0.01).setOptimizer("sgd-momentum").setDataset("synthetic")
                    .setTrainSamples(100).setParameterCount(100).setDeviceName("gpu").setBackend("jcuda").build();
            events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", TrainingEvent.newBuilder()
                    .setRunId("prom-run").setExperimentId("prom").setHost("rig").setDevices(List.of("gpu0"))
                    .setEventTime(T0.plusSeconds(2)).setKind(EventKind.RUN_STARTED).setConfig(config).build()));
            events.send(new ProducerRecord<>(topics.trainingEvents().name(), "rig", TrainingEvent.newBuilder()
                    .setRunId("prom-run").setExperimentId("prom").setHost("rig").setDevices(List.of("gpu0"))
                    .setEventTime(T0.plusSeconds(12)).setKind(EventKind.RUN_COMPLETED).build()));
            for (int s = 0; s <= 20; s++) {
                samples.send(new ProducerRecord<>(topics.powerSamples().name(), "rig", PowerSample.newBuilder()
                        .setHost("rig").setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0")
                        .setEventTime(T0.plusSeconds(s)).setPowerWatts(100.0).build()));
            }
        }
    }
}
