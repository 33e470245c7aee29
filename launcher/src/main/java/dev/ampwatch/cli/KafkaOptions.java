package dev.ampwatch.cli;

import dev.ampwatch.schema.kafka.Topics;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How a command reaches Kafka. Any Kafka client property passes through untouched (SASL, TLS, ...),
 * from a properties file and then from {@code -X key=value}, which wins.
 */
public final class KafkaOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...",
            description = "Kafka brokers to use. The demo starts its own broker when this is not given.")
    String bootstrapServers;

    @Option(names = {"-X", "--kafka"}, paramLabel = "KEY=VALUE",
            description = "A Kafka client property, passed through as is (e.g. -X security.protocol=SASL_SSL). Repeatable.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--kafka-config", paramLabel = "FILE", description = "A properties file of Kafka client settings.")
    Path configFile;

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX,
            description = "Prefix of every ampwatch topic name (default: ${DEFAULT-VALUE}).")
    String topicPrefix;

    public Topics topics() {
        return Topics.withPrefix(topicPrefix);
    }

    public boolean hasBootstrap() {
        return bootstrapServers != null || overrides.containsKey("bootstrap.servers") || fileProperties().containsKey("bootstrap.servers");
    }

    /** The client properties, with {@code bootstrap} used when none was configured. */
    public Map<String, Object> clientProperties(String bootstrap) {
        Map<String, Object> props = new HashMap<>(fileProperties());
        props.putAll(overrides);
        if (bootstrapServers != null) {
            props.put("bootstrap.servers", bootstrapServers);
        }
        if (!props.containsKey("bootstrap.servers")) {
            if (bootstrap == null) {
                throw new IllegalArgumentException("no Kafka to talk to: pass --bootstrap-servers HOST:PORT "
                        + "(or start one with `ampwatch broker`)");
            }
            props.put("bootstrap.servers", bootstrap);
        }
        KafkaCheck.properties(props);
        return props;
    }

    /**
     * As {@link #clientProperties(String)}, after checking that a broker answers (within seconds, saying what
     * to check): for commands that cannot do anything useful without Kafka.
     */
    public Map<String, Object> reachableClientProperties() {
        Map<String, Object> props = clientProperties(null);
        KafkaCheck.reachable(props);
        return props;
    }

    private Map<String, String> fileProperties() {
        Map<String, String> out = new HashMap<>();
        if (configFile == null) {
            return out;
        }
        java.util.Properties p = new java.util.Properties();
        try (Reader r = Files.newBufferedReader(configFile)) {
            p.load(r);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("--kafka-config " + configFile + " does not exist (" + configFile.toAbsolutePath() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --kafka-config " + configFile + ": " + e, e);
        }
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }
}
