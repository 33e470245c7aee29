package dev.ampwatch.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A KRaft broker inside this JVM. Fast to start (about 2-3 s) and used by the tests; note that a fatal
 * broker fault calls {@code Exit.halt} and takes the whole JVM down, which is why the demo runs its
 * broker as a {@link ChildProcessBroker}.
 */
public final class InProcessBroker implements KafkaBroker {
    private static final Logger LOG = LoggerFactory.getLogger(InProcessBroker.class);
    private static final int BIND_ATTEMPTS = 5;

    private final BrokerConfig config;
    private final KafkaRaftServer server;

    private InProcessBroker(BrokerConfig config, KafkaRaftServer server) {
        this.config = config;
        this.server = server;
    }

    /**
     * Starts a broker on {@code dataDir}, formatting it on first use. With {@code port} 0 free ports are
     * picked (the ports of the last start on this directory first) and a lost bind race is retried.
     * Returns once the broker is unfenced and serving.
     */
    public static InProcessBroker start(Path dataDir, String host, int port) {
        return start(dataDir, host, port, null);
    }

    /**
     * As {@link #start(Path, String, int)}; with {@code security} the broker only speaks SASL_SSL
     * (SCRAM-SHA-512 over TLS), its users are created or updated, and each user's client settings are
     * written next to them ({@link BrokerSecurity#clientConfig}).
     */
    public static InProcessBroker start(Path dataDir, String host, int port, BrokerSecurity security) {
        return start(dataDir, host, port, 0, security);
    }

    /**
     * As {@link #start(Path, String, int, BrokerSecurity)}, the KRaft controller listening on {@code controllerPort}
     * when it is above 0 (else the port of the last start on this directory if free, or a free one).
     */
    public static InProcessBroker start(Path dataDir, String host, int port, int controllerPort, BrokerSecurity security) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= (port > 0 || controllerPort > 0 ? 1 : BIND_ATTEMPTS); attempt++) {
            BrokerConfig config = BrokerDirectory.plan(dataDir, host, port, controllerPort, security);
            KafkaRaftServer server = null;
            try {
                BrokerDirectory.prepare(config);
                server = new KafkaRaftServer(KafkaConfig.fromProps(config.toProperties()), Time.SYSTEM);
                server.startup();
                if (security != null) {
                    try {
                        security.writeClientConfigs(config.bootstrapServers());
                        security.upsertUsers(config.bootstrapServers());
                    } catch (IOException | RuntimeException e) {
                        server.shutdown();
                        server.awaitShutdown();
                        throw e;
                    }
                }
                LOG.info("Kafka broker ready at {} (data in {}{})", config.bootstrapServers(), dataDir,
                        security == null ? "" : "; SASL_SSL, SCRAM users " + security.users() + ", client settings in " + security.dir());
                return new InProcessBroker(config, server);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (KafkaException e) {
                last = e;
                LOG.warn("broker start on {} failed (attempt {}): {}", config.bootstrapServers(), attempt, e.getMessage());
                if (server != null) {
                    server.shutdown();
                    server.awaitShutdown();
                }
            }
        }
        throw new IllegalStateException("cannot start a Kafka broker in " + dataDir + ": " + last.getMessage(), last);
    }

    public static InProcessBroker start(Path dataDir) {
        return start(dataDir, "127.0.0.1", 0);
    }

    @Override
    public String bootstrapServers() {
        return config.bootstrapServers();
    }

    public BrokerConfig config() {
        return config;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
