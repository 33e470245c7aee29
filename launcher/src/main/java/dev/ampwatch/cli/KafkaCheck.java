package dev.ampwatch.cli;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Checks what a command was told about Kafka before it uses it: a property Kafka does not know or a value
 * it would reject is refused up front with the reason (Kafka itself ignores unknown properties with a log
 * line, and rejects a bad value only deep inside a client), and a broker that does not answer is reported
 * within seconds with what to check, instead of a client retrying for a minute.
 */
final class KafkaCheck {
    static final Duration REACH_TIMEOUT = Duration.ofSeconds(10);
    /** Prefixes Kafka Streams passes on to one of its clients or to the topics it creates. */
    private static final List<String> PREFIXES = List.of("producer.", "consumer.", "main.consumer.", "restore.consumer.",
            "global.consumer.", "admin.", "topic.");
    private static final List<ConfigDef> DEFS = defs();

    private KafkaCheck() {}

    /** The clients' definitions, and Kafka Streams' where it is on the class path (not in the power-agent's slim one). */
    private static List<ConfigDef> defs() {
        List<ConfigDef> defs = new java.util.ArrayList<>(List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(),
                AdminClientConfig.configDef()));
        try {
            defs.add(StreamsConfig.configDef());
        } catch (NoClassDefFoundError absent) {
            // ampwatch-agent.jar: no Kafka Streams, and none of its properties concern a power-agent
        }
        return List.copyOf(defs);
    }

    /** Refuses a property no Kafka client or Kafka Streams knows, and a value its definition rejects. */
    static void properties(Map<String, Object> props) {
        for (Map.Entry<String, Object> e : new TreeMap<>(props).entrySet()) {
            String key = e.getKey();
            String bare = PREFIXES.stream().filter(key::startsWith).findFirst().map(p -> key.substring(p.length())).orElse(key);
            boolean known = false;
            for (ConfigDef def : DEFS) {
                ConfigDef.ConfigKey k = def.configKeys().get(bare);
                if (k == null) {
                    continue;
                }
                known = true;
                try {
                    Object parsed = ConfigDef.parseType(bare, e.getValue(), k.type);
                    if (k.validator != null) {
                        k.validator.ensureValid(bare, parsed);
                    }
                } catch (ConfigException bad) {
                    throw new IllegalArgumentException("Kafka property " + key + "=" + e.getValue() + " is not valid: "
                            + bad.getMessage());
                }
            }
            if (!known && !key.startsWith("topic.")) {
                throw new IllegalArgumentException("unknown Kafka property '" + key + "' (from -X or --kafka-config): no Kafka "
                        + "client knows it, so it would be ignored; check its spelling against the producer, consumer and "
                        + "admin client settings of the Kafka documentation");
            }
        }
    }

    /** Fails within {@link #REACH_TIMEOUT} when no broker of {@code bootstrap.servers} answers, saying what to check. */
    static void reachable(Map<String, Object> props) {
        Object servers = props.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        Map<String, Object> admin = adminProperties(props, REACH_TIMEOUT);
        String what = "cannot reach Kafka at " + servers;
        String check = ": is a broker running there (`ampwatch broker` starts one), is the address right, and does it "
                + "need TLS or SASL (-X security.protocol=..., --kafka-config FILE)?";
        Admin client;
        try {
            client = Admin.create(admin);
        } catch (KafkaException e) {
            throw new IllegalStateException(what + " (" + rootMessage(e) + ")" + check, e);
        }
        try {
            // the client's own API timeout is the same: whichever fires first, it is the same answer
            client.describeCluster().nodes().get(REACH_TIMEOUT.toMillis() + 2_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " within " + REACH_TIMEOUT.toSeconds() + " s" + check, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new IllegalStateException(what + " within " + REACH_TIMEOUT.toSeconds() + " s" + check, e);
            }
            throw new IllegalStateException(what + " (" + rootMessage(e) + ")" + check, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to Kafka at " + servers, e);
        } finally {
            client.close(Duration.ZERO);
        }
    }

    /** The admin client's share of client properties (no warnings about the rest), answering within {@code timeout}. */
    static Map<String, Object> adminProperties(Map<String, Object> props, Duration timeout) {
        Map<String, Object> admin = new TreeMap<>();
        Set<String> names = AdminClientConfig.configNames();
        props.forEach((k, v) -> {
            if (names.contains(k)) {
                admin.put(k, v);
            }
        });
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        return admin;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
