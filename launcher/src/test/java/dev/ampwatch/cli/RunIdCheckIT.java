package dev.ampwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ampwatch.broker.SharedBroker;
import dev.ampwatch.cli.report.ReportFixture;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import dev.ampwatch.schema.kafka.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A run id the analyzer would refuse is refused before the trainer starts, read from a real broker's run-energy topic
 * (a review resumed a job with the same --run-id: follow said "completed", the analyzer dead-lettered all its events).
 */
class RunIdCheckIT {
    private static RunEnergy run(String id, String host, boolean isFinal, Instant start) {
        RunEnergy r = RunEnergy.newBuilder(ReportFixture.run(id, "fp32", 64, 50, start, 40, true, false)).setHost(host).build();
        return isFinal ? r : RunEnergy.newBuilder(r).setIsFinal(false).setStatus(RunStatus.RUNNING).setEndTime(null).build();
    }

    @Test
    void anIdUsedOnThisHostIsRefusedAndOneOfAnotherHostWarned() throws Exception {
        String prefix = "run-id-it-" + UUID.randomUUID().toString().substring(0, 8);
        Topics topics = Topics.withPrefix(prefix);
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(topics.runEnergy().name(), 3, (short) 1))).all().get();
        }
        Instant now = Instant.now();
        List<RunEnergy> records = new ArrayList<>();
        for (int i = 0; i < 30; i++) { // other runs around them, on every partition
            records.add(run("filler-" + i, "rig-a", true, now.minusSeconds(3600)));
        }
        records.add(run("done-run", "rig-a", false, now.minusSeconds(3600)));
        records.add(run("done-run", "rig-a", true, now.minusSeconds(3600)));
        records.add(run("open-run", "rig-a", false, now.minusSeconds(60)));
        records.add(run("old-run", "rig-a", true, now.minusSeconds(3 * 86_400)));
        records.add(run("b-run", "rig-b", true, now.minusSeconds(3600)));
        try (KafkaProducer<String, RunEnergy> producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers",
                SharedBroker.bootstrapServers()), new StringSerializer(), topics.runEnergy().valueSerde().serializer())) {
            for (RunEnergy r : records) { // keyed by run id with the producers' default partitioner, as the analyzer writes
                producer.send(new ProducerRecord<>(topics.runEnergy().name(), r.getRunId(), r)).get();
            }
        }

        List<String> notes = new ArrayList<>();
        assertThatThrownBy(() -> RunIdCheck.check(client, topics, "done-run", "rig-a", InstantSource.system(), notes::add))
                .hasMessageContaining("run id done-run was used on host rig-a already: that run ended")
                .hasMessageContaining("(COMPLETED, ").hasMessageContaining("this training would go unmeasured")
                .hasMessageContaining("a job resumed from a checkpoint is a new run");
        assertThatThrownBy(() -> RunIdCheck.check(client, topics, "open-run", "rig-a", InstantSource.system(), notes::add))
                .hasMessageContaining("names a run still open on host rig-a");
        RunIdCheck.check(client, topics, "old-run", "rig-a", InstantSource.system(), notes::add); // forgotten by the analyzer
        RunIdCheck.check(client, topics, "new-run", "rig-a", InstantSource.system(), notes::add);
        assertThat(notes).isEmpty();
        RunIdCheck.check(client, topics, "b-run", "rig-a", InstantSource.system(), notes::add);
        assertThat(notes).singleElement().asString().contains("run id b-run names a run of host rig-b already")
                .contains("give each host's run its own id");

        // follow refuses before it starts anything: a usage error, exit 2, the trainer never ran
        StringWriter err = new StringWriter();
        CommandLine cli = Ampwatch.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        assertThat(cli.execute("follow", "--bootstrap-servers", SharedBroker.bootstrapServers(), "--topic-prefix", prefix,
                "--host", "rig-a", "--run-id", "done-run", "--", "sh", "-c", "echo trainer ran")).isEqualTo(2);
        assertThat(err.toString()).contains("--run-id done-run: run id done-run was used on host rig-a already");
    }

    /** A prefix whose run-energy topic does not exist: nothing to refuse, and the check creates no topic. */
    @Test
    void aMissingTopicRefusesNothingAndIsNotCreated() throws Exception {
        String prefix = "run-id-none-" + UUID.randomUUID().toString().substring(0, 8);
        Topics topics = Topics.withPrefix(prefix);
        Map<String, Object> client = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        List<String> notes = new ArrayList<>();
        RunIdCheck.check(client, topics, "any-run", "rig-a", InstantSource.system(), notes::add);
        assertThat(notes).isEmpty();
        try (Admin admin = Admin.create(client)) {
            assertThat(admin.listTopics().names().get()).doesNotContain(topics.runEnergy().name());
        }
    }
}
