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
            description = "Kafka brokers to use (demo and profile start a broker of their own here when this is not given).")
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
        props = resolveVariables(props);
        KafkaCheck.properties(props);
        return props;
    }

    private static final java.util.regex.Pattern VARIABLE = java.util.regex.Pattern.compile("\\$\\{[^}:]+:[^}]*}");

    /**
     * Kafka's config providers ({@code config.providers=file} with {@code config.providers.file.class=
     * org.apache.kafka.common.config.provider.FileConfigProvider}, or {@code env}, {@code directory}): a value
     * like {@code ${file:/etc/ampwatch/secrets.properties:password}} is replaced by what the provider
     * reads, once, here, so every client of every component gets the plain setting and no secret needs to
     * be in the config file itself or on the command line.
     */
    static Map<String, Object> resolveVariables(Map<String, Object> props) {
        if (!props.containsKey("config.providers")) {
            return props;
        }
        Map<String, Object> resolved;
        try {
            resolved = new HashMap<>(new org.apache.kafka.common.config.AbstractConfig(
                    new org.apache.kafka.common.config.ConfigDef(), props, false).originals());
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IllegalArgumentException("Kafka settings: config.providers=" + props.get("config.providers")
                    + " cannot be used: " + e.getMessage(), e);
        }
        resolved.keySet().removeIf(k -> k.equals("config.providers") || k.startsWith("config.providers."));
        new java.util.TreeMap<>(resolved).forEach((k, v) -> {
            if (v instanceof String text && VARIABLE.matcher(text).find()) {
                throw new IllegalArgumentException("Kafka property " + k + " refers to " + VARIABLE.matcher(text).results().findFirst()
                        .orElseThrow().group() + ", which config.providers=" + props.get("config.providers")
                        + " did not resolve: is the file there and readable, and does it have that key?");
            }
        });
        return resolved;
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
