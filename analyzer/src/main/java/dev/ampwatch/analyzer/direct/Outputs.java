package dev.ampwatch.analyzer.direct;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a member writes between two commits, and the commit: under exactly-once one transaction holding
 * the outputs, the changelog writes and the input offsets (sent with the consumer's group metadata, so a
 * fenced member cannot commit); at least once, a flush and then the offsets. The listener is told what was
 * written only once it is committed: told at once, a transaction that aborts and is processed again would
 * count its dead letters twice. Not thread-safe; one per member generation.
 */
final class Outputs {
    private static final Logger LOG = LoggerFactory.getLogger(Outputs.class);

    private final Producer<byte[], byte[]> producer;
    private final boolean exactlyOnce;
    private final List<Runnable> afterCommit = new ArrayList<>();
    private boolean inTransaction;

    Outputs(Producer<byte[], byte[]> producer, boolean exactlyOnce) {
        this.producer = producer;
        this.exactlyOnce = exactlyOnce;
        if (exactlyOnce) {
            producer.initTransactions(); // fences this member's previous incarnation, aborting what it left open
        }
    }

    void send(ProducerRecord<byte[], byte[]> record) {
        if (exactlyOnce && !inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
        }
        producer.send(record);
    }

    /** Runs {@code tell} once what was sent so far is committed; never if it aborts. */
    void afterCommit(Runnable tell) {
        afterCommit.add(tell);
    }

    /** Whether anything was sent or waits to be told since the last commit. */
    boolean pending() {
        return inTransaction || !afterCommit.isEmpty();
    }

    void commit(Map<TopicPartition, OffsetAndMetadata> offsets, Consumer<?, ?> consumer) {
        if (exactlyOnce) {
            if (!inTransaction) {
                producer.beginTransaction();
                inTransaction = true;
            }
            if (!offsets.isEmpty()) {
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            }
            producer.commitTransaction();
            inTransaction = false;
        } else {
            producer.flush();
            if (!offsets.isEmpty()) {
                consumer.commitSync(offsets);
            }
        }
        afterCommit.forEach(Runnable::run);
        afterCommit.clear();
    }

    /** Drops what was not committed: it is processed again from the committed offsets, and told then. */
    void abort() {
        if (inTransaction) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException e) {
                LOG.debug("abort", e);
            }
        }
        inTransaction = false;
        afterCommit.clear();
    }
}
