package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.schema.kafka.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `follow` publishing a shell "trainer"'s lines to a real broker, keyed by run id. */
class FollowIT {

    @Test
    void publishesTheTrainersRunAndAFailedOneToKafka() {
        String prefix = "follow-it-" + UUID.randomUUID().toString().substring(0, 8);
        StringWriter out = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        String ok = FollowCommandTest.script(0, FollowCommandTest.START, FollowCommandTest.EPOCH_STARTED,
                FollowCommandTest.EPOCH_COMPLETED, FollowCommandTest.COMPLETED);
        assertThat(cli.execute("follow", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", prefix,
                "--run-id", "ok-run", "--experiment-id", "exp-it", "--", "sh", "-c", ok)).as(out.toString()).isZero();
        String failing = FollowCommandTest.script(1, FollowCommandTest.START);
        assertThat(Ampwatch.commandLine().execute("follow", "--bootstrap-servers", SharedBroker.bootstrapServers(),
                "--topic-prefix", prefix, "--run-id", "bad-run", "--", "sh", "-c", failing)).isEqualTo(1);

        List<ConsumerRecord<String, TrainingEvent>> records = new ArrayList<>();
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedBroker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, prefix, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, TrainingEvent> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                AmpwatchSerdes.trainingEvent().deserializer())) {
            consumer.subscribe(List.of(Topics.withPrefix(prefix).trainingEvents().name()));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                assertThat(records).hasSizeGreaterThanOrEqualTo(6);
            });
        }
        // keyed by host, like the power samples, so the analyzer's inputs are co-partitioned
        assertThat(records).allSatisfy(r -> assertThat(r.key()).isEqualTo(r.value().getHost()));
        records.removeIf(r -> r.value().getKind() == EventKind.PROGRESS); // heartbeats, if the script ran long enough
        assertThat(records.stream().filter(r -> r.value().getRunId().equals("ok-run")).map(r -> r.value().getKind()))
                .containsExactly(EventKind.RUN_STARTED, EventKind.EPOCH_STARTED, EventKind.EPOCH_COMPLETED, EventKind.RUN_COMPLETED);
        assertThat(records.stream().filter(r -> r.value().getRunId().equals("bad-run")).map(r -> r.value()))
                .extracting(TrainingEvent::getKind, TrainingEvent::getFailureReason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(EventKind.RUN_STARTED, null),
                        org.assertj.core.groups.Tuple.tuple(EventKind.RUN_FAILED, "trainer exited with code 1"));
        assertThat(records.get(0).value().getConfig().getPrecision()).isEqualTo("amp-bf16");
    }
}
