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
    final GraceBuffer buffer = new GraceBuffer(1_000_000);

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
    void aCommitWritesOnlyChangedSlicesAndDeletesFullyReleasedOnes() {
        buffer.add(Buffered.sample(500_000, 0, sample(500_000)));
        buffer.add(Buffered.sample(1_500_000, 1, sample(1_500_000)));
        assertThat(buffer.takeDirty()).containsOnlyKeys(0L, 1_000_000L);
        assertThat(buffer.takeDirty()).isEmpty();
        buffer.add(Buffered.sample(1_700_000, 2, sample(1_700_000)));
        buffer.releaseBefore(1_600_000);
        Map<Long, List<Buffered>> dirty = buffer.takeDirty();
        assertThat(dirty).containsOnlyKeys(1_000_000L);
        assertThat(dirty.get(1_000_000L)).extracting(Buffered::seq).containsExactly(2L); // 1.5 s was attributed
        assertThat(buffer.takeDropped()).containsExactly(0L);
    }

    @Test
    void aRestoredBufferSkipsWhatWasAttributedAndReleasesTheRest() {
        GraceBuffer restored = GraceBuffer.restore(1_000_000, Map.of(1_000_000L, List.of(
                Buffered.sample(1_200_000, 4, sample(1_200_000)), Buffered.sample(1_800_000, 5, sample(1_800_000)))), 1_500_000);
        assertThat(restored.size()).isEqualTo(1);
        assertThat(restored.releaseBefore(3_000_000)).extracting(Buffered::seq).containsExactly(5L);
        assertThat(restored.takeDropped()).containsExactly(1_000_000L);
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
