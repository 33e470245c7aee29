package dev.ampwatch.cli;

import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Before a command that needs a running pipeline it did not start (profile and follow --profile-epochs on
 * one's own cluster) spends time training: is an analyzer consuming under the application id, and has a
 * power-agent published a recent reading of this host? Either missing means the run's forecast never comes
 * (no analyzer) or its energy is not measured (no readings of the host), which the user would otherwise
 * learn only after training. What cannot be checked (an ACL hides the group or the samples, a timeout) is
 * said and not held against the run.
 */
final class PipelineCheck {
    /** How recent a reading of the host must be: agents sample every 0.1-1 s and deliver within seconds. */
    static final Duration RECENT = Duration.ofMinutes(2);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Records read from the host's partition at most, from {@link #RECENT} ago on. */
    private static final int MAX_RECORDS = 500_000;
    private static final Set<GroupState> MEMBERLESS = EnumSet.of(GroupState.EMPTY, GroupState.DEAD);

    /** Something found: a problem that should stop the command, or a part that could not be checked. */
    record Finding(boolean problem, String message) {
        static Optional<Finding> problem(String message) {
            return Optional.of(new Finding(true, message));
        }

        static Optional<Finding> unchecked(String message) {
            return Optional.of(new Finding(false, message));
        }
    }

    /** What was found: the problems that should stop the command, and notes on what could not be checked. */
    record Result(List<String> problems, List<String> notes) {
        boolean ok() {
            return problems.isEmpty();
        }
    }

    private PipelineCheck() {}

    static Result run(Map<String, Object> client, Topics topics, String applicationId, String host, InstantSource clock) {
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (Optional<Finding> f : List.of(analyzer(client, applicationId), power(client, topics, host, clock))) {
            f.ifPresent(finding -> (finding.problem() ? problems : notes).add(finding.message()));
        }
        return new Result(List.copyOf(problems), List.copyOf(notes));
    }

    /**
     * For commands that only publish (train, sweep, infer): an analyzer may attribute their runs later, from the
     * topics, but readings of the host that were never taken cannot be; so, before anything is trained, a warning
     * when no recent reading of {@code host} is there (nothing when it could not be checked).
     */
    static void warnIfUnmeasured(Map<String, Object> client, Topics topics, String host, java.util.function.Consumer<String> err,
                                 String command) {
        power(client, topics, host, InstantSource.system()).filter(Finding::problem)
                .ifPresent(f -> err.accept("ampwatch " + command + ": warning: " + f.message()));
    }

    /** A problem with the analyzer's group, or that it could not be checked; empty when it runs. */
    static Optional<Finding> analyzer(Map<String, Object> client, String applicationId) {
        try (Admin admin = Admin.create(KafkaCheck.adminProperties(client, TIMEOUT))) {
            Optional<GroupListing> group = admin.listGroups().all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).stream()
                    .filter(g -> g.groupId().equals(applicationId)).findFirst();
            if (group.isEmpty()) {
                return Finding.problem("no analyzer has consumed on these brokers as group '" + applicationId + "' (--application-id): "
                        + "start one (`ampwatch analyzer --bootstrap-servers ...`), or name the id it runs under; on a secured "
                        + "cluster this principal may also lack DESCRIBE on that group (`ampwatch acls --trainer ...` grants it)");
            }
            Optional<GroupState> state = group.get().groupState();
            if (state.isPresent() && MEMBERLESS.contains(state.get())) {
                return Finding.problem("the analyzer's group '" + applicationId + "' has no members (" + state.get()
                        + "): no analyzer is running; start one (`ampwatch analyzer --bootstrap-servers ...`)");
            }
            return Optional.empty();
        } catch (ExecutionException e) {
            return Finding.unchecked("could not check for a running analyzer (group '" + applicationId + "'): " + reason(e.getCause()));
        } catch (TimeoutException e) {
            return Finding.unchecked("could not check for a running analyzer (group '" + applicationId + "'): no answer within "
                    + TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Finding.unchecked("interrupted while checking for a running analyzer");
        }
    }

    /**
     * A problem when no reading of {@code host} with an event time in the last {@link #RECENT} is on the power
     * samples topic, or that it could not be checked. Agents key their samples by host,
     * so only the host's partition is read, from the first record of that time on.
     */
    static Optional<Finding> power(Map<String, Object> client, Topics topics, String host, InstantSource clock) {
        String topic = topics.powerSamples().name();
        Map<String, Object> props = new HashMap<>(client);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned, no group: nothing to authorize or commit
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        Instant now = clock.instant();
        Instant since = now.minus(RECENT);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, TIMEOUT);
            if (partitions == null || partitions.isEmpty()) {
                return Finding.problem("the power samples topic " + topic + " does not exist: no power-agent has published on these "
                        + "brokers (start `ampwatch power-agent --bootstrap-servers ...` on this host)");
            }
            TopicPartition tp = new TopicPartition(topic, BuiltInPartitioner.partitionForKey(host.getBytes(StandardCharsets.UTF_8),
                    partitions.size()));
            consumer.assign(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp);
            OffsetAndTimestamp from = consumer.offsetsForTimes(Map.of(tp, since.toEpochMilli()), TIMEOUT).get(tp);
            if (from == null) {
                return Finding.problem(noReading(host, topic, null, now));
            }
            consumer.seek(tp, from.offset());
            Instant newest = null;
            int read = 0;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (consumer.position(tp, TIMEOUT) < end && read < MAX_RECORDS && System.nanoTime() - deadline < 0) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    read++;
                    PowerSample s = decode(r.value());
                    if (s != null && host.equals(s.getHost()) && (newest == null || s.getEventTime().isAfter(newest))) {
                        newest = s.getEventTime();
                    }
                }
                if (newest != null && !newest.isBefore(since)) {
                    return Optional.empty();
                }
            }
            return Finding.problem(noReading(host, topic, newest, now));
        } catch (AuthorizationException e) {
            return Finding.unchecked("could not check for recent power readings of host '" + host + "': " + reason(e)
                    + " (`ampwatch acls --trainer ...` grants READ on " + topic + ")");
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            return Finding.unchecked("could not check for recent power readings of host '" + host + "': no answer within "
                    + TIMEOUT.toSeconds() + " s");
        } catch (org.apache.kafka.common.KafkaException e) {
            return Finding.unchecked("could not check for recent power readings of host '" + host + "': " + reason(e));
        }
    }

    private static String noReading(String host, String topic, Instant newest, Instant now) {
        String last = newest == null ? "none in the last " + RECENT.toMinutes() + " minutes"
                : "the newest is " + Duration.between(newest, now).toSeconds() + " s old";
        return "no recent power reading of host '" + host + "' on " + topic + " (" + last + "): its energy would not be measured; "
                + "start `ampwatch power-agent --bootstrap-servers ...` on this host, or give --host the name its agent publishes";
    }

    private static PowerSample decode(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return AmpwatchSerdes.powerSample().decode(value);
        } catch (RuntimeException notASample) {
            return null; // bad records are the analyzer's to set aside; here they are just not a reading
        }
    }

    private static String reason(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
