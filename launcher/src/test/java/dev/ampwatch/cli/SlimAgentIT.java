package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.kafka.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The power-agent's slim distribution as a rig would run it: {@code java -jar ampwatch-agent.jar} with only
 * {@code lib-agent/} beside it (no Kafka server, Scala, RocksDB, Kafka Streams, analyzer, broker or trainer jar)
 * samples, publishes to a real broker and exits when asked; a quarter of the full launcher's lib/ at most.
 */
class SlimAgentIT {
    static final Path TARGET = Path.of("target");

    @Test
    void theSlimAgentCarriesNoServerSideJarAndPublishesSamples(@TempDir Path dir) throws Exception {
        List<String> jars = names(TARGET.resolve("lib-agent"));
        assertThat(jars).as("lib-agent").isNotEmpty().noneMatch(j -> j.startsWith("kafka_2.13") || j.startsWith("kafka-server")
                || j.startsWith("kafka-streams") || j.startsWith("scala") || j.startsWith("rocksdbjni") || j.startsWith("jcuda")
                || j.startsWith("ampwatch-analyzer") || j.startsWith("ampwatch-broker") || j.startsWith("ampwatch-trainer-agent"));
        assertThat(bytes(TARGET.resolve("lib-agent"))).as("lib-agent bytes").isLessThan(bytes(TARGET.resolve("lib")) / 3);

        // the slim distribution alone, copied away from the full lib/
        Path dist = dir.resolve("agent");
        Files.createDirectories(dist.resolve("lib-agent"));
        Files.copy(TARGET.resolve("ampwatch-agent.jar"), dist.resolve("ampwatch-agent.jar"));
        for (String j : jars) {
            Files.copy(TARGET.resolve("lib-agent").resolve(j), dist.resolve("lib-agent").resolve(j));
        }
        String prefix = "slim-agent-" + System.nanoTime() + ".";
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process agent = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", "ampwatch-agent.jar",
                "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", prefix, "--host", "slim-rig",
                "--sources", "estimate", "--interval", "estimate=200ms", "--metrics-port", "-1", "--spool-dir",
                dir.resolve("spool").toString(), "--duration", "3s")
                .directory(dist.toFile()).redirectErrorStream(true).start();
        String output = new String(agent.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(agent.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
        assertThat(agent.exitValue()).as(output).isZero();
        assertThat(output).doesNotContain("NoClassDefFoundError", "ClassNotFoundException");

        Topics topics = Topics.withPrefix(prefix);
        List<PowerSample> samples = new ArrayList<>();
        try (KafkaConsumer<String, PowerSample> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedBroker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, prefix,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), topics.powerSamples().valueSerde().deserializer())) {
            consumer.subscribe(List.of(topics.powerSamples().name()));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> samples.add(r.value()));
                assertThat(samples).hasSizeGreaterThanOrEqualTo(5);
            });
        }
        assertThat(samples).allSatisfy(s -> assertThat(s.getHost()).isEqualTo("slim-rig"));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static long bytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
