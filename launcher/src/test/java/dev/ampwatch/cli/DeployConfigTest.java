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
        assertThat(out).contains("5 rules found");
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
}
