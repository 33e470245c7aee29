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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ampwatch dead-letters} against a real analyzer on the real broker: three bad records (a negative reading, a
 * sample keyed by another host, bytes that are no Avro) are set aside by the analyzer, and the command lists each with
 * its kind, the analyzer's reason and what it was. The runbook of the AnalyzerDeadLetters alert relies on it.
 */
class DeadLettersIT {
    private static final String PREFIX = "dlq-it.";

    @TempDir
    Path dir;

    static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        assertThat(cli.execute(args)).as(out.toString()).isZero();
        return out.toString();
    }

    @Test
    void listsWhatTheAnalyzerSetAsideWithItsReasonAndWhatItWas() throws Exception {
        Topics topics = Topics.withPrefix(PREFIX);
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        TopicSetup.ensure(client, topics, 1);
        String[] base = {"dead-letters", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", PREFIX};
        assertThat(run(base)).contains("no dead letters in dlq-it.dead-letters.");
        AnalyzerConfig config = AnalyzerConfig.defaults().withApplicationId("dlq-it").withTopics(topics)
                .withStateDir(dir.resolve("state"));
        Instant now = Instant.now();
        PowerSample negative = PowerSample.newBuilder().setHost("rig").setSource(SourceType.NVML).setComponent(Component.GPU)
                .setDevice("gpu0").setEventTime(now).setPowerWatts(-5.0).build();
        PowerSample good = PowerSample.newBuilder(negative).setPowerWatts(40.0).build();
        try (AnalyzerApp app = AnalyzerApp.start(config, client, "127.0.0.1", 0, Duration.ofMinutes(10));
             var producer = new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            String samples = topics.powerSamples().name();
            var serde = topics.powerSamples().valueSerde().serializer();
            producer.send(new ProducerRecord<>(samples, bytes("rig"), serde.serialize(samples, negative)));
            producer.send(new ProducerRecord<>(samples, bytes("not-rig"), serde.serialize(samples, good)));
            producer.send(new ProducerRecord<>(samples, bytes("rig"), bytes("garbage")));
            producer.flush();
            await().atMost(Duration.ofSeconds(60)).until(() -> run(base).contains("3 dead letters"));
        }
        String all = run(base);
        assertThat(all).contains("3 dead letters in dlq-it.dead-letters: 1 deserialization, 1 invalid, 1 wrong-key");
        assertThat(all).contains("invalid  from dlq-it.power-samples").contains("key rig")
                .contains("power_watts=-5.0 is not a finite non-negative number")
                .contains("was: power sample NVML GPU/gpu0 rig at " + negative.getEventTime() + ": -5.0 W");
        assertThat(all).contains("wrong-key  from dlq-it.power-samples").contains("its key is \"not-rig\", not its host \"rig\"");
        assertThat(all).contains("deserialization  from dlq-it.power-samples 0@").contains("was: 7 bytes that are no ampwatch record");

        String invalid = run(concat(base, "--kind", "invalid"));
        assertThat(invalid).contains("1 dead letter in dlq-it.dead-letters: 1 invalid").doesNotContain("wrong-key");
        assertThat(run(concat(base, "--limit", "1"))).contains("(the newest 1 of 3; --limit shows more)");
        assertThat(run(concat(base, "--since", "1h"))).contains("3 dead letters");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
