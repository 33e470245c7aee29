package dev.ampwatch.analyzer.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.schema.Component;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.SourceType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraceBufferTest {
    final GraceBuffer buffer = new GraceBuffer();

    @Test
    void releasesInEventTimeOrderEventsFirstThenByArrival() {
        buffer.add(Buffered.sample(2_500_000, 0, sample(2_500_000)));
        buffer.add(Buffered.sample(1_000_000, 1, sample(1_000_000)));
        buffer.add(Buffered.event(1_000_000, 2, 0, InputProgressTest.event("r", 1_000_000, EventKind.RUN_STARTED)));
        buffer.add(Buffered.sample(1_000_000, 3, sample(1_000_000)));
        List<Buffered> out = buffer.releaseBefore(2_500_000);
        assertThat(out).extracting(Buffered::seq).containsExactly(2L, 1L, 3L);
        assertThat(buffer.size()).isEqualTo(1);
        assertThat(buffer.releaseBefore(2_500_001)).extracting(Buffered::seq).containsExactly(0L);
    }

    @Test
    void aCommitWritesEachPendingRecordOnceAndDeletesChunksOnceAllTheirRecordsAreReleased() {
        buffer.add(Buffered.sample(500_000, 0, sample(500_000)));
        buffer.add(Buffered.sample(1_500_000, 1, sample(1_500_000)));
        GraceBuffer.Chunk first = buffer.takeUnwritten();
        assertThat(first.seq()).isZero();
        assertThat(first.records()).extracting(Buffered::seq).containsExactly(0L, 1L);
        assertThat(buffer.takeUnwritten()).isNull(); // nothing new: nothing to write
        buffer.add(Buffered.sample(1_700_000, 2, sample(1_700_000)));
        buffer.add(Buffered.sample(900_000, 3, sample(900_000)));
        buffer.releaseBefore(1_000_000);
        assertThat(buffer.takeDropped()).isEmpty(); // chunk 0 still holds 1.5 s
        GraceBuffer.Chunk second = buffer.takeUnwritten();
        assertThat(second.seq()).isEqualTo(1);
        assertThat(second.records()).extracting(Buffered::seq).containsExactly(2L); // 0.9 s was attributed before it was written
        buffer.releaseBefore(1_600_000);
        assertThat(buffer.takeDropped()).containsExactly(0L);
        buffer.releaseBefore(1_700_001);
        assertThat(buffer.takeDropped()).containsExactly(1L);
        assertThat(buffer.isEmpty()).isTrue();
    }

    @Test
    void aRestoredBufferSkipsWhatWasAttributedReleasesTheRestAndGoesOnNumberingChunks() {
        GraceBuffer restored = GraceBuffer.restore(Map.of(
                3L, List.of(Buffered.sample(1_200_000, 4, sample(1_200_000)), Buffered.sample(1_800_000, 5, sample(1_800_000))),
                2L, List.of(Buffered.sample(1_100_000, 3, sample(1_100_000)))), 1_500_000);
        assertThat(restored.size()).isEqualTo(1);
        assertThat(restored.takeDropped()).containsExactly(2L); // all of it attributed before the stop
        restored.add(Buffered.sample(2_000_000, 6, sample(2_000_000)));
        assertThat(restored.takeUnwritten().seq()).isEqualTo(4);
        assertThat(restored.releaseBefore(3_000_000)).extracting(Buffered::seq).containsExactly(5L, 6L);
        assertThat(restored.takeDropped()).containsExactly(3L, 4L);
    }

    @Test
    void theStoredFormDecodesToTheSameRecord() {
        Buffered b = Buffered.event(7, 3, 2, InputProgressTest.event("r", 5, EventKind.EPOCH_STARTED));
        Buffered back = Buffered.decode(7, true, false, 3, 2, b.payload());
        assertThat(back.event()).isEqualTo(b.event());
        assertThat(back.movedUs()).isEqualTo(2);
        assertThat(back.compareTo(b)).isZero();
    }

    static PowerSample sample(long tUs) {
        return PowerSample.newBuilder().setHost("h").setSource(SourceType.RAPL).setComponent(Component.CPU_PACKAGE)
                .setDevice("package-0").setEventTime(Instant.EPOCH.plusNanos(tUs * 1000)).setPowerWatts(10.0).build();
    }
}
