package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.SharedBroker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analyzer's slim distribution as a server would run it: {@code java -jar ampwatch-analyzer.jar} with only
 * {@code lib-analyzer/} beside it (Kafka Streams and RocksDB, no Kafka server, Scala, power-agent, trainer or
 * JCuda) starts against a real broker and serves {@code /runs} and {@code /metrics}.
 */
class SlimAnalyzerIT {
    static final Path TARGET = Path.of("target");
    static final Pattern RUNNING = Pattern.compile("analyzer running: http://127\\.0\\.0\\.1:(\\d+)/metrics");

    @Test
    void theSlimAnalyzerCarriesNoBrokerOrAgentJarAndServes(@TempDir Path dir) throws Exception {
        List<String> jars;
        try (Stream<Path> s = Files.list(TARGET.resolve("lib-analyzer"))) {
            jars = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(jars).contains("ampwatch-analyzer-0.1.0-SNAPSHOT.jar").anyMatch(j -> j.startsWith("rocksdbjni"))
                .noneMatch(j -> j.startsWith("kafka_2.13") || j.startsWith("kafka-server") || j.startsWith("scala")
                        || j.startsWith("jcuda") || j.startsWith("ampwatch-power-agent") || j.startsWith("ampwatch-trainer-agent")
                        || j.startsWith("ampwatch-broker"));
        Path dist = dir.resolve("analyzer");
        Files.createDirectories(dist.resolve("lib-analyzer"));
        Files.copy(TARGET.resolve("ampwatch-analyzer.jar"), dist.resolve("ampwatch-analyzer.jar"));
        for (String j : jars) {
            Files.copy(TARGET.resolve("lib-analyzer").resolve(j), dist.resolve("lib-analyzer").resolve(j));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process analyzer = new ProcessBuilder(java, "-Xmx512m", "-jar", "ampwatch-analyzer.jar", "--bootstrap-servers",
                SharedBroker.bootstrapServers(), "--topic-prefix", "slim-analyzer-" + System.nanoTime() + ".", "--application-id",
                "slim-analyzer-" + System.nanoTime(), "--metrics-port", "0", "--state-dir", dir.resolve("state").toString())
                .directory(dist.toFile()).redirectErrorStream(true).start();
        AtomicReference<String> port = new AtomicReference<>();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(analyzer.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    Matcher m = RUNNING.matcher(line);
                    if (m.find()) {
                        port.set(m.group(1));
                    }
                }
            } catch (java.io.IOException e) {
                // the process was stopped
            }
        });
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> port.get() != null || !analyzer.isAlive());
            synchronized (output) {
                assertThat(port.get()).as(output.toString()).isNotNull();
                assertThat(output.toString()).doesNotContain("NoClassDefFoundError", "ClassNotFoundException");
            }
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> { // 503 while its statistics app joins its group
                HttpResponse<String> runs = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port.get() + "/runs"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(runs.statusCode()).as(runs.body()).isEqualTo(200);
            });
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port.get() + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("ampwatch_analyzer_thread_failures_total");
        } finally {
            analyzer.destroy();
            analyzer.waitFor();
            reader.join();
        }
    }
}
