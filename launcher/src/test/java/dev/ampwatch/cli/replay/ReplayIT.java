package dev.ampwatch.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.cli.Ampwatch;
import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Replays a small CSV and JSONL onto a real broker and reads the records back. */
class ReplayIT {

    static int replay(StringWriter out, String... args) {
        CommandLine cli = Ampwatch.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        return cli.execute(args);
    }

    static <V> List<ConsumerRecord<String, V>> readAll(String topic, Deserializer<V> values, int expected) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedBroker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "replay-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, V>> records = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, new StringDeserializer(), values)) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                assertThat(records).hasSizeGreaterThanOrEqualTo(expected);
            });
            // nothing beyond what was expected
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }

    @Test
    void publishesSamplesEventsAndMarkersKeyedByHostAndStampedWithTheirEventTime() {
        String prefix = "replay-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Topics topics = Topics.withPrefix(prefix);
        StringWriter out = new StringWriter();
        int rc = replay(out, "replay", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", prefix,
                "--power", "src/test/resources/replay/power.csv", "--events", "src/test/resources/replay/events.jsonl");
        assertThat(rc).as(out.toString()).isZero();
        assertThat(out.toString()).containsPattern(prefix.replace(".", "\\.") + "power-samples +5")
                .containsPattern(prefix.replace(".", "\\.") + "training-events +8 \\(of them 4 progress markers\\)")
                // it-other's wall meter alone: replay sends none of its training events, so it vouches for none
                .contains("no training events of host(s) it-other in this replay");

        List<ConsumerRecord<String, PowerSample>> samples =
                readAll(topics.powerSamples().name(), topics.powerSamples().valueSerde().deserializer(), 5);
        assertThat(samples).hasSize(5);
        for (ConsumerRecord<String, PowerSample> r : samples) {
            assertThat(r.key()).isEqualTo(r.value().getHost());
            assertThat(r.timestamp()).isEqualTo(r.value().getEventTime().toEpochMilli());
            assertThat(r.value().getSource()).isEqualTo(SourceType.REPLAY);
        }
        Map<String, List<PowerSample>> byHost = samples.stream().map(ConsumerRecord::value)
                .collect(Collectors.groupingBy(PowerSample::getHost));
        assertThat(byHost.get("it-rig")).extracting(PowerSample::getEventTime).isSorted();
        assertThat(byHost.get("it-rig")).filteredOn(s -> s.getComponent() == Component.CPU_PACKAGE)
                .extracting(PowerSample::getEnergyUj).containsExactly(1_000_000L, 41_000_000L);
        assertThat(byHost.get("it-other")).singleElement().satisfies(s -> {
            assertThat(s.getComponent()).isEqualTo(Component.WALL);
            assertThat(s.getDevice()).isEqualTo("wall");
            assertThat(s.getPowerWatts()).isEqualTo(150.0);
            assertThat(s.getEventTime()).isEqualTo(Instant.parse("2026-11-23T10:00:02Z"));
        });

        List<ConsumerRecord<String, TrainingEvent>> events =
                readAll(topics.trainingEvents().name(), topics.trainingEvents().valueSerde().deserializer(), 8);
        assertThat(events).hasSize(8).allSatisfy(r -> {
            assertThat(r.key()).isEqualTo(r.value().getHost());
            assertThat(r.timestamp()).isEqualTo(r.value().getEventTime().toEpochMilli());
        });
        // one partition, so this is the order sent: each PROGRESS after every event of its host up to its time
        assertThat(events).extracting(r -> r.value().getKind() + " " + r.value().getHost() + " '" + r.value().getRunId()
                + "' " + r.value().getEventTime()).containsExactly(
                "PROGRESS it-rig '' 2026-11-23T10:00:00Z",
                "RUN_STARTED it-rig 'it-run' 2026-11-23T10:00:00.100Z",
                "EPOCH_STARTED it-rig 'it-run' 2026-11-23T10:00:00.200Z",
                "PROGRESS it-rig '' 2026-11-23T10:00:01Z",
                "EPOCH_COMPLETED it-rig 'it-run' 2026-11-23T10:00:01.900Z",
                "RUN_COMPLETED it-rig 'it-run' 2026-11-23T10:00:02Z",
                "PROGRESS it-rig '' 2026-11-23T10:00:02Z",
                "STREAM_END it-rig '' 2026-11-23T10:00:02Z");
        assertThat(events.get(4).value().getMetrics().getSamplesPerSecond()).isEqualTo(600.5);
    }

    @Test
    void aBadLinePublishesNothingAndShiftToNowMovesTheEarliestRecordToNow() {
        String prefix = "replay-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Topics topics = Topics.withPrefix(prefix);
        StringWriter bad = new StringWriter();
        assertThat(replay(bad, "replay", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", prefix,
                "--host", "h", "--power", "src/test/resources/replay/bad-power.csv")).isEqualTo(1);
        assertThat(bad.toString()).contains("nothing published");

        Instant before = Instant.now();
        StringWriter out = new StringWriter();
        int rc = replay(out, "replay", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", prefix,
                "--host", "h", "--skip-bad", "--shift-to-now", "--power", "src/test/resources/replay/bad-power.csv");
        assertThat(rc).as(out.toString()).isZero();
        List<ConsumerRecord<String, PowerSample>> samples =
                readAll(topics.powerSamples().name(), topics.powerSamples().valueSerde().deserializer(), 2);
        // only the two good rows of the second run: the first published nothing
        assertThat(samples).hasSize(2);
        Instant first = samples.get(0).value().getEventTime();
        assertThat(first).isBetween(before, Instant.now());
        assertThat(samples.get(1).value().getEventTime()).isEqualTo(first.plusSeconds(4));
        // power alone: no markers (a review: they promised there were no training events, and the events replayed next
        // were late); where markers are sent, --shift-to-now moves them with the records (ReplayStreamTest)
        assertThat(out.toString()).containsPattern("training-events +0 \\(of them 0 progress markers\\)")
                .contains("no training events of host(s) h in this replay");
    }
}
