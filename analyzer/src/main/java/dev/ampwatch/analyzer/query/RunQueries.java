package dev.ampwatch.analyzer.query;

import dev.ampwatch.analyzer.http.HttpApi.Response;
import dev.ampwatch.analyzer.streams.AnalyzerTopology;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunPhase;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.StreamsMetadata;

/**
 * Answers {@code /runs} and {@code /runs/{id}} from the run-energy store. Runs are partitioned by run
 * id across the instances of the app; a question about a run another instance owns is forwarded to it
 * (Kafka Streams metadata says which), and {@code /runs} gathers every instance's runs.
 * Thread-safe.
 */
public final class RunQueries {
    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public RunQueries(KafkaStreams streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    public Response run(String runId, boolean localOnly) throws IOException, InterruptedException {
        return lookup(AnalyzerTopology.RUN_ENERGY_STORE, "/runs/", "run", runId, localOnly);
    }

    /** The statistics of one experiment (ExperimentStats v2: configurations, comparisons, ANOVA; docs/statistics.md). */
    public Response experiment(String experimentId, boolean localOnly) throws IOException, InterruptedException {
        return lookup(AnalyzerTopology.EXPERIMENT_STATS_STORE, "/experiments/", "experiment", experimentId, localOnly);
    }

    /** One key of a store partitioned like its key, from the instance that owns it. */
    private Response lookup(String store, String path, String what, String key, boolean localOnly)
            throws IOException, InterruptedException {
        KeyQueryMetadata owner = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        if (!localOnly && owner != null && owner.activeHost() != null && !owner.equals(KeyQueryMetadata.NOT_AVAILABLE)
                && !owner.activeHost().equals(self)) {
            return forward(owner.activeHost(), path + URLEncoder.encode(key, StandardCharsets.UTF_8) + "?local=true");
        }
        Object value;
        try {
            value = streams.store(StoreQueryParameters.fromNameAndType(store,
                    QueryableStoreTypes.<String, Object>keyValueStore())).get(key);
        } catch (InvalidStateStoreException e) {
            return notReady(store);
        }
        return value == null ? Response.error(404, "no such " + what) // the id is not echoed back
                : Response.json(200, Json.write(value));
    }

    @SuppressWarnings("unchecked")
    public Response runs(int limit, boolean localOnly) throws IOException, InterruptedException {
        List<Map<String, Object>> all = new ArrayList<>();
        // an instance that holds none of the store's partitions (more instances than partitions: a standby) has nothing
        // of its own to add, and answered 503 for good while the others had everything (an operator review)
        boolean holdsSome = streams.state() != KafkaStreams.State.RUNNING || streams.streamsMetadataForStore(AnalyzerTopology.RUN_ENERGY_STORE)
                .stream().anyMatch(m -> m.hostInfo().equals(self));
        if (holdsSome) {
            try (KeyValueIterator<String, RunEnergy> it = store().all()) {
                it.forEachRemaining(kv -> all.add(summary(kv.value)));
            } catch (InvalidStateStoreException e) {
                return notReady(AnalyzerTopology.RUN_ENERGY_STORE);
            }
        }
        if (!localOnly) {
            for (StreamsMetadata m : streams.streamsMetadataForStore(AnalyzerTopology.RUN_ENERGY_STORE)) {
                if (!m.hostInfo().equals(self)) {
                    Response r = forward(m.hostInfo(), "/runs?local=true&limit=" + limit);
                    if (r.status() != 200) {
                        return r;
                    }
                    all.addAll(Json.read(r.body(), List.class));
                }
            }
        }
        all.sort(Comparator.comparing((Map<String, Object> m) -> String.valueOf(m.get("start_time"))).reversed());
        return Response.json(200, Json.write(all.subList(0, Math.min(limit, all.size()))));
    }

    private ReadOnlyKeyValueStore<String, RunEnergy> store() {
        return streams.store(StoreQueryParameters.fromNameAndType(AnalyzerTopology.RUN_ENERGY_STORE,
                QueryableStoreTypes.keyValueStore()));
    }

    private static Map<String, Object> summary(RunEnergy e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", e.getRunId());
        m.put("experiment_id", e.getExperimentId());
        m.put("host", e.getHost());
        m.put("precision", e.getConfig() == null ? null : e.getConfig().getPrecision());
        m.put("status", e.getStatus().name());
        m.put("is_final", e.getIsFinal());
        m.put("start_time", e.getStartTime().toString());
        m.put("end_time", e.getEndTime() == null ? null : e.getEndTime().toString());
        m.put("duration_seconds", e.getDurationSeconds());
        m.put("energy_joules", e.getEnergyJoules());
        m.put("net_energy_joules", e.getNetEnergyJoules());
        m.put("average_power_watts", e.getAveragePowerWatts());
        m.put("co2e_grams", e.getCo2eGrams());
        m.put("estimated", e.getQuality().getEstimated());
        m.put("unmeasured", e.getQuality().getUnmeasured());
        m.put("no_idle_baseline", List.copyOf(e.getQuality().getNoIdleBaseline())); // net = gross for these
        boolean inference = e.getConfig() != null && e.getConfig().getPhase() == RunPhase.INFERENCE;
        m.put("phase", inference ? "inference" : "training");
        m.put("joules_per_sample", e.getJoulesPerSample());
        m.put("samples_per_second", e.getSamplesPerSecond());
        if (inference) {
            m.put("energy_per_1000_inferences_joules", e.getJoulesPerSample() == null ? null : 1000 * e.getJoulesPerSample());
            m.put("latency_p50_ms", e.getLatencyP50Ms());
            m.put("latency_p95_ms", e.getLatencyP95Ms());
            m.put("latency_p99_ms", e.getLatencyP99Ms());
        }
        return m;
    }

    private Response forward(HostInfo host, String pathAndQuery) throws IOException, InterruptedException {
        URI uri = URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery);
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return Response.json(r.statusCode(), r.body());
        } catch (IOException e) {
            return Response.error(502, "the instance " + host.host() + ":" + host.port() + " that owns this data did not answer");
        }
    }

    private static Response notReady(String store) {
        return Response.error(503, (AnalyzerTopology.EXPERIMENT_STATS_STORE.equals(store) ? "experiment statistics" : "run store")
                + " not queryable yet (starting or rebalancing)");
    }
}
