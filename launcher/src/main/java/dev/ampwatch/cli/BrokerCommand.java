package dev.ampwatch.cli;

import dev.ampwatch.broker.InProcessBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Runs a single-node Kafka broker (KRaft) in this process, creates the ampwatch topics, "
                + "and serves until Ctrl-C. Agents and analyzers on this machine connect with --bootstrap-servers.")
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "ampwatch-data/broker",
            description = "Where the broker keeps its data; a restart on the same directory keeps the topics (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "9092", description = "Client port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--partitions", defaultValue = "1", description = "Partitions of topics it creates (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--duration", converter = DurationConverter.class, description = "Stop after this long (default: run until Ctrl-C).")
    Duration duration;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        Lifetime lifetime = new Lifetime();
        try (InProcessBroker broker = InProcessBroker.start(dataDir, host, port)) {
            TopicSetup.ensure(Map.of("bootstrap.servers", broker.bootstrapServers()), kafka.topics(), partitions);
            System.out.println("Kafka broker ready: --bootstrap-servers " + broker.bootstrapServers()
                    + "  (data: " + dataDir.toAbsolutePath() + "; Ctrl-C stops it)");
            lifetime.await(duration);
        } finally {
            lifetime.closed();
        }
        return 0;
    }
}
