package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.BrokerSecurity;
import dev.ampwatch.broker.InProcessBroker;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole pipeline on a broker that speaks SASL_SSL only (SCRAM-SHA-512 over TLS), each component with
 * its own user and nothing but standard Kafka client settings in a {@code --kafka-config} file: the
 * power-agent and the analyzer as processes of their own, {@code follow} running a "trainer". The
 * analyzer's password is not in its settings file but in a secrets file read through Kafka's
 * {@code FileConfigProvider}. A client without credentials is refused with a message that says what to check.
 */
class SecuredPipelineIT {
    private static final String PREFIX = "secure.";

    @Test
    void aRunIsMeasuredEndToEndWithEveryComponentAuthenticated(@TempDir Path dir) throws Exception {
        BrokerSecurity security = BrokerSecurity.prepare(dir.resolve("broker"), "127.0.0.1", List.of("analyzer", "agent", "trainer", "reader", "curator"));
        try (InProcessBroker broker = InProcessBroker.start(dir.resolve("broker"), "127.0.0.1", 0, security)) {
            String bootstrap = broker.bootstrapServers();
            Topics topics = Topics.withPrefix(PREFIX);
            Map<String, Object> admin = security.clientProperties(BrokerSecurity.ADMIN, bootstrap);
            TopicSetup.ensure(admin, topics, 1);
            // the broker's authorizer lets users do only what ACLs grant: each role the least it needs
            assertThat(Ampwatch.commandLine().execute("acls", "--kafka-config", security.clientConfig(BrokerSecurity.ADMIN).toString(),
                    "--topic-prefix", PREFIX, "--application-id", "secure-analyzer", "--agent", "User:agent", "--trainer", "User:trainer",
                    "--analyzer", "User:analyzer", "--reader", "User:reader", "--curator", "User:curator")).isZero();
            assertForbidden(security.clientProperties("agent", bootstrap), topics.trainingEvents().name());
            assertForbidden(security.clientProperties("trainer", bootstrap), topics.powerSamples().name());
            assertForbidden(security.clientProperties("trainer", bootstrap), topics.runEnergy().name());
            assertForbidden(security.clientProperties("curator", bootstrap), topics.runEnergy().name());
            assertForbidden(security.clientProperties("reader", bootstrap), topics.runExclusions().name());

            Path analyzerConfig = secretInAFile(security, dir);
            Process analyzer = start(dir.resolve("analyzer.log"), "analyzer", "--kafka-config", analyzerConfig.toString(),
                    "--topic-prefix", PREFIX, "--application-id", "secure-analyzer", "--state-dir", dir.resolve("state").toString(),
                    "--http-port", "0");
            Process agent = start(dir.resolve("agent.log"), "power-agent", "--kafka-config", security.clientConfig("agent").toString(),
                    "--topic-prefix", PREFIX, "--host", "secure-rig", "--sources", "estimate", "--interval", "estimate=200ms",
                    "--spool-dir", dir.resolve("spool").toString(), "--metrics-port", "0");
            try {
                awaitSamples(admin, topics, dir);
                StringWriter out = new StringWriter();
                CommandLine follow = Ampwatch.commandLine();
                follow.setOut(new PrintWriter(out, true));
                follow.setErr(new PrintWriter(out, true));
                String trainer = "echo '" + FollowCommandTest.START + "'; sleep 2; echo '" + FollowCommandTest.COMPLETED + "'";
                assertThat(follow.execute("follow", "--kafka-config", security.clientConfig("trainer").toString(), "--topic-prefix", PREFIX,
                        "--host", "secure-rig", "--run-id", "secure-run", "--experiment-id", "secure-exp", "--", "sh", "-c", trainer))
                        .as(out.toString()).isZero();

                RunEnergy run = awaitFinal(admin, topics, "secure-run", dir);
                // the trainer's principal reads its run's energy back, as profile and follow --profile-epochs do
                try (RunEnergyWatcher watcher = new RunEnergyWatcher(security.clientProperties("trainer", bootstrap), topics)) {
                    assertThat(watcher.awaitFinal(java.util.Set.of("secure-run"), Duration.ofSeconds(60)))
                            .containsKey("secure-run");
                }
                // ... and may check first that the analyzer runs and the rig's readings arrive (profile, follow --profile-epochs)
                PipelineCheck.Result check = PipelineCheck.run(security.clientProperties("trainer", bootstrap), topics, "secure-analyzer",
                        "secure-rig", java.time.InstantSource.system());
                assertThat(check.problems()).isEmpty();
                assertThat(check.notes()).as("nothing left unchecked for want of an ACL").isEmpty();
                // the reader's principal lists the dead letters, where the AnalyzerDeadLetters alert sends the operator
                StringWriter letters = new StringWriter();
                CommandLine deadLetters = Ampwatch.commandLine();
                deadLetters.setOut(new PrintWriter(letters, true));
                deadLetters.setErr(new PrintWriter(letters, true));
                assertThat(deadLetters.execute("dead-letters", "--kafka-config", security.clientConfig("reader").toString(),
                        "--topic-prefix", PREFIX, "--since", "1h")).as(letters.toString()).isZero();
                // the curator's principal leaves the run out of its statistics, and sees the analyzer do it
                StringWriter excluded = new StringWriter();
                CommandLine exclude = Ampwatch.commandLine();
                exclude.setOut(new PrintWriter(excluded, true));
                exclude.setErr(new PrintWriter(excluded, true));
                assertThat(exclude.execute("exclude", "secure-run", "--reason", "a test run", "--wait", "--timeout", "60s",
                        "--kafka-config", security.clientConfig("curator").toString(), "--topic-prefix", PREFIX))
                        .as(excluded.toString()).isZero();
                assertThat(excluded.toString()).contains("statistics of secure-exp: 0 completed run(s)", "excluded: secure-run");
                CommandLine undo = Ampwatch.commandLine(); // reads what holds from the exclusions topic
                undo.setOut(new PrintWriter(excluded, true));
                undo.setErr(new PrintWriter(excluded, true));
                assertThat(undo.execute("exclude", "secure-run", "--undo", "--wait", "--timeout", "60s",
                        "--kafka-config", security.clientConfig("curator").toString(), "--topic-prefix", PREFIX))
                        .as(excluded.toString()).isZero();
                assertThat(excluded.toString()).contains("statistics of secure-exp: 1 completed run(s)", "excluded: none");
                assertThat(run.getEnergyJoules()).as("%s", run).isPositive();
                assertThat(run.getDurationSeconds()).isBetween(1.5, 10.0); // the trainer slept 2 s between its start and end lines
                assertThat(run.getComponents()).anySatisfy(c -> assertThat(c.getComponent()).isEqualTo(Component.CPU_PACKAGE));
                assertThat(analyzer.isAlive()).as("analyzer log: %s", log(dir.resolve("analyzer.log"))).isTrue();
            } finally {
                stop(agent);
                stop(analyzer);
            }
            assertThat(log(dir.resolve("analyzer.log"))).doesNotContain(password(security, "analyzer"))
                    .doesNotContainIgnoringCase("authorization").doesNotContain("ERROR")
                    // the experiments' seeding checked and recorded with the analyzer's own ACLs (its group prefix)
                    .contains("seeded with").doesNotContain("could not check or record the seeding");
            assertThat(log(dir.resolve("agent.log"))).doesNotContainIgnoringCase("authorization").doesNotContain("ERROR");

            // no credentials: refused at once, saying what to check
            StringWriter err = new StringWriter();
            CommandLine anonymous = Ampwatch.commandLine();
            anonymous.setErr(new PrintWriter(err, true));
            assertThat(anonymous.execute("analyzer", "--bootstrap-servers", bootstrap, "--topic-prefix", PREFIX,
                    "--state-dir", dir.resolve("anonymous").toString(), "--http-port", "0")).isEqualTo(1);
            assertThat(err.toString()).contains("cannot reach Kafka at " + bootstrap).contains("TLS or SASL");
        }
    }

    /** A role writing where it may not (a rig forging training events, a trainer forging samples or results) is refused. */
    private static void assertForbidden(Map<String, Object> client, String topic) {
        Map<String, Object> p = new HashMap<>(client);
        p.put("max.block.ms", 10_000);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(p, new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> producer.send(
                            new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "rig", "forged")).get(30, TimeUnit.SECONDS))
                    .as("writing to %s", topic)
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TopicAuthorizationException.class);
        }
    }

    /** The analyzer's settings with its password replaced by a variable that Kafka's FileConfigProvider resolves. */
    private static Path secretInAFile(BrokerSecurity security, Path dir) throws Exception {
        Path secrets = dir.resolve("secrets.properties");
        Files.writeString(secrets, "analyzer.password=" + password(security, "analyzer") + "\n");
        String settings = Files.readString(security.clientConfig("analyzer"))
                .replace(password(security, "analyzer"), "${file:" + secrets.toString().replace("\\", "/") + ":analyzer.password}");
        assertThat(settings).doesNotContain(password(security, "analyzer"));
        return Files.writeString(dir.resolve("analyzer-kafka.properties"), settings
                + "config.providers=file\nconfig.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n");
    }

    private static String password(BrokerSecurity security, String user) {
        String jaas = security.clientProperties(user, "x:1").get("sasl.jaas.config").toString();
        return jaas.substring(jaas.indexOf("password=\"") + 10, jaas.lastIndexOf('"'));
    }

    private static RunEnergy awaitFinal(Map<String, Object> client, Topics topics, String runId, Path dir) {
        Map<String, Object> p = new HashMap<>(client);
        p.put("group.id", "secure-watcher");
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        List<RunEnergy> seen = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), topics.runEnergy().valueSerde().deserializer())) {
            consumer.subscribe(List.of(topics.runEnergy().name()));
            await().atMost(Duration.ofSeconds(120)).alias("final run energy; analyzer log: " + dir.resolve("analyzer.log")).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
                return seen.stream().anyMatch(r -> r.getRunId().equals(runId) && r.getIsFinal());
            });
        }
        return seen.stream().filter(r -> r.getRunId().equals(runId) && r.getIsFinal()).findFirst().orElseThrow();
    }

    /** The agent is publishing (its JVM took a while to start): the run will have readings from its start. */
    private static void awaitSamples(Map<String, Object> client, Topics topics, Path dir) {
        Map<String, Object> p = new HashMap<>(client);
        p.put("group.id", "secure-samples");
        p.put("auto.offset.reset", "earliest");
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), topics.powerSamples().valueSerde().deserializer())) {
            consumer.subscribe(List.of(topics.powerSamples().name()));
            await().atMost(Duration.ofSeconds(60)).alias("power samples; agent log: " + dir.resolve("agent.log"))
                    .until(() -> !consumer.poll(Duration.ofMillis(200)).isEmpty());
        }
    }

    private static Process start(Path log, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
                Ampwatch.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(new File(log.toString())).start();
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private static String log(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
