package dev.ampwatch.cli;

import dev.ampwatch.analyzer.http.HttpApi;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** {@code /metrics} of an agent process: its own meters plus the process's CPU and memory. */
final class MetricsEndpoint implements AutoCloseable {
    private final HttpApi http;
    private final PrometheusMeterRegistry registry;

    private MetricsEndpoint(HttpApi http, PrometheusMeterRegistry registry) {
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
        HttpApi http;
        try {
            http = HttpApi.bind(host, port);
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
        http.route("/metrics", (path, query) ->
                new HttpApi.Response(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        http.start();
        return new MetricsEndpoint(http, registry);
    }

    int port() {
        return http.port();
    }

    @Override
    public void close() {
        http.close();
        registry.close();
    }
}
