package dev.ampwatch.analyzer;

import dev.ampwatch.broker.InProcessBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.utils.Time;

/**
 * A broker-only KRaft node joining the cluster of an {@link InProcessBroker} (whose controller it uses), on its own
 * port and data directory; stopped and started again on both, as a broker of a cluster that goes away and comes back.
 * For tests of a cluster where only some partitions lose their leader.
 */
final class JoiningBroker implements AutoCloseable {
    private final int nodeId;
    private final Properties props;
    private KafkaRaftServer server;

    private JoiningBroker(int nodeId, Properties props) {
        this.nodeId = nodeId;
        this.props = props;
    }

    /** Formats {@code dataDir} for the first broker's cluster and starts node {@code nodeId}; returns once it is unfenced. */
    static JoiningBroker start(InProcessBroker first, Path dataDir, int nodeId) throws IOException {
        String host = first.config().host();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            port = s.getLocalPort();
        }
        Properties p = first.config().toProperties();
        p.put("process.roles", "broker");
        p.put("node.id", Integer.toString(nodeId));
        p.put("listeners", "PLAINTEXT://" + host + ":" + port);
        p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        p.put("log.dirs", dataDir.resolve("kraft-logs").toString());
        Files.createDirectories(dataDir);
        Path serverProperties = dataDir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(serverProperties, StandardCharsets.UTF_8)) {
            p.store(w, "a broker joining " + first.bootstrapServers());
        }
        Properties meta = new Properties();
        try (Reader r = Files.newBufferedReader(first.config().logDir().resolve("meta.properties"), StandardCharsets.UTF_8)) {
            meta.load(r);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc;
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(new String[] {"format", "--cluster-id", meta.getProperty("cluster.id"), "--config",
                    serverProperties.toString(), "--ignore-formatted"}, print);
        }
        if (rc != 0) {
            throw new IOException("formatting " + dataDir + " failed (exit " + rc + "): " + out.toString(StandardCharsets.UTF_8));
        }
        JoiningBroker broker = new JoiningBroker(nodeId, p);
        broker.start();
        return broker;
    }

    int nodeId() {
        return nodeId;
    }

    /** Starts it (again: same port, same data). */
    void start() {
        KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
        try {
            s.startup();
        } catch (RuntimeException e) {
            s.shutdown();
            s.awaitShutdown();
            throw e;
        }
        server = s;
    }

    /** Stops it, as a broker that went away. */
    void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
