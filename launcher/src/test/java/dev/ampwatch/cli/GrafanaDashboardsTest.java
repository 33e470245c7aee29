package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shipped Grafana dashboards are loadable as provisioned: the provider points at the folder the docs
 * mount them from, and every dashboard is a Grafana JSON model whose panels have an id, a place, a unit
 * and a query on the {@code ${datasource}} variable. {@code GrafanaDashboardsIT} runs every query against
 * a real Prometheus.
 */
class GrafanaDashboardsTest {
    static final Path GRAFANA = Path.of("..", "grafana");
    static final Path DASHBOARDS = GRAFANA.resolve("dashboards");
    static final Path PROVIDER = GRAFANA.resolve("provisioning").resolve("dashboards").resolve("ampwatch.yml");
    static final String DATASOURCE = "${datasource}";
    /** Grafana's unit ids the dashboards use (Grafana shows an unknown id as a plain suffix). */
    static final Set<String> UNITS = Set.of("watt", "joule", "massg", "s", "percentunit", "short", "none", "dateTimeAsIso");
    static final Set<String> UIDS = Set.of("ampwatch-fleet", "ampwatch-run", "ampwatch-experiment",
            "ampwatch-data-quality", "ampwatch-runs");

    @Test
    void theProviderLoadsTheDashboardsFolderAtThePathTheDocsMountItOn() throws IOException {
        String provider = Files.readString(PROVIDER);
        assertThat(provider).contains("apiVersion: 1").contains("type: file");
        Matcher path = Pattern.compile("(?m)^\\s+path:\\s*(\\S+)\\s*$").matcher(provider);
        assertThat(path.find()).as(provider).isTrue();
        String mountedAt = path.group(1);
        String operations = Files.readString(Path.of("..", "docs", "operations.md"));
        assertThat(operations).contains("grafana/dashboards:" + mountedAt)
                .contains("grafana/provisioning:/etc/grafana/provisioning");
        assertThat(Files.readString(GRAFANA.resolve("provisioning").resolve("datasources").resolve("ampwatch.yml")))
                .contains("type: prometheus");
        assertThat(dashboards().stream().map(d -> d.path("uid").asText())).containsExactlyInAnyOrderElementsOf(UIDS);
    }

    @Test
    void everyDashboardIsAGrafanaModelWithADatasourceVariable() {
        for (JsonNode d : dashboards()) {
            String uid = d.path("uid").asText();
            assertThat(uid).matches("[a-z0-9-]{1,40}");
            assertThat(d.path("title").asText()).as(uid).startsWith("ampwatch: ");
            assertThat(d.path("schemaVersion").asInt()).as(uid).isBetween(36, 41);
            assertThat(d.path("time").path("from").asText()).as(uid).isNotEmpty();
            JsonNode variables = d.path("templating").path("list");
            assertThat(variables.isArray()).as(uid).isTrue();
            JsonNode datasource = variables.get(0);
            assertThat(datasource.path("name").asText()).as(uid).isEqualTo("datasource");
            assertThat(datasource.path("type").asText()).as(uid).isEqualTo("datasource");
            assertThat(datasource.path("query").asText()).as(uid).isEqualTo("prometheus");
            for (JsonNode v : variables) {
                if (v.path("type").asText().equals("query")) {
                    assertThat(v.path("datasource").path("uid").asText()).as(uid + " $" + v.path("name")).isEqualTo(DATASOURCE);
                    assertThat(v.path("query").asText()).as(uid + " $" + v.path("name")).startsWith("label_values(");
                }
            }
        }
    }

    @Test
    void everyPanelHasAUniqueIdAPlaceAUnitAndQueriesTheDatasourceVariable() {
        for (JsonNode d : dashboards()) {
            String uid = d.path("uid").asText();
            Set<Integer> ids = new HashSet<>();
            List<JsonNode> panels = panels(d);
            assertThat(panels).as(uid).hasSizeGreaterThan(3);
            for (JsonNode p : panels) {
                String where = uid + " / " + p.path("title").asText();
                assertThat(p.path("id").isInt()).as(where).isTrue();
                assertThat(ids.add(p.path("id").asInt())).as(where + ": id " + p.path("id") + " used twice").isTrue();
                JsonNode grid = p.path("gridPos");
                for (String f : List.of("x", "y", "w", "h")) {
                    assertThat(grid.path(f).isInt()).as(where + " gridPos." + f).isTrue();
                }
                assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as(where).isLessThanOrEqualTo(24);
                assertThat(p.path("title").asText()).as(uid).isNotBlank();
                if (p.path("type").asText().equals("row")) {
                    continue;
                }
                assertThat(p.path("fieldConfig").path("defaults").path("unit").asText()).as(where).isIn(UNITS);
                assertThat(p.path("datasource").path("uid").asText()).as(where).isEqualTo(DATASOURCE);
                JsonNode targets = p.path("targets");
                assertThat(targets.size()).as(where).isPositive();
                for (JsonNode t : targets) {
                    assertThat(t.path("expr").asText()).as(where).isNotBlank();
                    assertThat(t.path("refId").asText()).as(where).isNotBlank();
                    assertThat(t.path("datasource").path("uid").asText()).as(where).isEqualTo(DATASOURCE);
                }
            }
        }
    }

    @Test
    void panelsDoNotOverlap() {
        for (JsonNode d : dashboards()) {
            List<JsonNode> panels = panels(d);
            for (int i = 0; i < panels.size(); i++) {
                for (int j = i + 1; j < panels.size(); j++) {
                    JsonNode a = panels.get(i).path("gridPos");
                    JsonNode b = panels.get(j).path("gridPos");
                    boolean apart = a.path("x").asInt() + a.path("w").asInt() <= b.path("x").asInt()
                            || b.path("x").asInt() + b.path("w").asInt() <= a.path("x").asInt()
                            || a.path("y").asInt() + a.path("h").asInt() <= b.path("y").asInt()
                            || b.path("y").asInt() + b.path("h").asInt() <= a.path("y").asInt();
                    assertThat(apart).as(d.path("uid").asText() + ": " + panels.get(i).path("title") + " and "
                            + panels.get(j).path("title") + " overlap").isTrue();
                }
            }
        }
    }

    @Test
    void variablesUsedInQueriesAreDefined() {
        Pattern use = Pattern.compile("\\$\\{?(\\w+)");
        for (JsonNode d : dashboards()) {
            Set<String> defined = new HashSet<>(Set.of("__rate_interval", "__interval", "__range"));
            d.path("templating").path("list").forEach(v -> defined.add(v.path("name").asText()));
            for (String expr : exprs(d)) {
                Matcher m = use.matcher(expr);
                while (m.find()) {
                    assertThat(defined).as(d.path("uid").asText() + ": " + expr).contains(m.group(1));
                }
            }
        }
    }

    /** Every dashboard under grafana/dashboards, parsed. */
    static List<JsonNode> dashboards() {
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            List<JsonNode> out = new ArrayList<>();
            for (Path f : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                out.add(new ObjectMapper().readTree(f.toFile()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The dashboard's panels, those inside collapsed rows too. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    /** Every query of the dashboard: panel targets and query variables. */
    static List<String> exprs(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : panels(dashboard)) {
            p.path("targets").forEach(t -> out.add(t.path("expr").asText()));
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                out.add(v.path("query").asText());
            }
        }
        return out;
    }
}
