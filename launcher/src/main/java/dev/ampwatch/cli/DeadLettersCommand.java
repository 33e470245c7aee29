package dev.ampwatch.cli;

import dev.ampwatch.analyzer.streams.DeadLetters;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What the analyzer set aside, and why: the dead-letter topic read to its end (committed records only), each record's
 * time, kind, source topic and place, key, reason and, where it still decodes, what it was. The runbook of the
 * {@code AnalyzerDeadLetters} alert points here (docs/operations.md). Reads with {@code assign()}: no group, nothing
 * committed, the analyzer's consumers untouched.
 */
@Command(name = "dead-letters", mixinStandardHelpOptions = true,
        header = "Lists the records the analyzer set aside, with why.",
        description = "Reads the dead-letter topic to its end and prints each record's time, kind (deserialization, invalid,"
                + " wrong-key, duplicate, late, time-jump, too-large), source topic, key, the analyzer's reason and what the record"
                + " was, newest last; then the count per kind.")
final class DeadLettersCommand implements Callable<Integer> {
    /** Its consumer's group name starts so (never joined: `ampwatch acls` lets the reader role use it). */
    static final String GROUP_PREFIX = "ampwatch-dead-letters-";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** What the analyzer writes in the kind header (docs/operations.md, "Bad input"). */
    static final List<String> KINDS = List.of("deserialization", "invalid", "wrong-key", "duplicate", "late", "time-jump", "too-large");

    @Option(names = "--since", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Only dead letters from the last DURATION (e.g. 10m, 2h; default: all the topic holds).")
    Duration since;

    @Option(names = "--kind", split = ",", paramLabel = "KIND", description = "Only these kinds (e.g. late,invalid).")
    List<String> kinds;

    @Option(names = "--limit", defaultValue = "50", description = "Print at most the newest N (default: ${DEFAULT-VALUE}); the counts cover all.")
    int limit;

    @Mixin
    KafkaOptions kafka;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** One dead letter as printed. */
    record Entry(Instant time, String kind, String source, String key, String reason, String was) {}

    @Override
    public Integer call() {
        if (limit < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--limit " + limit + " is not a count: give 0 or more");
        }
        if (since != null && (since.isNegative() || since.isZero())) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--since must be a positive duration, e.g. 10m");
        }
        if (kinds != null) {
            kinds = kinds.stream().map(k -> k.trim().toLowerCase(Locale.ROOT)).toList();
            for (String k : kinds) {
                if (!KINDS.contains(k)) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--kind " + k
                            + " is not a kind of dead letter; the kinds: " + String.join(", ", KINDS));
                }
            }
        }
        Map<String, Object> client = kafka.reachableClientProperties();
        String topic = kafka.topics().deadLetters();
        Read read = read(client, topic, since == null ? null : Instant.now().minus(since));
        java.io.PrintWriter out = spec.commandLine().getOut();
        print(out, topic, read);
        out.flush();
        return 0;
    }

    /** The newest {@code limit} dead letters read, oldest first, and how many of each kind there were in all. */
    record Read(List<Entry> newest, Map<String, Integer> perKind) {
        int total() {
            return perKind.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    Read read(Map<String, Object> client, String topic, Instant from) {
        Map<String, Object> props = new HashMap<>(client);
        props.put("group.id", GROUP_PREFIX + UUID.randomUUID()); // never committed: assign(), no auto-commit
        props.put("enable.auto.commit", "false");
        props.put("isolation.level", "read_committed");
        java.util.PriorityQueue<Entry> newest = new java.util.PriorityQueue<>(Comparator.comparing(Entry::time)); // bounded
        Map<String, Integer> perKind = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, TIMEOUT);
            if (infos == null || infos.isEmpty()) {
                return new Read(List.of(), perKind); // no analyzer has set anything aside on this cluster (and prefix)
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            if (from != null) {
                Map<TopicPartition, Long> at = new HashMap<>();
                partitions.forEach(p -> at.put(p, from.toEpochMilli()));
                for (Map.Entry<TopicPartition, OffsetAndTimestamp> e : consumer.offsetsForTimes(at, TIMEOUT).entrySet()) {
                    if (e.getValue() == null) {
                        consumer.seekToEnd(List.of(e.getKey())); // nothing that recent there
                    } else {
                        consumer.seek(e.getKey(), e.getValue().offset());
                    }
                }
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
            Instant deadline = Instant.now().plus(TIMEOUT); // moved on whenever records come: a long topic is read whole
            while (partitions.stream().anyMatch(p -> consumer.position(p, TIMEOUT) < end.get(p))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("nothing more came from " + topic + " for " + TIMEOUT
                            + " before its end: is the broker still there?");
                }
                var records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    deadline = Instant.now().plus(TIMEOUT);
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    Entry e = entry(r);
                    if (kinds == null || kinds.contains(e.kind())) {
                        perKind.merge(e.kind(), 1, Integer::sum);
                        newest.add(e);
                        if (newest.size() > limit) {
                            newest.poll(); // the oldest goes: memory stays --limit entries, whatever the topic holds
                        }
                    }
                }
            }
        }
        List<Entry> out = new ArrayList<>(newest);
        out.sort(Comparator.comparing(Entry::time));
        return new Read(out, perKind);
    }

    static Entry entry(ConsumerRecord<byte[], byte[]> r) {
        String kind = nz(DeadLetters.header(r.headers(), DeadLetters.KIND), "?");
        String source = nz(DeadLetters.header(r.headers(), DeadLetters.SOURCE_TOPIC), "?");
        String partition = DeadLetters.header(r.headers(), DeadLetters.SOURCE_PARTITION);
        String offset = DeadLetters.header(r.headers(), DeadLetters.SOURCE_OFFSET);
        if (partition != null && offset != null) {
            source += " " + partition + "@" + offset;
        }
        String key = r.key() == null ? "(no key)" : clip(new String(r.key(), StandardCharsets.UTF_8), 80);
        return new Entry(Instant.ofEpochMilli(r.timestamp()), kind, source, key,
                nz(DeadLetters.header(r.headers(), DeadLetters.REASON), "(no reason)"), was(r.value()));
    }

    /** What the value was, where it still decodes as ampwatch's records: one line. */
    static String was(byte[] value) {
        if (value == null) {
            return "a tombstone (no value)";
        }
        try {
            PowerSample s = AmpwatchSerdes.powerSample().decode(value);
            return String.format(Locale.ROOT, "power sample %s %s/%s %s at %s%s%s", s.getSource(), s.getComponent(), s.getDevice(),
                    s.getHost(), s.getEventTime(), s.getPowerWatts() == null ? "" : ": " + s.getPowerWatts() + " W",
                    s.getEnergyUj() == null ? "" : ", counter " + s.getEnergyUj() + " uJ");
        } catch (RuntimeException notASample) {
            // try the other input
        }
        try {
            TrainingEvent e = AmpwatchSerdes.trainingEvent().decode(value);
            return "training event " + e.getKind() + (e.getEpoch() == null ? "" : " " + e.getEpoch()) + " of run "
                    + clip(e.getRunId(), 80) + " on " + clip(e.getHost(), 80) + " at " + e.getEventTime();
        } catch (RuntimeException notAnEvent) {
            return value.length + " bytes that are no ampwatch record";
        }
    }

    void print(java.io.PrintWriter out, String topic, Read read) {
        if (read.total() == 0) {
            out.println("no dead letters in " + topic + (since == null ? "" : " in the last " + since.toString().substring(2)
                    .toLowerCase(Locale.ROOT)) + (kinds == null ? "" : " of kind " + String.join(", ", kinds)) + ".");
            return;
        }
        if (read.newest().size() < read.total()) {
            out.println("(the newest " + read.newest().size() + " of " + read.total() + "; --limit shows more)");
        }
        for (Entry e : read.newest()) {
            out.println(e.time() + "  " + e.kind() + "  from " + e.source() + "  key " + e.key());
            out.println("    why: " + e.reason());
            out.println("    was: " + e.was());
        }
        StringBuilder b = new StringBuilder().append(read.total()).append(" dead letter").append(read.total() == 1 ? "" : "s")
                .append(" in ").append(topic).append(": ");
        read.perKind().forEach((k, n) -> b.append(n).append(' ').append(k).append(", "));
        out.println(b.substring(0, b.length() - 2));
    }

    private static String nz(String s, String otherwise) {
        return s == null ? otherwise : s;
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
