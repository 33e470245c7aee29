package dev.ampwatch.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunEnergy;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Reads an experiment from a running analyzer's REST API: {@code GET /experiments/{id}} for the statistics
 * (answered by whichever instance owns it) and {@code GET /runs} then {@code GET /runs/{id}} for the final
 * record of each of its runs. No running totals: the power-over-time plot then shows per-epoch power.
 */
final class AnalyzerSource {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final String base;
    private final HttpClient http;
    private final Duration timeout;

    AnalyzerSource(String url, Duration timeout) {
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    ExperimentStats stats(String experimentId) {
        JsonNode json = get("/experiments/" + encode(experimentId), "experiment " + experimentId);
        return json == null ? null : AvroJson.read(json, ExperimentStats.class, ExperimentStats.getClassSchema());
    }

    ReportData withRuns(String experimentId, ExperimentStats stats, String source) {
        List<RunEnergy> runs = new ArrayList<>();
        JsonNode all = get("/runs?limit=1000000", "the run list");
        if (all == null) {
            throw new IllegalStateException("analyzer at " + base + " has no /runs: is --analyzer the analyzer's HTTP address?");
        }
        for (JsonNode summary : all) {
            if (experimentId.equals(summary.path("experiment_id").asText())) {
                String runId = summary.path("run_id").asText();
                JsonNode run = get("/runs/" + encode(runId), "run " + runId);
                if (run != null && run.path("is_final").asBoolean()) {
                    runs.add(AvroJson.read(run, RunEnergy.class, RunEnergy.getClassSchema()));
                }
            }
        }
        runs.sort(Comparator.comparing(RunEnergy::getStartTime).thenComparing(RunEnergy::getRunId));
        return new ReportData(stats, runs, Map.of(), source);
    }

    /** The JSON at {@code path}; null on 404; a clear error when the analyzer cannot be reached or fails. */
    private JsonNode get(String path, String what) {
        URI uri = URI.create(base + path);
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(uri).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("analyzer at " + base + " is unreachable (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is it running, is --analyzer right?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking " + uri, e);
        }
        if (r.statusCode() == 404) {
            return null;
        }
        if (r.statusCode() != 200) {
            throw new IllegalStateException("analyzer at " + base + " answered " + r.statusCode() + " for " + what + ": "
                    + r.body().strip());
        }
        try {
            return MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("analyzer at " + base + " sent no JSON for " + what + ": " + e.getMessage(), e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
