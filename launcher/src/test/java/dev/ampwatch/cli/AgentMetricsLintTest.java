package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.power.metrics.AgentStats;
import dev.ampwatch.power.metrics.PowerAgentMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The power agent's /metrics passes Prometheus' own lint: names, units, help text (promtool from .ci/run). */
class AgentMetricsLintTest {
    @Test
    void promtoolFindsNothingToSayAboutTheAgentsMetrics() throws Exception {
        AgentStats stats = new AgentStats();
        stats.source("nvml").read(8, java.time.Instant.parse("2026-11-30T08:00:00Z"));
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0,
                new PowerAgentMetrics(stats, List.of("nvml", "rapl"), InstantSource.system()))) {
            String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port()
                    + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(scrape).contains("ampwatch_power_samples_read_total{source=\"nvml\"}").contains("process_cpu_usage");
            Process lint = new ProcessBuilder("/usr/bin/promtool", "check", "metrics").redirectErrorStream(true).start();
            lint.getOutputStream().write(scrape.getBytes(StandardCharsets.UTF_8));
            lint.getOutputStream().close();
            String out = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(lint.waitFor()).as(out).isZero();
            assertThat(out).isBlank();
        }
    }
}
