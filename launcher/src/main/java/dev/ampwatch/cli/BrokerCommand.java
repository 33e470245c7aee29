package dev.ampwatch.cli;

import dev.ampwatch.broker.BrokerSecurity;
import dev.ampwatch.broker.InProcessBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    @Option(names = "--controller-port", defaultValue = "0", description = "The KRaft controller's port (a second listener, on --host; "
            + "127.0.0.1 with --secure); 0: the port of the last start on --data-dir if free, else a free one (default: ${DEFAULT-VALUE}).")
    int controllerPort;

    @Option(names = "--partitions", defaultValue = "1", description = "Partitions of topics it creates (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--duration", converter = DurationConverter.class, description = "Stop after this long (default: run until Ctrl-C).")
    Duration duration;

    @Option(names = "--secure", description = "Speak SASL_SSL only: TLS with a self-signed key made in <data-dir>/security, "
            + "SCRAM-SHA-512 users (admin, and each --user) with generated passwords; every user's client settings are written "
            + "to <data-dir>/security/client-<user>.properties, for --kafka-config.")
    boolean secure;

    @Option(names = "--user", split = ",", paramLabel = "NAME",
            description = "SCRAM users to create besides admin, with --secure (e.g. --user analyzer,agent,trainer).")
    List<String> users = new ArrayList<>();

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        if (!users.isEmpty() && !secure) {
            throw new IllegalArgumentException("--user needs --secure: a PLAINTEXT broker has no users");
        }
        BrokerSecurity security = secure ? BrokerSecurity.prepare(dataDir, host, users) : null;
        Lifetime lifetime = new Lifetime();
        try (InProcessBroker broker = InProcessBroker.start(dataDir, host, port, controllerPort, security)) {
            Map<String, Object> admin = security == null ? Map.of("bootstrap.servers", broker.bootstrapServers())
                    : security.clientProperties(BrokerSecurity.ADMIN, broker.bootstrapServers());
            TopicSetup.ensure(admin, kafka.topics(), partitions);
            System.out.println("Kafka broker ready: --bootstrap-servers " + broker.bootstrapServers()
                    + "  (data: " + dataDir.toAbsolutePath() + "; Ctrl-C stops it)");
            if (security != null) {
                System.out.println("SASL_SSL only (SCRAM-SHA-512 over TLS); clients connect with --kafka-config:");
                for (String user : security.users()) {
                    System.out.println("  " + user + ": " + security.clientConfig(user).toAbsolutePath());
                }
            }
            lifetime.await(duration);
        } finally {
            lifetime.closed();
        }
        return 0;
    }
}
