package dev.ampwatch.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker with {@code SASL_SSL} only: SCRAM-SHA-512 users over TLS work, including exactly-once
 * transactions (the transaction markers go through the same listener, as the broker's own user), within
 * what ACLs grant them; a client without credentials, with a wrong password, or not trusting the broker's
 * certificate is refused; a restart keeps users, ACLs and key, and a user added later logs in but may do
 * nothing it was not granted.
 */
class SecureBrokerIT {

    @Test
    void onlyAuthenticatedClientsOverTlsGetIn(@TempDir Path dir) throws Exception {
        BrokerSecurity security = BrokerSecurity.prepare(dir, "127.0.0.1", List.of("analyzer"));
        try (InProcessBroker broker = InProcessBroker.start(dir, "127.0.0.1", 0, security)) {
            String bootstrap = broker.bootstrapServers();
            Map<String, Object> analyzer = security.clientProperties("analyzer", bootstrap);
            try (Admin admin = Admin.create(security.clientProperties(BrokerSecurity.ADMIN, bootstrap))) {
                admin.createTopics(Set.of(new NewTopic("secured", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                admin.createAcls(List.of(allow(ResourceType.TOPIC, "secured"), allow(ResourceType.GROUP, "secure-it"),
                        allow(ResourceType.TRANSACTIONAL_ID, "secure-it"))).all().get(30, TimeUnit.SECONDS);
            }
            transact(analyzer, "secured", "over SASL_SSL");
            assertThat(consume(analyzer, "secured")).containsExactly("over SASL_SSL");

            // the client settings written for the user are complete: the file alone connects
            Properties file = new Properties();
            try (var r = Files.newBufferedReader(security.clientConfig("analyzer"))) {
                file.load(r);
            }
            Map<String, Object> fromFile = new HashMap<>();
            file.stringPropertyNames().forEach(k -> fromFile.put(k, file.getProperty(k)));
            assertThat(topics(fromFile)).contains("secured");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(security.clientConfig("analyzer")))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server.properties")))).isEqualTo("rw-------");
            assertThat(security.toString()).doesNotContain(file.getProperty("sasl.jaas.config").split("password=\"")[1].substring(0, 10));

            Map<String, Object> wrongPassword = new HashMap<>(analyzer);
            wrongPassword.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                    + "username=\"analyzer\" password=\"guess\";");
            assertThatThrownBy(() -> topics(wrongPassword)).hasRootCauseInstanceOf(SaslAuthenticationException.class);

            Map<String, Object> untrusting = new HashMap<>(analyzer); // the JDK's default trust: no self-signed broker
            untrusting.remove("ssl.truststore.type");
            untrusting.remove("ssl.truststore.location");
            assertThatThrownBy(() -> topics(untrusting)).hasCauseInstanceOf(SslAuthenticationException.class)
                    .hasStackTraceContaining("PKIX path building failed");

            Map<String, Object> plaintext = new HashMap<>(Map.of("bootstrap.servers", bootstrap,
                    "request.timeout.ms", 3000, "default.api.timeout.ms", 5000));
            assertThatThrownBy(() -> topics(plaintext)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        }

        // a restart keeps the users, their ACLs and the key; a user added now logs in, and may do nothing ACLs do not grant
        BrokerSecurity again = BrokerSecurity.prepare(dir, "127.0.0.1", List.of("analyzer", "agent"));
        try (InProcessBroker broker = InProcessBroker.start(dir, "127.0.0.1", 0, again)) {
            assertThat(again.users()).containsExactly("admin", "agent", "analyzer");
            assertThat(consume(again.clientProperties("analyzer", broker.bootstrapServers()), "secured")).containsExactly("over SASL_SSL");
            Map<String, Object> agent = again.clientProperties("agent", broker.bootstrapServers());
            assertThat(topics(agent)).as("topics the agent may describe").isEmpty();
            Map<String, Object> p = new HashMap<>(agent);
            p.put("max.block.ms", 10_000);
            try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>("secured", "k", "forged")).get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.TopicAuthorizationException.class);
            }
        }
    }

    @Test
    void aPlaintextDataDirectoryIsNotSilentlyMadeSecure(@TempDir Path dir) {
        try (InProcessBroker broker = InProcessBroker.start(dir)) {
            assertThat(broker.bootstrapServers()).isNotBlank();
        }
        BrokerSecurity security = BrokerSecurity.prepare(dir, "127.0.0.1", List.of());
        assertThatThrownBy(() -> InProcessBroker.start(dir, "127.0.0.1", 0, security))
                .hasMessageContaining("was first started without security").hasMessageContaining("new data directory");
    }

    private static org.apache.kafka.common.acl.AclBinding allow(ResourceType type, String prefix) {
        return new org.apache.kafka.common.acl.AclBinding(new ResourcePattern(type, prefix, PatternType.PREFIXED),
                new org.apache.kafka.common.acl.AccessControlEntry("User:analyzer", "*", org.apache.kafka.common.acl.AclOperation.ALL,
                        org.apache.kafka.common.acl.AclPermissionType.ALLOW));
    }

    private static Set<String> topics(Map<String, Object> client) throws Exception {
        Map<String, Object> p = new HashMap<>(client);
        p.putIfAbsent("request.timeout.ms", 10_000);
        p.putIfAbsent("default.api.timeout.ms", 20_000);
        try (Admin admin = Admin.create(p)) {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS);
        }
    }

    private static void transact(Map<String, Object> client, String topic, String value) {
        Map<String, Object> p = new HashMap<>(client);
        p.put("transactional.id", "secure-it");
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", value));
            producer.commitTransaction();
        }
    }

    private static List<String> consume(Map<String, Object> client, String topic) {
        Map<String, Object> p = new HashMap<>(client);
        p.put("group.id", "secure-it-" + System.nanoTime());
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        List<String> values = new java.util.ArrayList<>();
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return !values.isEmpty();
            });
        }
        return values;
    }
}
