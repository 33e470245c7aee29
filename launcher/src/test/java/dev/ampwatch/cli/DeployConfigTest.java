package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The shipped Prometheus config and alert rules are valid for the real promtool (from Debian's prometheus). */
class DeployConfigTest {
    static final Path DEPLOY = Path.of("..", "deploy", "prometheus");

    @Test
    void prometheusConfigAndAlertRulesPassPromtool() throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")), "promtool not installed (apt-get install prometheus)");
        Process p = new ProcessBuilder("/usr/bin/promtool", "check", "config", DEPLOY.resolve("prometheus.yml").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("16 rules found");
    }

    @Test
    void alertRulesFireExactlyWhereTheirUnitTestsSay() throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")), "promtool not installed (apt-get install prometheus)");
        Process p = new ProcessBuilder("/usr/bin/promtool", "test", "rules", "alerts_test.yml")
                .directory(DEPLOY.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("SUCCESS");
    }

    /** Every alert links its runbook: a row of docs/operations.md that exists (no promtool needed). */
    @Test
    void everyAlertHasARunbookUrlIntoTheDocs() throws IOException {
        String rules = Files.readString(DEPLOY.resolve("alerts.yml"));
        String docs = Files.readString(Path.of("..", "docs", "operations.md"));
        java.util.regex.Matcher alert = java.util.regex.Pattern.compile("- alert: (\\w+)").matcher(rules);
        int n = 0;
        while (alert.find()) {
            n++;
            String name = alert.group(1);
            int next = rules.indexOf("- alert:", alert.end());
            String rule = rules.substring(alert.end(), next < 0 ? rules.length() : next);
            String anchor = "alert-" + name.toLowerCase(java.util.Locale.ROOT);
            assertThat(rule).as(name).contains("runbook_url: \"docs/operations.md#" + anchor + "\"");
            assertThat(docs).as("the anchor of " + name + " in docs/operations.md").contains("id=\"" + anchor + "\"");
        }
        assertThat(n).isEqualTo(16);
    }

    @Test
    void fleetPrometheusConfigWithFileDiscoveryPassesPromtool() throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")), "promtool not installed (apt-get install prometheus)");
        Process p = new ProcessBuilder("/usr/bin/promtool", "check", "config", DEPLOY.resolve("prometheus-fleet.yml").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("16 rules found");
        var targets = new com.fasterxml.jackson.databind.ObjectMapper().readTree(DEPLOY.resolve("targets").resolve("rigs.json").toFile());
        assertThat(targets).allSatisfy(group -> assertThat(group.get("targets")).isNotEmpty());
    }

    /** Each unit starts a command that parses, with the example config its AMPWATCH_CONFIG names. */
    @Test
    void systemdUnitsStartCommandsThatParseWithTheirConfigFiles() throws IOException {
        Path systemd = Path.of("..", "deploy", "systemd");
        for (String unit : new String[] {"ampwatch-power-agent.service", "ampwatch-analyzer.service"}) {
            String text = Files.readString(systemd.resolve(unit));
            String exec = line(text, "ExecStart=");
            // a slim distribution's jar, its main class taking the command's options directly
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("/usr/bin/java( -\\S+)* -jar /opt/ampwatch/(ampwatch-(agent|analyzer)\\.jar)(.*)")
                    .matcher(exec);
            assertThat(m.matches()).as(unit + ": " + exec).isTrue();
            if (unit.contains("power-agent")) {
                assertThat(exec).contains("-jar /opt/ampwatch/ampwatch-agent.jar")
                        .contains(Files.readString(Path.of("..", "deploy", "power-agent.jvm-options")).trim());
            } else {
                assertThat(exec).contains("-jar /opt/ampwatch/ampwatch-analyzer.jar");
            }
            // the jar the build writes: <finalName>-<classifier>.jar
            assertThat(Path.of("pom.xml")).content().contains("<finalName>ampwatch</finalName>")
                    .contains("<classifier>" + m.group(3) + "</classifier>");
            String config = line(text, "Environment=AMPWATCH_CONFIG=");
            assertThat(config).startsWith("/etc/ampwatch/");
            Path example = systemd.resolve(Path.of(config).getFileName());
            assertThat(example).as(unit + ": the example of " + config).exists();
            String rest = m.group(4).trim();
            String[] args = rest.isEmpty() ? new String[0] : rest.split(" ");
            java.util.Map<String, String> env = java.util.Map.of("AMPWATCH_CONFIG", example.toString());
            var parsed = (m.group(3).equals("agent") ? AgentMain.commandLine(env) : AnalyzerMain.commandLine(env)).parseArgs(args);
            Object command = parsed.commandSpec().userObject();
            if (command instanceof PowerAgentCommand agent) {
                assertThat(agent.sources).containsExactly("nvml", "rapl");
                assertThat(agent.kafka.bootstrapServers).isEqualTo("kafka-1.example:9092,kafka-2.example:9092");
            } else {
                assertThat(((AnalyzerCommand) command).options.metricsHost).isEqualTo("0.0.0.0");
            }
            assertThat(text).contains("[Install]").contains("Restart=on-failure");
        }
    }

    /**
     * The DaemonSet's container runs the agent image (whose entrypoint is AgentMain: the power-agent's options,
     * no subcommand) with settings that parse from its AMPWATCH_* variables.
     */
    @Test
    void kubernetesDaemonSetRunsTheAgentWithSettingsThatParse() throws IOException {
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        var ds = yaml.readTree(Path.of("..", "deploy", "kubernetes", "power-agent-daemonset.yaml").toFile());
        assertThat(ds.get("kind").asText()).isEqualTo("DaemonSet");
        var pod = ds.at("/spec/template/spec");
        assertThat(ds.at("/spec/selector/matchLabels")).isEqualTo(ds.at("/spec/template/metadata/labels"));
        var container = pod.get("containers").get(0);
        java.util.Map<String, String> env = new java.util.HashMap<>();
        container.get("env").forEach(e -> env.put(e.get("name").asText(), e.has("value") ? e.get("value").asText() : "node-1"));
        java.util.List<String> args = new java.util.ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        assertThat(container.get("image").asText()).startsWith("ampwatch/power-agent:");
        PowerAgentCommand agent = (PowerAgentCommand) AgentMain.commandLine(env).parseArgs(args.toArray(String[]::new))
                .commandSpec().userObject();
        assertThat(agent.sources).containsExactly("nvml", "rapl");
        assertThat(agent.metricsHost).isEqualTo("0.0.0.0");
        java.util.Set<String> mounts = new java.util.HashSet<>();
        container.get("volumeMounts").forEach(m -> mounts.add(m.get("name").asText()));
        java.util.Set<String> volumes = new java.util.HashSet<>();
        pod.get("volumes").forEach(v -> volumes.add(v.get("name").asText()));
        assertThat(volumes).containsAll(mounts);
        // the host's /sys, read-only, as the RAPL source's root: the container runtime masks /sys/devices/virtual/powercap,
        // where /sys/class/powercap's links point, so a mount of /sys/class/powercap alone reads no zone (an operator review)
        assertThat(container.at("/volumeMounts/0/mountPath").asText()).isEqualTo("/host/sys");
        assertThat(container.at("/volumeMounts/0/readOnly").asBoolean()).isTrue();
        assertThat(pod.at("/volumes/0/hostPath/path").asText()).isEqualTo("/sys");
        assertThat(env).containsEntry("AMPWATCH_RAPL_SYSFS_ROOT", "/host");
    }

    @Test
    void alertmanagerRoutesGoToReceiversThatExist() throws IOException {
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        var am = yaml.readTree(Path.of("..", "deploy", "alertmanager", "alertmanager.yml").toFile());
        java.util.Set<String> receivers = new java.util.HashSet<>();
        am.get("receivers").forEach(r -> receivers.add(r.get("name").asText()));
        assertThat(receivers).contains(am.at("/route/receiver").asText());
        am.at("/route/routes").forEach(r -> assertThat(receivers).contains(r.get("receiver").asText()));
        String rules = Files.readString(DEPLOY.resolve("alerts.yml"));
        assertThat(rules).contains("alert: MixedPrecision").contains("alert: AnalyzerDeadLetters");
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).trim()).findFirst()
                .orElseThrow(() -> new AssertionError("no " + prefix));
    }
}
