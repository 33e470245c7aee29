package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.analyzer.AnalyzerApp;
import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.kafka.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * profile and follow --profile-epochs on one's own cluster (a real broker, a real analyzer) refuse to train when
 * what would measure the run is missing, before anything is trained or published, saying what is missing: no
 * analyzer ever ran under the application id, one ran and stopped (its group is empty), no reading of this host,
 * or only an old one. With both there, the check passes (ProfileIT trains through it). train, which only publishes,
 * warns and trains.
 */
class PipelineCheckIT {
    static final String HOST = "check-rig";

    @Test
    void refusesBeforeTrainingWhenNoAnalyzerRunsOrNoReadingOfTheHostArrives(@TempDir Path dir) throws Exception {
        Topics topics = Topics.withPrefix("check-it.");
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        TopicSetup.ensure(client, topics, 3);

        // nothing there: both missing, nothing trained, nothing published
        String out = profile(1);
        assertThat(out).contains("no analyzer has consumed on these brokers as group 'check-it'",
                "no recent power reading of host 'check-rig' on check-it.power-samples (none in the last 2 minutes)",
                "nothing trained (--no-pipeline-check trains anyway)").doesNotContain("profiling run");
        assertThat(trainingEvents(client, topics)).as("no run was started").isZero();

        // an analyzer that ran and stopped: its group is left without members
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId("check-it").withTopics(topics).withStateDir(dir.resolve("state"));
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(10))) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            await().atMost(Duration.ofSeconds(60)).until(() -> PipelineCheck.analyzer(client, "check-it").isEmpty());
        }
        assertThat(PipelineCheck.analyzer(client, "check-it")).hasValueSatisfying(f -> assertThat(f.problem()).isTrue());
        assertThat(profile(1)).contains("the analyzer's group 'check-it' has no members", "no analyzer is running");

        // readings of the host: one ten minutes old is not enough; another host's recent one does not count
        Instant now = Instant.now();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", SharedBroker.bootstrapServers()),
                new StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topics.powerSamples().name(), HOST, sample(HOST, now.minusSeconds(600)))).get();
            producer.send(new ProducerRecord<>(topics.powerSamples().name(), "other-rig", sample("other-rig", now))).get();
            producer.send(new ProducerRecord<>(topics.powerSamples().name(), HOST, "not avro".getBytes())).get();
        }
        assertThat(PipelineCheck.power(client, topics, HOST, InstantSource.fixed(now))).hasValueSatisfying(f -> {
            assertThat(f.problem()).isTrue();
            assertThat(f.message()).contains("the newest is 600 s old");
        });
        assertThat(PipelineCheck.power(client, topics, "other-rig", InstantSource.fixed(now))).isEmpty();
        // ... and with a recent one of the host (and an analyzer running) the check passes
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", SharedBroker.bootstrapServers()),
                new StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topics.powerSamples().name(), HOST, sample(HOST, now.minusSeconds(5)))).get();
        }
        assertThat(PipelineCheck.power(client, topics, HOST, InstantSource.fixed(now))).isEmpty();

        // follow --profile-epochs does not start the trainer while the analyzer is away
        Path started = dir.resolve("trainer-started");
        StringWriter followOut = new StringWriter();
        CommandLine follow = Ampwatch.commandLine();
        follow.setOut(new PrintWriter(followOut, true));
        follow.setErr(new PrintWriter(followOut, true));
        assertThat(follow.execute("follow", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", "check-it.",
                "--application-id", "check-it", "--host", HOST, "--profile-epochs", "2", "--", "touch", started.toString()))
                .as(followOut.toString()).isEqualTo(1);
        assertThat(followOut.toString()).contains("the analyzer's group 'check-it' has no members",
                "the trainer was not started (--no-pipeline-check starts it anyway)");
        assertThat(started).doesNotExist();
        assertThat(trainingEvents(client, topics)).isZero();

        // train (like sweep and infer) only publishes, and an analyzer may come later: it trains, after a warning
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stderr = System.err;
        int code;
        System.setErr(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            code = Ampwatch.commandLine().execute("train", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix",
                    "check-it.", "--host", "unwatched-rig", "--epochs", "1", "--train-limit", "300", "--test-limit", "100", "--device", "cpu");
        } finally {
            System.setErr(stderr);
        }
        String warned = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(code).as(warned).isZero();
        assertThat(warned).contains("ampwatch train: warning: no recent power reading of host 'unwatched-rig'");
        assertThat(trainingEvents(client, topics)).isPositive();
    }

    /** Runs profile against the test's topics (a tiny run); returns stdout and stderr; asserts the exit code. */
    private static String profile(int exitCode) {
        StringWriter err = new StringWriter();
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        java.io.PrintStream stderr = System.err;
        CommandLine cli = Ampwatch.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int code;
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        System.setErr(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            code = cli.execute("profile", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", "check-it.",
                    "--application-id", "check-it", "--host", HOST, "--epochs", "3", "--profile-epochs", "2",
                    "--train-limit", "300", "--test-limit", "100", "--device", "cpu");
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        String out = printed.toString(java.nio.charset.StandardCharsets.UTF_8) + err;
        assertThat(code).as(out).isEqualTo(exitCode);
        return out;
    }

    private static byte[] sample(String host, Instant at) {
        return dev.ampwatch.schema.kafka.AmpwatchSerdes.powerSample().encode(PowerSample.newBuilder().setHost(host)
                .setSource(SourceType.NVML).setComponent(Component.GPU).setDevice("gpu0").setEventTime(at).setPowerWatts(100.0).build());
    }

    private static long trainingEvents(Map<String, Object> client, Topics topics) throws Exception {
        try (Admin admin = Admin.create(client)) {
            String topic = topics.trainingEvents().name();
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        }
    }
}
