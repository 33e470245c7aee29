package dev.ampwatch.broker;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;

/**
 * Settings of a single-node KRaft broker (combined broker and controller) on one host.
 *
 * @param dataDir where the broker keeps its logs and metadata; reusing it keeps the topics
 * @param host the address both listeners bind to
 * @param brokerPort the client (PLAINTEXT) port
 * @param controllerPort the KRaft controller port
 * @param security SASL_SSL with SCRAM users and a TLS key, or null: PLAINTEXT
 */
public record BrokerConfig(Path dataDir, String host, int brokerPort, int controllerPort, BrokerSecurity security) {

    public BrokerConfig(Path dataDir, String host, int brokerPort, int controllerPort) {
        this(dataDir, host, brokerPort, controllerPort, null);
    }

    public BrokerConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(host, "host");
        checkPort("brokerPort", brokerPort);
        checkPort("controllerPort", controllerPort);
        if (brokerPort == controllerPort) {
            throw new IllegalArgumentException("broker and controller ports must differ, both are " + brokerPort);
        }
    }

    private static void checkPort(String name, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(name + " must be 1..65535, was " + port);
        }
    }

    public String bootstrapServers() {
        return host + ":" + brokerPort;
    }

    public Path logDir() {
        return dataDir.resolve("kraft-logs");
    }

    /**
     * The broker properties. One node means replication factor 1 everywhere: with Kafka's default of 3
     * for the transaction state log, exactly-once Kafka Streams never reaches RUNNING.
     */
    public Properties toProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + host + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + host + ":" + brokerPort + ",CONTROLLER://" + host + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir().toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // the default 128 MiB dedupe buffer dominates the heap of a small broker
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        // a restart after a crash re-registers in ~5 s instead of ~13 s
        p.put("broker.session.timeout.ms", "2000");
        p.put("broker.heartbeat.interval.ms", "500");
        // replayed traces keep their recorded timestamps: with time-based retention (7 days by default) a
        // broker would roll and delete an older trace, and the analyzer's changelogs stamped like it
        p.put("log.retention.ms", "-1");
        if (security != null) {
            security.configure(p, host, brokerPort, controllerPort);
        }
        return p;
    }
}
