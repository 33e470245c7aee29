package dev.ampwatch.analyzer.direct;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.streams.HostProcessor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analyzer's attribution on plain Kafka clients: {@code num.stream.threads} group members
 * ({@link Member}), each a consumer of both host-keyed inputs and a transactional producer, running the
 * same {@link dev.ampwatch.analyzer.streams.HostStep} and the same changelog layout as the Kafka Streams
 * engine, without its per-record machinery (docs/benchmarks.md measured Kafka Streams alone, doing
 * nothing, at 0.24x of what a plain consumer reads). The consumer group is the application id, and the
 * changelog topic is Kafka Streams' {@code <application id>-host-timelines-changelog}: an analyzer that ran
 * on Kafka Streams continues from its committed offsets and state.
 */
public final class DirectEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectEngine.class);

    /** What the members share. */
    record Settings(AnalyzerConfig config, AnalyzerListener listener, boolean exactlyOnce, String changelogTopic,
                    Map<String, Object> consumerBase, Map<String, Object> producerBase, String clientId, String transactionalId,
                    Consumer<Throwable> onFailure, java.util.function.BiConsumer<Integer, List<AutoCloseable>> clients,
                    IntConsumer ensureChangelog, Duration restorePatience,
                    dev.ampwatch.analyzer.streams.UnansweredPartitions unanswered) {
        Settings {
            unanswered = unanswered == null ? new dev.ampwatch.analyzer.streams.UnansweredPartitions() : unanswered;
        }

        Map<String, Object> consumer(int index) {
            Map<String, Object> p = new HashMap<>(consumerBase);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, config.applicationId());
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-hosts-" + index + "-consumer");
            p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
            // static membership, one id per member of this analyzer (its state directory's process id, as the transactional
            // ids): a member that starts over (a failed commit in a broker outage) rejoins as itself and takes its place at
            // once. As a new dynamic member it waited for the old one, whose leave the broker never got, to time out of the
            // rebalance: a review's analyzer attributed nothing for 5 minutes after a 167 s outage, all signals green.
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, transactionalId + "-" + index);
            // co-partitioning rests on it: each member gets the same partition numbers of both inputs
            p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
            return p;
        }

        Map<String, Object> restorer(int index) {
            Map<String, Object> p = new HashMap<>(consumerBase);
            p.remove(ConsumerConfig.GROUP_ID_CONFIG);
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-hosts-" + index + "-restore");
            return p;
        }

        /** A consumer asked only for the changelog's end offsets, uncommitted writes included (ChangelogRestorer). */
        Map<String, Object> written(int index) {
            Map<String, Object> p = restorer(index);
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-hosts-" + index + "-restore-end");
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
            return p;
        }

        Map<String, Object> producer(int index) {
            Map<String, Object> p = new HashMap<>(producerBase);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-hosts-" + index + "-producer");
            if (exactlyOnce) {
                p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId + "-" + index);
            }
            return p;
        }
    }

    private final Settings settings;
    private final List<Member> members = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Map<String, Object> adminProperties;
    private volatile boolean changelogChecked;
    private volatile boolean closed;

    /**
     * @param clientProperties Kafka settings as the analyzer takes them (bootstrap servers, SASL/TLS,
     *     {@code num.stream.threads}, {@code processing.guarantee}, {@code consumer.}/{@code producer.}
     *     prefixed overrides); Kafka Streams-only keys are ignored
     * @param clientId the base of the clients' ids
     * @param clients told about each member's new consumer and producer, by member index (client metrics):
     *     a member that starts over replaces its previous ones
     * @param unanswered where the members count the input partitions they judge not answering (Receiving)
     */
    /** The members' {@code session.timeout.ms} unless given (and the statistics app's): how long a dead instance holds on. */
    public static final int SESSION_TIMEOUT_MS = 15_000;

    public DirectEngine(AnalyzerConfig config, Map<String, ?> clientProperties, AnalyzerListener listener, String clientId,
                        Consumer<Throwable> onFailure, java.util.function.BiConsumer<Integer, List<AutoCloseable>> clients,
                        dev.ampwatch.analyzer.streams.UnansweredPartitions unanswered) {
        boolean exactlyOnce = !"at_least_once".equals(String.valueOf(clientProperties.get("processing.guarantee")));
        Map<String, Object> consumer = filtered(clientProperties, ConsumerConfig.configNames(), "consumer.", "main.consumer.");
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        // a member learns that another joined at its next heartbeat: at the default 3 s, the second member
        // of a starting analyzer waited ~3 s for its partitions
        consumer.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
        // a static member killed (kill -9, a lost machine) keeps its partitions until its session times out, and a
        // rebalance meanwhile (an instance joining) waits for it: at the default 45 s a review saw the dead one's hosts
        // unattributed for 47 s and every other host 27-39 s behind; 15 s is 30 missed heartbeats
        consumer.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        Map<String, Object> producer = filtered(clientProperties, ProducerConfig.configNames(), "producer.");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 100); // Kafka Streams' setting; commits flush anyway
        producer.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000); // Kafka Streams' setting for exactly-once
        this.adminProperties = filtered(clientProperties, AdminClientConfig.configNames());
        String changelog = config.applicationId() + "-" + HostProcessor.TIMELINE_STORE + "-changelog";
        String transactionalId = config.applicationId() + "-hosts-" + processId(config);
        this.settings = new Settings(config, listener, exactlyOnce, changelog, consumer, producer, clientId, transactionalId,
                onFailure, clients, this::ensureChangelog, restorePatience(producer, consumer), unanswered);
        int n = threads(clientProperties);
        for (int i = 0; i < n; i++) {
            members.add(new Member(settings, i, stop));
        }
    }

    /**
     * How long a restore may wait on a transaction open on the changelog: one left open by a member cut off
     * from the group ends when the broker aborts it, {@code transaction.timeout.ms} after it began, at its next
     * check for timed-out transactions (every 10 s by default).
     */
    private static Duration restorePatience(Map<String, Object> producer, Map<String, Object> consumer) {
        long timeoutMs = Long.parseLong(String.valueOf(producer.get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)));
        // the restore runs inside poll(): past max.poll.interval.ms the member would be put out of the group mid-restore
        long maxPollMs = Long.parseLong(String.valueOf(consumer.getOrDefault(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 300_000)));
        return Duration.ofMillis(Math.max(10_000, Math.min(Math.max(60_000, 2 * timeoutMs + 20_000), maxPollMs - 30_000)));
    }

    public void start() {
        for (int i = 0; i < members.size(); i++) {
            Thread t = new Thread(members.get(i), settings.clientId() + "-hosts-" + i);
            t.setDaemon(false);
            threads.add(t);
            t.start();
        }
        LOG.info("direct engine started: {} member(s), {}, changelog {}", members.size(),
                settings.exactlyOnce() ? "exactly-once" : "at least once", settings.changelogTopic());
    }

    /** Whether every member has had its first assignment and restored its partitions. */
    public boolean isRunning() {
        return !closed && members.stream().allMatch(Member::hasAssignment) && members.stream().allMatch(Member::isAlive);
    }

    /** Whether every member thread is running (a failed member starts over on its own thread). */
    public boolean isAlive() {
        return !closed && members.stream().allMatch(Member::isAlive);
    }

    public String state() {
        if (closed) {
            return "CLOSED";
        }
        return isRunning() ? "RUNNING" : isAlive() ? "STARTING" : "DEAD";
    }

    /** {@link System#nanoTime()} when the first member's first assignment ended: attribution began then; empty before. */
    public java.util.OptionalLong attributingSinceNanos() {
        return members.stream().mapToLong(Member::assignedNanos).filter(t -> t != 0).min();
    }

    /** Waits until every member has had its first assignment; false on timeout. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Member m : members) {
            if (!m.awaitAssigned(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())))) {
                return false;
            }
        }
        return true;
    }

    /** Commits what was processed, leaves the group, and waits up to {@code timeout} for the members. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    public void close(Duration timeout) {
        closed = true;
        members.forEach(Member::close);
        stop.countDown();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                LOG.warn("direct engine thread {} did not stop within {}", t.getName(), timeout);
            }
        }
    }

    /** The changelog topic, when a member is assigned partitions and it was not created up front. */
    private synchronized void ensureChangelog(int partitions) {
        if (changelogChecked) {
            return;
        }
        try (Admin admin = Admin.create(adminProperties)) {
            Map<String, org.apache.kafka.clients.admin.TopicDescription> found;
            try {
                found = admin.describeTopics(List.of(settings.changelogTopic())).allTopicNames().get(30, TimeUnit.SECONDS);
                int has = found.get(settings.changelogTopic()).partitions().size();
                if (has != partitions) {
                    throw new IllegalStateException("the changelog " + settings.changelogTopic() + " has " + has
                            + " partitions, the inputs " + partitions + "; the analyzer's state cannot follow the inputs' "
                            + "partitions (start on a new --application-id)");
                }
            } catch (ExecutionException e) {
                admin.createTopics(List.of(changelogTopic(settings.changelogTopic(), partitions, Optional.empty())))
                        .all().get(30, TimeUnit.SECONDS);
                LOG.info("created the changelog {} with {} partitions", settings.changelogTopic(), partitions);
            }
            changelogChecked = true;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the changelog " + settings.changelogTopic() + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
            changelogChecked = true;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer about " + settings.changelogTopic() + " within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The changelog of the hosts' timelines: compacted, one partition per input partition. */
    public static NewTopic changelogTopic(String name, int partitions, Optional<Short> replicationFactor) {
        return new NewTopic(name, Optional.of(partitions), replicationFactor)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    public static String changelogTopic(AnalyzerConfig config) {
        return config.applicationId() + "-" + HostProcessor.TIMELINE_STORE + "-changelog";
    }

    private static int threads(Map<String, ?> clientProperties) {
        Object n = clientProperties.get("num.stream.threads");
        if (n == null) {
            return 1;
        }
        int threads = Integer.parseInt(n.toString().trim());
        if (threads < 1) {
            throw new IllegalArgumentException("num.stream.threads must be at least 1, was " + threads);
        }
        return threads;
    }

    private static Map<String, Object> filtered(Map<String, ?> properties, Set<String> known, String... prefixes) {
        Map<String, Object> out = new HashMap<>();
        properties.forEach((k, v) -> {
            if (known.contains(k)) {
                out.put(k, v);
            }
        });
        properties.forEach((k, v) -> {
            for (String prefix : prefixes) {
                if (k.startsWith(prefix) && known.contains(k.substring(prefix.length()))) {
                    out.put(k.substring(prefix.length()), v);
                }
            }
        });
        return out;
    }

    /**
     * A stable id of this analyzer's state directory, in its transactional ids: a restarted analyzer
     * fences its previous self and aborts what that left open at once, instead of readers waiting for
     * the transaction timeout. Kafka Streams keeps its process id the same way.
     */
    private static String processId(AnalyzerConfig config) {
        Path file = config.stateDir().resolve(config.applicationId() + ".direct-process-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            Files.createDirectories(config.stateDir());
            String id = UUID.randomUUID().toString();
            Files.writeString(file, id, StandardCharsets.UTF_8);
            return id;
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot keep a process id in {} ({}); a restart waits for the previous transactions to time out", file,
                    e.getMessage());
            return UUID.randomUUID().toString();
        }
    }
}
