package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class UnansweredPartitionsTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final UnansweredPartitions unanswered = new UnansweredPartitions(now::get);
    private final TopicPartition samples0 = new TopicPartition("ampwatch.power-samples", 0);
    private final TopicPartition events0 = new TopicPartition("ampwatch.training-events", 0);

    /** A broker outage that began during a commit: the thread judges nothing while it waits, and its partitions count. */
    @Test
    void aThreadWaitingOnKafkaLongerThanTheBreakTimeCountsItsPartitions() {
        Object member = new Object();
        unanswered.waitingOnKafka(member, List.of(samples0, events0));
        now.addAndGet(UnansweredPartitions.WAITING_MS);
        assertThat(unanswered.count()).as("a commit as long as the break time is no outage").isZero();
        now.addAndGet(1);
        assertThat(unanswered.count()).isEqualTo(2);

        unanswered.unanswered(samples0, now.get()); // judged too, once the commit failed: counted once
        assertThat(unanswered.count()).isEqualTo(2);
        unanswered.doneWaiting(member);
        assertThat(unanswered.count()).isEqualTo(1);
        unanswered.answered(samples0);
        assertThat(unanswered.count()).isZero();
    }
}
