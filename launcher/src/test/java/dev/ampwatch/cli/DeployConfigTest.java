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
        assertThat(n).isEqualTo(5);
    }
}
