package dev.ampwatch.cli;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "analyzer", mixinStandardHelpOptions = true, versionProvider = Ampwatch.Version.class,
        description = "Runs the analyzer: attributes power to runs by event time, publishes run "
                + "energy, and serves Prometheus metrics, until Ctrl-C.")
final class AnalyzerCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Mixin
    AnalyzerOptions options;

    @Option(names = "--duration", converter = DurationConverter.class, description = "Stop after this long (default: until Ctrl-C).")
    Duration duration;

    @Override
    public Integer call() throws Exception {
        // the options first: a bad value is the user's to fix before any broker matters
        AnalyzerConfig config = options.config(kafka.topics(), Path.of("ampwatch-data", "streams"));
        Map<String, Object> client = kafka.reachableClientProperties();
        TopicSetup.ensure(client, config.topics(), options.partitions);
        Lifetime lifetime = new Lifetime();
        try (AnalyzerApp app = AnalyzerApp.start(config, client, options.metricsHost, options.metricsPort,
                options.metricsRetention)) {
            String base = "http://" + options.metricsHost + ":" + app.httpPort();
            System.out.println("analyzer running: " + base + "/metrics, " + base + "/runs, " + base + "/runs/{run-id}");
            lifetime.await(duration);
        } finally {
            lifetime.closed();
        }
        return 0;
    }
}
