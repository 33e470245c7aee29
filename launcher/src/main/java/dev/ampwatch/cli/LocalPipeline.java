package dev.ampwatch.cli;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.broker.ChildProcessBroker;
import dev.ampwatch.power.PowerAgent;
import dev.ampwatch.power.PowerAgentConfig;
import dev.ampwatch.schema.host.HostId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The whole pipeline on this machine, for {@code demo} and {@code profile}: a Kafka broker in a child
 * process (unless bootstrap servers are given), the analyzer, a reader of its run energy, and the
 * power-agent sampling this host. Closes what it started in reverse order.
 */
final class LocalPipeline implements AutoCloseable {
    final Map<String, Object> client;
    final AnalyzerConfig config;
    final AnalyzerApp app;
    final RunEnergyWatcher watcher;
    final PowerAgentConfig power;
    private final List<AutoCloseable> started;

    private LocalPipeline(Map<String, Object> client, AnalyzerConfig config, AnalyzerApp app, RunEnergyWatcher watcher,
                          PowerAgentConfig power, List<AutoCloseable> started) {
        this.client = client;
        this.config = config;
        this.app = app;
        this.watcher = watcher;
        this.power = power;
        this.started = started;
    }

    /**
     * Starts it; on failure, stops what was started.
     *
     * @param host the host id of the samples (and of the runs trained next to them); null: this machine's
     * @param agentMetricsPort the power-agent's own /metrics port; 0 picks one, -1 serves none
     */
    static LocalPipeline start(Path dataDir, KafkaOptions kafka, AnalyzerOptions analyzer, Duration sampleInterval, String host,
                               int agentMetricsPort) throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            String bootstrap = null;
            if (!kafka.hasBootstrap()) {
                System.out.println("starting a Kafka broker (data in " + dataDir.resolve("broker").toAbsolutePath() + ") ...");
                ChildProcessBroker broker = ChildProcessBroker.start(dataDir.resolve("broker"), "127.0.0.1", 0, Duration.ofSeconds(90));
                started.add(broker);
                bootstrap = broker.bootstrapServers();
            }
            Map<String, Object> client = kafka.clientProperties(bootstrap);
            AnalyzerConfig config = analyzer.config(kafka.topics(), dataDir.resolve("streams"));
            TopicSetup.ensure(client, config.topics(), analyzer.partitions);

            AnalyzerApp app = AnalyzerApp.start(config, client, analyzer.metricsHost, analyzer.metricsPort, analyzer.metricsRetention);
            started.add(app);
            RunEnergyWatcher watcher = new RunEnergyWatcher(client, config.topics());
            started.add(watcher);
            if (!app.awaitRunning(Duration.ofSeconds(60))) {
                throw new IllegalStateException("the analyzer did not reach RUNNING within 60 s (state " + app.state() + ")");
            }
            // one host id for the samples and the events: --host, else this machine's
            PowerAgentConfig power = PowerAgentConfig.defaults().withTopic(config.topics().powerSamples().name())
                    .withSpoolDir(dataDir.resolve("power-spool")).withHost(HostId.orLocal(host));
            for (String source : power.sources()) {
                power = power.withInterval(source, sampleInterval);
            }
            PowerAgent agent = PowerAgent.start(power, client);
            started.add(agent);
            if (agentMetricsPort >= 0) {
                started.add(MetricsEndpoint.start(analyzer.metricsHost, agentMetricsPort, agent.metrics()));
            }
            System.out.println("analyzer running, metrics on http://" + analyzer.metricsHost + ":" + app.httpPort() + "/metrics");
            return new LocalPipeline(client, config, app, watcher, power, started);
        } catch (Exception | Error e) {
            closeAll(started);
            throw e;
        }
    }

    /** Something else to close with the pipeline, before it. */
    <T extends AutoCloseable> T add(T resource) {
        started.add(resource);
        return resource;
    }

    @Override
    public void close() {
        closeAll(started);
    }

    private static void closeAll(List<AutoCloseable> started) {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                System.err.println("ampwatch: while stopping: " + e.getMessage());
            }
        }
    }
}
