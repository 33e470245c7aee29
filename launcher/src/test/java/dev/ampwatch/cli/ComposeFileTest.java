package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/compose/compose.yaml holds together without Docker: each ampwatch service's command parses with the
 * real CLI and reaches the broker by the listener Kafka advertises inside the network; what it mounts from the
 * repository exists (the launcher's jar and its lib once packaged); Prometheus scrapes the services by name
 * on the ports their commands serve and its config passes promtool; Grafana gets the dashboards where the
 * provider looks and a datasource that points at the Prometheus service. {@code ComposeStackIT} runs the
 * stack where Docker is.
 */
class ComposeFileTest {
    static final Path COMPOSE = Path.of("..", "deploy", "compose");
    final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    @Test
    void ampwatchServicesRunCommandsThatParseAgainstTheBrokersInternalListener() throws IOException {
        JsonNode services = yaml.readTree(COMPOSE.resolve("compose.yaml").toFile()).get("services");
        assertThat(services.fieldNames()).toIterable().containsExactlyInAnyOrder("kafka", "analyzer", "power-agent", "prometheus", "grafana");
        String advertised = services.at("/kafka/environment/KAFKA_ADVERTISED_LISTENERS").asText();
        assertThat(advertised).contains("INTERNAL://kafka:9092");

        AnalyzerCommand analyzer = (AnalyzerCommand) parse(services.get("analyzer"));
        assertThat(analyzer.kafka.bootstrapServers).isEqualTo("kafka:9092");
        assertThat(analyzer.options.metricsHost).isEqualTo("0.0.0.0");
        assertThat(analyzer.options.metricsPort).isEqualTo(9464);
        PowerAgentCommand agent = (PowerAgentCommand) parse(services.get("power-agent"));
        assertThat(agent.kafka.bootstrapServers).isEqualTo("kafka:9092");
        assertThat(agent.metricsHost).isEqualTo("0.0.0.0");
        assertThat(agent.metricsPort).isEqualTo(9465);

        // the scrape targets are the services, on the ports their commands serve
        JsonNode prometheus = yaml.readTree(COMPOSE.resolve("prometheus.yml").toFile());
        List<String> targets = new ArrayList<>();
        prometheus.get("scrape_configs").forEach(c -> c.at("/static_configs/0/targets").forEach(t -> targets.add(t.asText())));
        assertThat(targets).containsExactlyInAnyOrder("analyzer:9464", "power-agent:9465");
        assertThat(yaml.readTree(COMPOSE.resolve("grafana-datasource.yml").toFile()).at("/datasources/0/url").asText())
                .isEqualTo("http://prometheus:9090");
        // Grafana's provider reads the dashboards from where compose mounts them
        String provider = yaml.readTree(Path.of("..", "grafana", "provisioning", "dashboards", "ampwatch.yml").toFile())
                .at("/providers/0/options/path").asText();
        assertThat(mounts(services.get("grafana"))).contains("../../grafana/dashboards:" + provider + ":ro");
    }

    @Test
    void everythingMountedFromTheRepositoryExists() throws IOException {
        JsonNode services = yaml.readTree(COMPOSE.resolve("compose.yaml").toFile()).get("services");
        Set<String> packaged = Set.of("../../launcher/target/ampwatch.jar", "../../launcher/target/lib",
                "../../launcher/target/ampwatch-agent.jar", "../../launcher/target/lib-agent");
        Set<String> checked = new HashSet<>();
        for (String service : List.of("analyzer", "power-agent", "prometheus", "grafana")) {
            for (String mount : mounts(services.get(service))) {
                String source = mount.split(":")[0];
                if (!source.startsWith(".")) {
                    continue; // a named volume or a host path (/sys/class/powercap)
                }
                checked.add(source);
                if (packaged.contains(source)) {
                    continue; // made by `mvn package`; ComposeStackIT runs after it
                }
                assertThat(COMPOSE.resolve(source)).as(service + " mounts " + source).exists();
            }
        }
        assertThat(checked).containsAll(packaged);
        assertThat(Files.readString(Path.of("..", "launcher", "pom.xml"), StandardCharsets.UTF_8))
                .as("the jar and its lib/ are what the launcher's build writes").contains("<finalName>ampwatch</finalName>")
                .contains("<classpathPrefix>lib/</classpathPrefix>");
    }

    @Test
    void theComposePrometheusConfigPassesPromtool(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")), "promtool not installed (apt-get install prometheus)");
        Files.copy(COMPOSE.resolve("prometheus.yml"), dir.resolve("prometheus.yml"));
        Files.copy(Path.of("..", "deploy", "prometheus", "alerts.yml"), dir.resolve("alerts.yml")); // mounted next to it
        Process p = new ProcessBuilder("/usr/bin/promtool", "check", "config", "prometheus.yml").directory(dir.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    private static Object parse(JsonNode service) {
        List<String> command = new ArrayList<>();
        service.get("command").forEach(c -> command.add(c.asText()));
        int agent = command.indexOf("/opt/ampwatch/ampwatch-agent.jar");
        if (agent > 0) { // the power-agent's slim distribution: its options directly
            return AgentMain.commandLine(java.util.Map.of()).parseArgs(command.subList(agent + 1, command.size()).toArray(String[]::new))
                    .commandSpec().userObject();
        }
        int jar = command.indexOf("/opt/ampwatch/ampwatch.jar");
        assertThat(jar).as("runs the launcher jar: " + command).isPositive();
        return Ampwatch.commandLine(java.util.Map.of()).parseArgs(command.subList(jar + 1, command.size()).toArray(String[]::new))
                .subcommand().commandSpec().userObject();
    }

    private static List<String> mounts(JsonNode service) {
        List<String> out = new ArrayList<>();
        service.get("volumes").forEach(v -> out.add(v.asText()));
        return out;
    }
}
