package dev.ampwatch.cli;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.broker.ChildProcessBroker;
import dev.ampwatch.power.PowerAgent;
import dev.ampwatch.power.PowerAgentConfig;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.trainer.TrainingJob;
import dev.ampwatch.trainer.TrainingListener;
import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.kafka.KafkaTrainingPublisher;
import dev.ampwatch.trainer.precision.Precision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole pipeline on this machine: starts a Kafka broker (unless --bootstrap-servers is given),",
            "the analyzer and the power-agent, trains the same model in FP32 and mixed precision, waits for each run's",
            "final energy, prints the comparison, and leaves /metrics up until Ctrl-C or --duration."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "ampwatch-data", description = "Broker data and Streams state (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--precisions", split = ",", defaultValue = "fp32,amp-fp16,amp-bf16",
            description = "Precisions to train, one run each, in this order (default: ${DEFAULT-VALUE}).")
    List<String> precisions;

    @Option(names = "--idle", defaultValue = "6s", converter = DurationConverter.class,
            description = "Idle time measured before and between runs, for the idle baseline (default: ${DEFAULT-VALUE}).")
    Duration idle;

    @Option(names = "--sample-interval", defaultValue = "250ms", converter = DurationConverter.class,
            description = "Sampling interval of the power sources (default: ${DEFAULT-VALUE}).")
    Duration sampleInterval;

    @Option(names = "--agent-metrics-port", defaultValue = "9465",
            description = "Port of the power-agent's own /metrics; 0 picks one, -1 serves none (default: ${DEFAULT-VALUE}).")
    int agentMetricsPort;

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "Keep /metrics up this long after the runs, then exit (default: until Ctrl-C; 0s exits at once).")
    Duration duration;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    AnalyzerOptions analyzer;

    @Mixin
    TrainOptions train;

    @Override
    public Integer call() throws Exception {
        if (train.trainLimit == 0 && train.epochs == 5) { // keep the demo short unless asked otherwise
            train.trainLimit = 12_000;
            train.epochs = 2;
        }
        if (train.experimentId.equals("default")) {
            train.experimentId = "demo-" + UUID.randomUUID().toString().substring(0, 8);
        }
        Lifetime lifetime = new Lifetime();
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
            PowerAgentConfig powerConfig = PowerAgentConfig.defaults().withTopic(config.topics().powerSamples().name())
                    .withSpoolDir(dataDir.resolve("power-spool")).withHost(HostId.orLocal(train.host));
            for (String source : powerConfig.sources()) {
                powerConfig = powerConfig.withInterval(source, sampleInterval);
            }
            PowerAgent agent = PowerAgent.start(powerConfig, client);
            started.add(agent);
            if (agentMetricsPort >= 0) {
                started.add(MetricsEndpoint.start(analyzer.metricsHost, agentMetricsPort, agent.metrics()));
            }
            System.out.println("analyzer running, metrics on http://" + analyzer.metricsHost + ":" + app.httpPort() + "/metrics");

            // the first run would otherwise pay for the JIT compiler warming up, and look worse than it is
            System.out.println("warming up the JIT (a short, unmeasured run) ...");
            TrainingJob.runOnCpu(train.builder(Precision.FP32).host(powerConfig.host()).runId("warm-up-" + UUID.randomUUID())
                    .epochs(1).trainLimit(2_000).testLimit(500).build(), TrainingListener.none());
            Set<String> runIds = new LinkedHashSet<>();
            try (KafkaTrainingPublisher publisher = new KafkaTrainingPublisher(client, config.topics().trainingEvents().name())) {
                for (String p : precisions) {
                    if (lifetime.await(idle)) {
                        return 130;
                    }
                    TrainingOptions options = train.builder(Precision.fromCliName(p)).host(powerConfig.host()).build();
                    System.out.printf("training %s: run %s, %d epochs ...%n", p, options.runId(), options.epochs());
                    DeviceChoice.train(train.device, options, publisher, System.out);
                    runIds.add(options.runId());
                }
            }
            Duration wait = analyzer.grace.plus(analyzer.maxGap).plus(Duration.ofSeconds(30));
            Map<String, RunEnergy> finals = watcher.awaitFinal(runIds, wait);
            List<RunEnergy> ordered = runIds.stream().filter(finals::containsKey).map(finals::get).toList();
            ResultTable.print(System.out, ordered);
            if (ordered.size() < runIds.size()) {
                System.err.println("ampwatch: final totals of " + (runIds.size() - ordered.size()) + " run(s) did not arrive within " + wait);
                return 1;
            }
            System.out.println("\nPrometheus metrics: curl http://" + analyzer.metricsHost + ":" + app.httpPort() + "/metrics | grep ampwatch_run"
                    + (duration == null ? "   (Ctrl-C to stop)" : ""));
            lifetime.await(duration);
            return 0;
        } finally {
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.get(i).close();
                } catch (Exception e) {
                    System.err.println("ampwatch: while stopping: " + e.getMessage());
                }
            }
            lifetime.closed();
        }
    }
}
