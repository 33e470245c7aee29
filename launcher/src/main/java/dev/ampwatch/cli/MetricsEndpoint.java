package dev.ampwatch.cli;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * {@code /metrics} of an agent process: its own meters plus the process's CPU and memory. On the JDK's HTTP
 * server alone, so the power-agent's slim distribution carries nothing of the analyzer.
 */
final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer http;
    private final PrometheusMeterRegistry registry;

    private MetricsEndpoint(HttpServer http, PrometheusMeterRegistry registry) {
        this.http = http;
        this.registry = registry;
    }

    static MetricsEndpoint start(String host, int port, MeterBinder... binders) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // the two of Micrometer's process meters whose names promtool objects to (an abbreviated unit, a
        // "_count" that is not a count); process_cpu_usage says the agent's cost on its rig
        registry.config().meterFilter(io.micrometer.core.instrument.config.MeterFilter.deny(id ->
                id.getName().equals("process.cpu.time") || id.getName().equals("system.cpu.count")));
        new ProcessorMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        for (MeterBinder b : binders) {
            b.bindTo(registry);
        }
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            registry.close();
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + " (" + e.getMessage() + "); choose another --metrics-port", e);
        }
        http.createContext("/", exchange -> {
            try (exchange) {
                boolean metrics = exchange.getRequestURI().getPath().equals("/metrics");
                byte[] body = (metrics ? registry.scrape() : "not found: this agent serves /metrics\n").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", metrics ? "text/plain; version=0.0.4; charset=utf-8"
                        : "text/plain; charset=utf-8");
                exchange.sendResponseHeaders(metrics ? 200 : 404, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        http.start();
        return new MetricsEndpoint(http, registry);
    }

    int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        http.stop(0);
        registry.close();
    }
}
