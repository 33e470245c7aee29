package dev.ampwatch.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;

/**
 * A broker's data directory: formats KRaft storage once, and remembers the ports it was started with
 * so a restart on the same directory comes back on the same address.
 */
final class BrokerDirectory {
    private static final String PORTS_FILE = "ampwatch-broker.properties";

    private BrokerDirectory() {}

    /** The config to start with: the remembered ports if still free, else new free ports. */
    static BrokerConfig plan(Path dataDir, String host, int requestedPort, BrokerSecurity security) {
        return plan(dataDir, host, requestedPort, 0, security);
    }

    /** As {@link #plan(Path, String, int, BrokerSecurity)}, with the KRaft controller's port when {@code requestedController} > 0. */
    static BrokerConfig plan(Path dataDir, String host, int requestedPort, int requestedController, BrokerSecurity security) {
        Properties remembered = load(dataDir.resolve(PORTS_FILE));
        int broker = requestedPort > 0 ? requestedPort : Integer.parseInt(remembered.getProperty("broker.port", "0"));
        int controller = requestedController > 0 ? requestedController
                : Integer.parseInt(remembered.getProperty("controller.port", "0"));
        if (requestedPort > 0 && requestedPort == requestedController) {
            throw new IllegalArgumentException("the client port and the controller port must differ, both are " + requestedPort);
        }
        if (broker <= 0 || !Ports.isFree(host, broker)) {
            if (requestedPort > 0) {
                throw new IllegalStateException("port " + requestedPort + " on " + host + " is in use");
            }
            broker = Ports.free(host);
        }
        if (requestedController > 0 && (controller == broker || !Ports.isFree(host, controller))) {
            throw new IllegalStateException("controller port " + requestedController + " on " + host + " is in use");
        }
        if (controller <= 0 || controller == broker || !Ports.isFree(host, controller)) {
            do {
                controller = Ports.free(host);
            } while (controller == broker);
        }
        return new BrokerConfig(dataDir, host, broker, controller, security);
    }

    /** Formats the storage unless a previous run already did; records the ports. */
    static void prepare(BrokerConfig config) throws IOException {
        Files.createDirectories(config.logDir());
        Path serverProperties = config.dataDir().resolve("server.properties");
        if (!Files.exists(serverProperties)) {
            Files.createFile(serverProperties);
        }
        try {
            // a secure broker's settings hold its keystore password and its own SCRAM password
            Files.setPosixFilePermissions(serverProperties, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        try (Writer w = Files.newBufferedWriter(serverProperties, StandardCharsets.UTF_8)) {
            config.toProperties().store(w, "written by ampwatch at every start; edits are overwritten");
        }
        Properties remembered = load(config.dataDir().resolve(PORTS_FILE));
        boolean formatted = Files.exists(config.logDir().resolve("meta.properties"));
        boolean scram = formatted ? Boolean.parseBoolean(remembered.getProperty("scram.users", "false")) : config.security() != null;
        if (formatted && config.security() != null && !scram) {
            throw new IllegalStateException("the broker in " + config.dataDir() + " was first started without security, so its "
                    + "cluster has no SCRAM users to log in with; start the secure broker on a new data directory");
        }
        Properties ports = new Properties();
        ports.setProperty("broker.port", Integer.toString(config.brokerPort()));
        ports.setProperty("controller.port", Integer.toString(config.controllerPort()));
        ports.setProperty("scram.users", Boolean.toString(scram));
        try (Writer w = Files.newBufferedWriter(config.dataDir().resolve(PORTS_FILE), StandardCharsets.UTF_8)) {
            ports.store(w, "ports of the last start; whether the cluster was formatted with SCRAM users");
        }
        if (formatted) {
            return; // formatting again with a new cluster id would fail: keep the data
        }
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("format", "--cluster-id", Uuid.randomUuid().toString(),
                "--config", serverProperties.toString(), "--ignore-formatted"));
        if (config.security() != null) {
            args.addAll(config.security().formatArguments());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc;
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(args.toArray(String[]::new), print);
        }
        if (rc != 0) {
            throw new IOException("formatting Kafka storage in " + config.logDir() + " failed (exit " + rc + "): "
                    + out.toString(StandardCharsets.UTF_8));
        }
    }

    private static Properties load(Path file) {
        Properties p = new Properties();
        if (Files.exists(file)) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return p;
    }
}
