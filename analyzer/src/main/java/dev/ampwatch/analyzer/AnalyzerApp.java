package dev.ampwatch.analyzer;

import dev.ampwatch.analyzer.http.HttpApi;
import dev.ampwatch.analyzer.http.HttpApi.Response;
import dev.ampwatch.analyzer.metrics.RunMetrics;
import dev.ampwatch.analyzer.query.RunQueries;
import dev.ampwatch.analyzer.streams.AnalyzerTopology;
import dev.ampwatch.analyzer.streams.CoPartitioning;
import dev.ampwatch.analyzer.streams.InternalTopics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running analyzer: its HTTP endpoint (bound first, so other instances can be told where it is),
 * the Kafka Streams app, and the Prometheus registry. Closed in reverse order.
 */
public final class AnalyzerApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyzerApp.class);

    private final HttpApi http;
    private final KafkaStreams streams;
    private final PrometheusMeterRegistry registry;
    private final KafkaStreamsMetrics streamsMetrics;
    private final CountDownLatch running;

    private AnalyzerApp(HttpApi http, KafkaStreams streams, PrometheusMeterRegistry registry,
                        KafkaStreamsMetrics streamsMetrics, CountDownLatch running) {
        this.http = http;
        this.streams = streams;
        this.registry = registry;
        this.streamsMetrics = streamsMetrics;
        this.running = running;
    }

    /**
     * @param clientProperties Kafka client settings (bootstrap.servers, SASL/TLS), passed through
     * @param httpHost address of /metrics, /health and /runs; also what other instances are told to call
     * @param httpPort 0 picks a free port
     * @param metricsRetention how long a finished run's series stay on /metrics
     */
    public static AnalyzerApp start(AnalyzerConfig config, Map<String, ?> clientProperties, String httpHost,
                                    int httpPort, Duration metricsRetention) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RunMetrics runMetrics = new RunMetrics(registry, metricsRetention, Clock.systemUTC());
        Topology topology = AnalyzerTopology.buildTopology(config, runMetrics);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(adminProperties(clientProperties))) {
            CoPartitioning.check(admin, config.topics()).ifPresent(partitions -> InternalTopics.create(admin,
                    AnalyzerTopology.internalTopics(config, topology, partitions, clientProperties)));
        }
        HttpApi http = HttpApi.bind(httpHost, httpPort);
        Properties props = AnalyzerTopology.streamsProperties(config, clientProperties, runMetrics);
        HostInfo self = new HostInfo(httpHost, http.port());
        props.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        // the default client id carries a new UUID per start: ~1,100 new Prometheus series at every restart
        props.putIfAbsent(StreamsConfig.CLIENT_ID_CONFIG, config.applicationId() + "-" + self.host() + "-" + self.port());
        runMetrics.expectDeadLetters(config.topics());
        KafkaStreams streams = new KafkaStreams(topology, props);
        KafkaStreamsMetrics streamsMetrics = null;
        if (config.kafkaClientMetrics()) {
            streamsMetrics = new KafkaStreamsMetrics(streams);
            streamsMetrics.bindTo(registry);
        }
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        ThreadFailures failures = new ThreadFailures(Clock.systemUTC());
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("analyzer stream thread failed; replacing it", e);
            failures.failed(e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        RunQueries queries = new RunQueries(streams, self);
        http.route("/metrics", (path, query) -> {
                    runMetrics.retireExpired(); // runs finished longer ago than the retention go, even with no new run energy
                    return new Response(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
                })
                .route("/health", (path, query) -> {
                    if (!streams.state().isRunningOrRebalancing()) {
                        return Response.text(503, "DOWN " + streams.state() + "\n");
                    }
                    return failures.problem().map(why -> Response.text(503, "DOWN " + why + "\n"))
                            .orElseGet(() -> Response.text(200, "UP\n"));
                })
                .route("/runs", (path, query) -> {
                    boolean local = query != null && query.contains("local=true");
                    String rest = path.substring("/runs".length());
                    if (rest.isEmpty() || rest.equals("/")) {
                        return queries.runs(limit(query), local);
                    }
                    return queries.run(URLDecoder.decode(rest.substring(1), StandardCharsets.UTF_8), local);
                })
                .route("/experiments/", (path, query) -> queries.experiment(URLDecoder.decode(
                        path.substring("/experiments/".length()), StandardCharsets.UTF_8),
                        query != null && query.contains("local=true")));
        streams.start();
        http.start();
        LOG.info("analyzer {} started; http://{}:{}/metrics and /runs", config.applicationId(), httpHost, http.port());
        return new AnalyzerApp(http, streams, registry, streamsMetrics, running);
    }

    /** The client settings an Admin client accepts (connection and security), without Streams-only ones. */
    private static Map<String, Object> adminProperties(Map<String, ?> clientProperties) {
        Map<String, Object> admin = new java.util.HashMap<>();
        var known = org.apache.kafka.clients.admin.AdminClientConfig.configNames();
        clientProperties.forEach((k, v) -> {
            if (known.contains(k)) {
                admin.put(k, v);
            }
        });
        return admin;
    }

    private static int limit(String query) {
        if (query != null) {
            for (String part : query.split("&")) {
                if (part.startsWith("limit=")) {
                    String v = part.substring("limit=".length());
                    try {
                        int n = Integer.parseInt(v);
                        if (n >= 1) {
                            return n;
                        }
                    } catch (NumberFormatException e) {
                        // answered below
                    }
                    throw new HttpApi.BadRequest("limit must be a whole number of at least 1");
                }
            }
        }
        return 100;
    }

    /** Waits until the streams app first reaches RUNNING; false on timeout. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** The port /metrics, /health and /runs listen on. */
    public int httpPort() {
        return http.port();
    }

    @Override
    public void close() {
        http.close();
        // leave the group: Kafka Streams stays in it by default, so an analyzer started again within the
        // session timeout (45 s) waited for its old self to time out before it got any partition
        streams.close(org.apache.kafka.streams.CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        registry.close();
    }
}
