package dev.ampwatch.analyzer.direct;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.AnalyzerListener;
import dev.ampwatch.analyzer.streams.AnalyzerOutput;
import dev.ampwatch.analyzer.streams.DeadLetters;
import dev.ampwatch.analyzer.streams.HostStep;
import dev.ampwatch.analyzer.streams.Receiving;
import dev.ampwatch.analyzer.streams.TimelineCache;
import dev.ampwatch.schema.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of the direct engine's consumer group, on its own thread: a consumer of both inputs, a
 * transactional producer for everything the attribution writes (run energy, dead letters, the timeline
 * changelog) and the input offsets, and one {@link PartitionTask} per assigned partition.
 *
 * <p>Exactly-once is the consume-transform-produce pattern of KIP-447: outputs and changelog writes of
 * the records processed since the last commit, and the offsets after them, are one transaction, sent
 * with the consumer's group metadata so that a member fenced by a rebalance cannot commit. A crash, or
 * any error, drops the memory and the open transaction together; the member starts over from the
 * committed offsets and the restored changelog, which agree. The range assignor gives a member the same
 * partition numbers of both inputs (they are co-partitioned), as Kafka Streams' tasks do.
 */
final class Member implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Member.class);

    private final DirectEngine.Settings settings;
    private final int index;
    private final AnalyzerConfig config;
    private final AnalyzerListener listener;
    private final Topics topics;
    private final String samplesTopic;
    private final String eventsTopic;
    private final InputDecoder decoder;
    private final CountDownLatch assigned = new CountDownLatch(1);
    /** {@link System#nanoTime()} at the end of the first assignment (partitions restored); 0 before. */
    private volatile long assignedNanos;
    private final CountDownLatch stop;
    private volatile boolean closing;
    private volatile Thread thread;

    private KafkaConsumer<byte[], byte[]> consumer;
    private KafkaConsumer<byte[], byte[]> restorer;
    private KafkaConsumer<byte[], byte[]> written;
    private KafkaProducer<byte[], byte[]> producer;
    private final Map<Integer, PartitionTask> tasks = new TreeMap<>();
    private Map<Integer, PartitionTask> revoked = new HashMap<>();
    private Outputs outputs;
    /** Since when this member has been receiving without a break (its tasks' idle rules count from then). */
    private Receiving receiving;
    private boolean commitRequested;
    private long lastCommitMs;

    private final HostStep.Out out;

    Member(DirectEngine.Settings settings, int index, CountDownLatch stop) {
        this.settings = settings;
        this.index = index;
        this.config = settings.config();
        this.listener = settings.listener();
        this.topics = config.topics();
        this.samplesTopic = topics.powerSamples().name();
        this.eventsTopic = topics.trainingEvents().name();
        this.decoder = new InputDecoder(topics);
        this.out = new MemberOut(topics, listener, () -> outputs, () -> commitRequested = true);
        this.stop = stop;
    }

    /** Waits until the member has had its first assignment; false on timeout. */
    boolean awaitAssigned(long timeoutMs) throws InterruptedException {
        return assigned.await(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Whether the member has had its first assignment (its partitions restored). */
    /** {@link System#nanoTime()} when its first assignment ended (it then processes), 0 before. */
    long assignedNanos() {
        return assignedNanos;
    }

    boolean hasAssignment() {
        return assigned.getCount() == 0;
    }

    boolean isAlive() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    /** Asks the member to commit what it processed and leave the group. */
    void close() {
        closing = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (!closing) {
            try {
                generation();
            } catch (WakeupException e) {
                if (!closing) {
                    settings.onFailure().accept(e);
                }
            } catch (Throwable e) {
                if (closing) {
                    break;
                }
                LOG.error("direct engine member {} failed; it starts over from the committed offsets and state", index, e);
                settings.onFailure().accept(e);
                try {
                    // a retry backoff, cut short by close()
                    stop.await(1, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } finally {
                teardown();
            }
        }
    }

    private void generation() {
        consumer = new KafkaConsumer<>(settings.consumer(index), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        restorer = new KafkaConsumer<>(settings.restorer(index), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        written = new KafkaConsumer<>(settings.written(index), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        producer = new KafkaProducer<>(settings.producer(index), new ByteArraySerializer(), new ByteArraySerializer());
        settings.clients().accept(index, List.of(consumer, producer));
        outputs = new Outputs(producer, settings.exactlyOnce());
        receiving = receiving(consumer, Receiving.breakFor(config, Receiving.fetchMaxWaitMs(settings.consumer(index),
                org.apache.kafka.clients.consumer.ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)));
        consumer.subscribe(List.of(eventsTopic, samplesTopic), new Rebalance());
        long nowMs = System.currentTimeMillis();
        long nextTickMs = nowMs + HostStep.TICK.toMillis();
        lastCommitMs = nowMs;
        while (!closing) {
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = consumer.poll(Duration.ofMillis(Math.max(0, Math.min(100, nextTickMs - nowMs))));
            } catch (WakeupException e) {
                if (closing) {
                    break;
                }
                throw e;
            }
            if (receiving != null) {
                receiving.since(System.currentTimeMillis()); // every turn: a turn that came late (a blocked commit) is a break
            }
            enqueue(records);
            processAvailable();
            nowMs = System.currentTimeMillis();
            if (nowMs >= nextTickMs) {
                for (PartitionTask task : tasks.values()) {
                    task.step.tick(nowMs, out);
                }
                nextTickMs = nowMs + HostStep.TICK.toMillis();
            }
            // live run energy and a member that has caught up (nothing fetched, nothing waiting) commit at
            // the live interval; a backlog at the backlog interval
            boolean soon = commitRequested || records.isEmpty() && nothingBuffered();
            if (nowMs - lastCommitMs >= (soon ? config.liveCommitInterval().toMillis() : HostStep.BACKLOG_COMMIT_MS)) {
                commit();
            }
            FlowControl.apply(consumer, tasks.values(), samplesTopic, eventsTopic);
        }
        commit();
        // leaves the group (a static member stays by default): its partitions move to the other members at once
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.groupMembershipOperation(
                org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        consumer = null;
    }

    private void teardown() {
        if (outputs != null) {
            outputs.abort();
        }
        commitRequested = false;
        for (AutoCloseable c : new AutoCloseable[] {consumer, restorer, written, producer}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.debug("closing a client", e);
                }
            }
        }
        consumer = null;
        restorer = null;
        written = null;
        producer = null;
        outputs = null;
        tasks.keySet().forEach(listener::onPartitionReleased); // a failed member's partitions go to whoever takes them
        revoked.keySet().forEach(listener::onPartitionReleased);
        tasks.clear();
        revoked = new HashMap<>();
    }

    private void enqueue(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            PartitionTask task = tasks.get(tp.partition());
            if (task == null) {
                continue; // not ours any more (cannot happen with eager rebalancing)
            }
            boolean sample = tp.topic().equals(samplesTopic);
            var queue = sample ? task.samples : task.events;
            long last = queue.isEmpty() ? 0 : queue.peekLast().timestampMs();
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                PartitionTask.Fetched f = decoder.decode(sample, r, last);
                last = f.timestampMs();
                queue.addLast(f);
            }
        }
    }

    private void processAvailable() {
        for (PartitionTask task : tasks.values()) {
            OptionalLong samplesLag = consumer.currentLag(new TopicPartition(samplesTopic, task.partition));
            OptionalLong eventsLag = consumer.currentLag(new TopicPartition(eventsTopic, task.partition));
            PartitionTask.Fetched f;
            while ((f = task.next(samplesLag, eventsLag)) != null) {
                long nowMs = System.currentTimeMillis();
                if (f.error() != null) {
                    undecodable(f, task.partition);
                } else {
                    task.step.process(f.key() == null ? null : new String(f.key(), StandardCharsets.UTF_8), f.input(), nowMs, out);
                }
                task.processed(f);
            }
        }
    }

    private void undecodable(PartitionTask.Fetched f, int partition) {
        String topic = f.sample() ? samplesTopic : eventsTopic;
        LOG.warn("dead-lettering undecodable record {}-{}@{}: {}", topic, partition, f.offset(), f.error());
        send(DeadLetters.undecodable(topics.deadLetters(), topic, partition, f.offset(), f.key(), f.value(), f.error()));
        outputs.afterCommit(() -> listener.onDeadLetter(topic, AnalyzerOutput.DeadLetterKind.DESERIALIZATION.header()));
    }

    private void send(ProducerRecord<byte[], byte[]> record) {
        outputs.send(record);
    }

    private boolean nothingBuffered() {
        for (PartitionTask task : tasks.values()) {
            if (!task.samples.isEmpty() || !task.events.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes every changed timeline to the changelog and commits it with the outputs and the offsets of
     * everything processed, in one transaction (or, at least once, flushes and then commits the offsets).
     */
    private void commit() {
        boolean moved = false;
        for (PartitionTask task : tasks.values()) {
            task.timelines.writeBack();
            moved |= task.offsetsMoved;
        }
        lastCommitMs = System.currentTimeMillis();
        commitRequested = false;
        if (!moved && !outputs.pending()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        // a commit blocks up to max.block.ms when the broker does not answer: its partitions count as unanswered meanwhile
        List<TopicPartition> inputs = new ArrayList<>();
        for (PartitionTask task : tasks.values()) {
            TopicPartition samples = new TopicPartition(samplesTopic, task.partition);
            TopicPartition events = new TopicPartition(eventsTopic, task.partition);
            inputs.addAll(List.of(samples, events));
            if (task.samplesNext >= 0) {
                offsets.put(samples, new OffsetAndMetadata(task.samplesNext));
            }
            if (task.eventsNext >= 0) {
                offsets.put(events, new OffsetAndMetadata(task.eventsNext));
            }
            task.offsetsMoved = false;
        }
        settings.unanswered().waitingOnKafka(this, inputs);
        try {
            outputs.commit(offsets, consumer);
        } finally {
            settings.unanswered().doneWaiting(this);
        }
    }

    private PartitionTask newTask(int partition, TreeMap<Bytes, byte[]> restored) {
        return new PartitionTask(partition, restored, (p, key, value) ->
                send(new ProducerRecord<>(settings.changelogTopic(), p, null, key.get(), value)),
                TimelineCache.Factory.of(config), timelines -> new HostStep(config, listener, timelines, receiving == null ? null
                        : receiving.task(List.of(new TopicPartition(samplesTopic, partition), new TopicPartition(eventsTopic, partition)))));
    }

    /**
     * Since when the consumer has been receiving (Receiving), from its count of fetch responses, each task's
     * partitions from their leaders' answers; null
     * (idle rules on the plain wall clock, as before) if the client has no such metric, with a warning.
     */
    private Receiving receiving(KafkaConsumer<?, ?> consumer, long breakMs) {
        Receiving r = Receiving.of(consumer, breakMs, settings.unanswered());
        if (r == null) {
            LOG.warn("direct engine member {}: its consumer has no fetch-total metric; idle and quiet times count broker "
                    + "outages too", index);
        }
        return r;
    }

    /** Commits before partitions move, restores (or keeps) the tasks of the partitions assigned. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            commit(); // still in the old generation: the offsets are accepted
            // eager assignment revokes everything; what comes back in this same rebalance is still exact
            revoked = new HashMap<>(tasks);
            tasks.values().forEach(PartitionTask::clearQueues);
            tasks.clear();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Set<Integer> events = new HashSet<>();
            Set<Integer> samples = new HashSet<>();
            for (TopicPartition tp : partitions) {
                (tp.topic().equals(samplesTopic) ? samples : events).add(tp.partition());
            }
            if (!events.equals(samples)) {
                throw new IllegalStateException("the assignment " + partitions + " does not give this member the same "
                        + "partitions of " + eventsTopic + " and " + samplesTopic + "; are both inputs co-partitioned?");
            }
            if (!samples.isEmpty()) {
                settings.ensureChangelog().accept(consumer.partitionsFor(samplesTopic).size());
            }
            Set<Integer> fresh = new HashSet<>(samples);
            fresh.removeAll(revoked.keySet());
            ChangelogRestorer.awaitStableOffsets(consumer, List.of(samplesTopic, eventsTopic), fresh);
            Map<Integer, TreeMap<Bytes, byte[]>> restored = ChangelogRestorer.restore(restorer, written, settings.changelogTopic(), fresh,
                    settings.restorePatience());
            for (int p : samples) {
                PartitionTask kept = revoked.remove(p);
                tasks.put(p, kept != null ? kept : newTask(p, restored.get(p)));
            }
            revoked.keySet().forEach(listener::onPartitionReleased); // moved to another member: its hosts' series go here
            revoked = new HashMap<>();
            samples.forEach(listener::onPartitionAssigned);
            LOG.info("direct engine member {} has partitions {}", index, samples);
            if (assignedNanos == 0) {
                assignedNanos = System.nanoTime();
            }
            assigned.countDown();
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            outputs.abort();
            tasks.keySet().forEach(listener::onPartitionReleased);
            revoked.keySet().forEach(listener::onPartitionReleased);
            tasks.clear();
            revoked = new HashMap<>();
        }
    }
}
