package dev.ampwatch.analyzer.direct;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;

/** Reads the timelines' changelog back into memory when a member is assigned partitions. */
final class ChangelogRestorer {
    private ChangelogRestorer() {}

    /**
     * The changelog partitions from their start to their last committed write (the consumer reads
     * committed: its end offsets are the last stable ones), all at once; an empty one costs nothing more
     * than the offsets asked for them all together. {@code restorer} is left with no assignment.
     */
    static Map<Integer, TreeMap<Bytes, byte[]>> restore(Consumer<byte[], byte[]> restorer, String changelog, Set<Integer> partitions) {
        Map<Integer, TreeMap<Bytes, byte[]>> state = new HashMap<>();
        List<TopicPartition> tps = new ArrayList<>();
        for (int p : partitions) {
            state.put(p, new TreeMap<>());
            tps.add(new TopicPartition(changelog, p));
        }
        if (tps.isEmpty()) {
            return state;
        }
        Map<TopicPartition, Long> begin = restorer.beginningOffsets(tps);
        Map<TopicPartition, Long> end = restorer.endOffsets(tps);
        List<TopicPartition> toRead = tps.stream().filter(tp -> end.get(tp) > begin.get(tp)).toList();
        if (toRead.isEmpty()) {
            return state;
        }
        restorer.assign(toRead);
        restorer.seekToBeginning(toRead);
        while (toRead.stream().anyMatch(tp -> restorer.position(tp) < end.get(tp))) {
            for (ConsumerRecord<byte[], byte[]> r : restorer.poll(Duration.ofMillis(100))) {
                TreeMap<Bytes, byte[]> map = state.get(r.partition());
                if (r.value() == null) {
                    map.remove(Bytes.wrap(r.key()));
                } else {
                    map.put(Bytes.wrap(r.key()), r.value());
                }
            }
        }
        restorer.assign(List.of());
        return state;
    }
}
