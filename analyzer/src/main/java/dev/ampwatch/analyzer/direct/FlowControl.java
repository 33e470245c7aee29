package dev.ampwatch.analyzer.direct;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A member's back-pressure: an input partition holding more than {@link FlowControl#MAX_BUFFERED} fetched records
 * in its task's queue is paused; it is resumed once the queue is down to half.
 */
final class FlowControl {
    /** Records fetched per input partition beyond which it is paused (Kafka Streams' buffered.records.per.partition). */
    static final int MAX_BUFFERED = 1000;

    private FlowControl() {}

    static void apply(Consumer<?, ?> consumer, Collection<PartitionTask> tasks, String samplesTopic, String eventsTopic) {
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        Set<TopicPartition> paused = consumer.paused();
        for (PartitionTask task : tasks) {
            check(new TopicPartition(samplesTopic, task.partition), task.samples.size(), paused, pause, resume);
            check(new TopicPartition(eventsTopic, task.partition), task.events.size(), paused, pause, resume);
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }

    private static void check(TopicPartition tp, int buffered, Set<TopicPartition> paused, List<TopicPartition> pause,
                              List<TopicPartition> resume) {
        boolean isPaused = paused.contains(tp);
        if (!isPaused && buffered > MAX_BUFFERED) {
            pause.add(tp);
        } else if (isPaused && buffered <= MAX_BUFFERED / 2) {
            resume.add(tp);
        }
    }
}
