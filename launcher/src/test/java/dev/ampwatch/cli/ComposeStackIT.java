package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The whole stack of deploy/compose/compose.yaml on Docker: Kafka, the analyzer and the power-agent (the
 * packaged launcher jar on a JRE image), Prometheus and Grafana. Both ampwatch targets are up in Prometheus,
 * Grafana has loaded the dashboards, and a run trained against the stack's broker gets its final energy from
 * the analyzer. Skipped where Docker is not available (Testcontainers says so: "Docker is not available");
 * {@code ComposeFileTest} checks the same file without Docker on every build. Runs in the verify phase, after
 * the jar it mounts was packaged.
 */
@Testcontainers(disabledWithoutDocker = true)
class ComposeStackIT {
    static final Duration STARTUP = Duration.ofMinutes(5);

    @Container
    static final ComposeContainer STACK = new ComposeContainer(new File("../deploy/compose/compose.yaml"))
            .withExposedService("analyzer", 9464, Wait.forHttp("/metrics").forStatusCode(200).withStartupTimeout(STARTUP))
            .withExposedService("power-agent", 9465, Wait.forHttp("/metrics").forStatusCode(200).withStartupTimeout(STARTUP))
            .withExposedService("prometheus", 9090, Wait.forHttp("/-/ready").forStatusCode(200).withStartupTimeout(STARTUP))
            .withExposedService("grafana", 3000, Wait.forHttp("/api/health").forStatusCode(200).withStartupTimeout(STARTUP))
            .withRemoveVolumes(true);

    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    @Test
    void theStackScrapesBothAgentsShowsTheDashboardsAndMeasuresARun() throws Exception {
        String prometheus = base("prometheus", 9090);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            JsonNode up = get(prometheus + "/api/v1/query?query=" + URLEncoder.encode("up == 1", StandardCharsets.UTF_8), null)
                    .at("/data/result");
            List<String> jobs = new ArrayList<>();
            up.forEach(r -> jobs.add(r.at("/metric/job").asText()));
            assertThat(jobs).contains("ampwatch-analyzer", "ampwatch-power-agent");
        });

        String auth = "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            List<String> uids = new ArrayList<>();
            get(base("grafana", 3000) + "/api/search?type=dash-db", auth).forEach(d -> uids.add(d.get("uid").asText()));
            assertThat(uids).contains("ampwatch-fleet", "ampwatch-run", "ampwatch-experiment");
        });

        // a run trained next to the stack, on the host the stack's power-agent samples
        assertThat(Ampwatch.commandLine().execute("train", "--bootstrap-servers", "localhost:29092", "--host", "compose-rig",
                "--run-id", "compose-run", "--epochs", "1", "--train-limit", "1000", "--test-limit", "200", "--device", "cpu")).isZero();
        String analyzer = base("analyzer", 9464);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            JsonNode run = get(analyzer + "/runs/compose-run", null);
            assertThat(run.path("is_final").asBoolean()).as(run.toString()).isTrue();
            assertThat(run.path("energy_joules").asDouble()).isPositive();
        });
    }

    private static String base(String service, int port) {
        return "http://" + STACK.getServiceHost(service, port) + ":" + STACK.getServicePort(service, port);
    }

    private JsonNode get(String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
        return json.readTree(r.body());
    }
}
