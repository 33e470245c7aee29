package dev.ampwatch.cli;

import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Before a trainer starts under a run id the user gave ({@code --run-id}): what the run-energy topic holds of that id.
 * The analyzer refuses every event of an id that ended on the host within a day, or that is open there (docs/energy.md,
 * "A run id names one run"), so such a training would go unmeasured: refused up front (a review resumed a job from its
 * checkpoint with the same id; follow printed "completed" and all of its events were dead-lettered). An id a record of
 * another host holds is a warning: the topic keeps one record per run id, so this run's would replace it.
 */
final class RunIdCheck {
    /** How long after a run's end the analyzer refuses its id again (RunTracker.FINALIZED_MEMORY_US). */
    static final Duration REMEMBERED = Duration.ofHours(24);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private RunIdCheck() {}

    /**
     * {@link #check} for {@code command}'s {@code --run-id} (none given: nothing to check), a refusal as a usage error
     * (exit 2), notes on stderr.
     */
    static void beforeStart(picocli.CommandLine commandLine, Map<String, Object> client, Topics topics, String runId, String host,
                            String command) {
        if (runId == null || client == null) {
            return;
        }
        try {
            check(client, topics, runId, host, InstantSource.system(), n -> {
                commandLine.getErr().println("ampwatch " + command + ": " + n);
                commandLine.getErr().flush();
            });
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(commandLine, "--run-id " + runId + ": " + e.getMessage());
        }
    }

    /**
     * Throws (an IllegalArgumentException saying why) when the analyzer would refuse {@code runId} on {@code host}; says on
     * {@code notes} when another host's record holds it, or when the topic could not be read within 10 s.
     */
    static void check(Map<String, Object> client, Topics topics, String runId, String host, InstantSource clock,
                      Consumer<String> notes) {
        RunEnergy last;
        try {
            last = latest(client, topics, runId, TIMEOUT);
        } catch (RuntimeException e) {
            notes.accept("note: could not check whether run id " + runId + " was used before (" + e.getMessage() + "); going on");
            return;
        }
        String refusal = refusal(last, runId, host, clock.instant());
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        if (last != null && !last.getHost().equals(host)) {
            notes.accept("warning: run id " + runId + " names a run of host " + last.getHost() + " already: the run-energy topic keeps "
                    + "one record per run id, so this host's run will replace it in /runs, the statistics and reports; give each "
                    + "host's run its own id (e.g. " + runId + "-" + host + ")");
        }
    }

    /** Why the analyzer would refuse {@code runId} on {@code host}, given its latest record; null when it would not. */
    static String refusal(RunEnergy last, String runId, String host, Instant now) {
        if (last == null || !last.getHost().equals(host)) {
            return null;
        }
        String fresh = "leave --run-id out (a new UUID) or give a new id, with the same --experiment-id; a job resumed from a "
                + "checkpoint is a new run (docs/energy.md, \"A run id names one run\")";
        if (!last.getIsFinal()) {
            return "run id " + runId + " names a run still open on host " + host + " (started " + last.getStartTime()
                    + ", attributed until " + last.getAttributedUntil() + "): the analyzer refuses every event of a second run "
                    + "under it, which would go unmeasured; " + fresh;
        }
        Instant end = last.getEndTime() != null ? last.getEndTime() : last.getAttributedUntil();
        if (end.plus(REMEMBERED).isBefore(now)) {
            return null; // forgotten by the analyzer: the id names a new run (its record will replace the old one's)
        }
        return "run id " + runId + " was used on host " + host + " already: that run ended " + end + " (" + last.getStatus()
                + String.format(java.util.Locale.ROOT, ", %.1f J", last.getEnergyJoules()) + "), and the analyzer refuses "
                + "every event of an id used again for a day after its end, so this training would go unmeasured; " + fresh;
    }

    /** The latest committed record of {@code runId} on the run-energy topic (its key's partition), or null. */
    static RunEnergy latest(Map<String, Object> client, Topics topics, String runId, Duration timeout) {
        Map<String, Object> props = new HashMap<>(client);
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        props.remove("group.id");
        props.put("allow.auto.create.topics", "false"); // a missing run-energy topic is not created by asking
        byte[] key = runId.getBytes(StandardCharsets.UTF_8);
        byte[] found = null;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topics.runEnergy().name(), timeout);
            if (partitions == null || partitions.isEmpty()) {
                return null;
            }
            // where a keyed record goes (the producers' default partitioner): a run id's records are all on one partition
            TopicPartition tp = new TopicPartition(topics.runEnergy().name(), Utils.toPositive(Utils.murmur2(key)) % partitions.size());
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
            Instant deadline = Instant.now().plus(timeout);
            while (consumer.position(tp, timeout) < end) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("topic " + tp + " was not read to its end within " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (Arrays.equals(r.key(), key)) {
                        found = r.value(); // a tombstone (null) forgets it
                    }
                }
            }
        }
        return found == null ? null : topics.runEnergy().valueSerde().deserializer().deserialize(topics.runEnergy().name(), found);
    }
}
