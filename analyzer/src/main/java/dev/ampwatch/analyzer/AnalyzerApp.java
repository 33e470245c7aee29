package dev.ampwatch.analyzer;

import dev.ampwatch.analyzer.http.MetricsServer;
import dev.ampwatch.analyzer.metrics.RunMetrics;
import dev.ampwatch.analyzer.streams.AnalyzerTopology;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running analyzer: the Kafka Streams app, its Prometheus registry and the metrics endpoint.
 * Started in that order, closed in reverse.
 */
public final class AnalyzerApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyzerApp.class);

    private final KafkaStreams streams;
    private final PrometheusMeterRegistry registry;
    private final KafkaStreamsMetrics streamsMetrics;
    private final MetricsServer server;
    private final CountDownLatch running;

    private AnalyzerApp(KafkaStreams streams, PrometheusMeterRegistry registry, KafkaStreamsMetrics streamsMetrics,
                        MetricsServer server, CountDownLatch running) {
        this.running = running;
        this.streams = streams;
        this.registry = registry;
        this.streamsMetrics = streamsMetrics;
        this.server = server;
    }

    /**
     * @param clientProperties Kafka client settings (bootstrap.servers, SASL/TLS), passed through
     * @param metricsHost where /metrics listens; {@code metricsPort} 0 picks a free port, -1 serves none
     * @param metricsRetention how long a finished run's series stay on /metrics
     */
    public static AnalyzerApp start(AnalyzerConfig config, Map<String, ?> clientProperties, String metricsHost,
                                    int metricsPort, Duration metricsRetention) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RunMetrics runMetrics = new RunMetrics(registry, metricsRetention, Clock.systemUTC());
        KafkaStreams streams = new KafkaStreams(AnalyzerTopology.buildTopology(config, runMetrics),
                AnalyzerTopology.streamsProperties(config, clientProperties, runMetrics));
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("analyzer stream thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.start();
        MetricsServer server = null;
        if (metricsPort >= 0) {
            try {
                server = MetricsServer.start(metricsHost, metricsPort, registry::scrape,
                        () -> streams.state().isRunningOrRebalancing());
            } catch (RuntimeException e) {
                streams.close(Duration.ofSeconds(10));
                streamsMetrics.close();
                throw e;
            }
        }
        LOG.info("analyzer {} started{}", config.applicationId(),
                server == null ? "" : "; metrics on http://" + metricsHost + ":" + server.port() + "/metrics");
        return new AnalyzerApp(streams, registry, streamsMetrics, server, running);
    }

    /** Waits until the streams app first reaches RUNNING; false on timeout. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** The port /metrics listens on, or -1. */
    public int metricsPort() {
        return server == null ? -1 : server.port();
    }

    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        streams.close(Duration.ofSeconds(30));
        streamsMetrics.close();
        registry.close();
    }
}
