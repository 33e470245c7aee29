package dev.ampwatch.power.kafka;

import dev.ampwatch.power.metrics.AgentStats;
import dev.ampwatch.power.spool.SpoolFile;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the Kafka producer of the power agent from client properties. */
public final class KafkaPublishers {

    private static final Logger logger = LoggerFactory.getLogger(KafkaPublishers.class);

    private KafkaPublishers() {}

    /**
     * The producer settings: {@code clientProperties} (bootstrap.servers, security.protocol,
     * sasl.*, ssl.* ... pass through unchanged) with {@code enable.idempotence=true} and {@code
     * acks=all} enforced, and a default {@code client.id} of {@code ampwatch-power-agent-<host>}.
     */
    public static Map<String, Object> producerProperties(Map<String, Object> clientProperties,
            String host) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        enforce(props, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        enforce(props, ProducerConfig.ACKS_CONFIG, "all");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "ampwatch-power-agent-" + host);
        // client telemetry (KIP-714) gathers every client metric for a push the broker may not even
        // accept: a tenth of the agent's CPU on a rig (docs/benchmarks.md); the agent has its own /metrics
        props.putIfAbsent(ProducerConfig.ENABLE_METRICS_PUSH_CONFIG, "false");
        props.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        props.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return props;
    }

    /** A started publisher with a new {@link KafkaProducer}. */
    public static KafkaPowerPublisher create(Map<String, Object> clientProperties, String topic,
            String host, AgentStats stats, int bufferCapacity, InstantSource clock) {
        Objects.requireNonNull(clientProperties, "clientProperties");
        KafkaProducer<String, PowerSample> producer = new KafkaProducer<>(
                producerProperties(clientProperties, host), new StringSerializer(),
                AmpwatchSerdes.powerSample().serializer());
        try {
            return new KafkaPowerPublisher(producer, topic, stats, bufferCapacity, clock);
        } catch (RuntimeException e) {
            producer.close();
            throw e;
        }
    }

    /** Spool default bound: an outage of hours at fleet-node sampling rates. */
    public static final long DEFAULT_SPOOL_BYTES = 512L * 1024 * 1024;

    /**
     * A started publisher that spools to {@code spoolDir} and sends in transactions (transactional.id
     * {@link #transactionalId} unless given): no sample lost or duplicated across outages.
     */
    public static SpoolingPublisher spooling(Map<String, Object> clientProperties, String topic, String host,
            AgentStats stats, Path spoolDir, Duration sendInterval, InstantSource clock) {
        Map<String, Object> props = producerProperties(clientProperties, host);
        props.putIfAbsent(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(host, spoolDir));
        // fail fast while the broker is away: the spool holds the samples, the sender retries
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        SpoolFile spool = SpoolFile.open(spoolDir, DEFAULT_SPOOL_BYTES);
        Object kafka = props.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
        return new SpoolingPublisher(() -> new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer()), topic, kafka == null ? null : String.valueOf(kafka), stats, spool, sendInterval, clock);
    }

    /**
     * {@code ampwatch-power-agent-<host>-<spool>}: the spool directory's path hashed (8 hex digits of SHA-256). An agent
     * restarted on its spool keeps its id, so the broker fences a stuck earlier self; two agents of one host (a wattmeter
     * agent beside the default one) have their own spools (locked, SpoolFile) and so their own ids. With the host alone
     * they fenced each other's transactions every few seconds ({@code InvalidProducerEpochException}, a sample delayed
     * past the grace and dead-lettered as late: a user's review).
     */
    public static String transactionalId(String host, Path spoolDir) {
        Path path = spoolDir.toAbsolutePath().normalize();
        try {
            path = path.toRealPath(); // one spool reached through a link is one agent's
        } catch (java.io.IOException e) {
            // not there yet: its absolute path
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(path.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "ampwatch-power-agent-" + host + "-" + java.util.HexFormat.of().formatHex(digest, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    private static void enforce(Map<String, Object> props, String key, String value) {
        Object given = props.put(key, value);
        if (given != null && !value.equalsIgnoreCase(String.valueOf(given))) {
            logger.warn("power agent: overriding producer {}={} with {}", key, given, value);
        }
    }
}
