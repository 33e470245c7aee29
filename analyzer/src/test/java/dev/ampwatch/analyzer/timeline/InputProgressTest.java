package dev.ampwatch.analyzer.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import org.junit.jupiter.api.Test;

class InputProgressTest {
    static final long GRACE = 2_000_000;
    static final long IDLE_US = 30_000_000;
    static final long IDLE_MS = 30_000;

    final HostState state = HostState.newBuilder().setHost("h").setDevices(new HashMap<>()).setRuns(new ArrayList<>())
            .setRunProgressUs(new HashMap<>()).build();
    final InputProgress progress = new InputProgress(state, 0);

    @Test
    void nothingIsReleasedBeforeTheFirstSample() {
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 0)).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void withNoOpenRunTheSamplesAloneSetTheWatermark() {
        progress.event(event("r", 1_000_000, EventKind.RUN_STARTED), 1_000_000, 0);
        progress.event(event("r", 2_000_000, EventKind.RUN_COMPLETED), 2_000_000, 0);
        progress.sample(10_000_000, 0);
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 0)).isEqualTo(8_000_000);
    }

    @Test
    void aNewHostsSamplesWaitForItsFirstTrainingEventHoweverFarTheyRaceAhead() {
        progress.sample(1_000_000, 0);
        progress.sample(20_000_000, 0); // raced ahead of a replay's first promise, say
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 0)).isEqualTo(Long.MIN_VALUE);
        progress.sample(600_000_000, 900); // a backlog read without timestamp sync: ten minutes ahead in a second
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 900 + InputProgress.RECHECK_MS)).isEqualTo(Long.MIN_VALUE);
        progress.event(event("r", 5_000_000, EventKind.RUN_STARTED), 5_000_000, 1_000);
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 1_000)).isEqualTo(5_000_000);
    }

    @Test
    void aNewHostStopsWaitingOnlyAfterTheIdleTimeInBothClocks() {
        progress.sample(1_000_000, 0);
        progress.sample(20_000_000, 29_000);
        // 30 s in the analyzer's clock, but the samples span less than the idle time: still waiting
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 30_000 + InputProgress.RECHECK_MS)).isEqualTo(Long.MIN_VALUE);
        progress.sample(31_000_000, 30_500); // a power-agent and no trainer: both clocks say so now
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 30_500 + InputProgress.RECHECK_MS)).isEqualTo(29_000_000);
    }

    @Test
    void anOpenRunHoldsTheHostAtItsLatestEventOrHeartbeat() {
        progress.event(event("r", 1_000_000, EventKind.RUN_STARTED), 1_000_000, 0);
        progress.sample(50_000_000, 0);
        // a run's progress is a promise about what was sent: no grace on it
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 0)).isEqualTo(1_000_000);
        progress.event(event("r", 20_000_000, EventKind.PROGRESS), 20_000_000, 0);
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 0)).isEqualTo(20_000_000);
        progress.event(event("r", 21_000_000, EventKind.RUN_COMPLETED), 21_000_000, 0);
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 0)).isEqualTo(48_000_000);
    }

    @Test
    void theLeastProgressingOpenRunWins() {
        progress.event(event("a", 5_000_000, EventKind.RUN_STARTED), 5_000_000, 0);
        progress.event(event("b", 9_000_000, EventKind.RUN_STARTED), 9_000_000, 0);
        progress.sample(20_000_000, 0);
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 0)).isEqualTo(5_000_000);
    }

    @Test
    void aStragglingEventOfAnEndedRunDoesNotReopenIt() {
        progress.event(event("r", 1_000_000, EventKind.RUN_STARTED), 1_000_000, 0);
        progress.event(event("r", 9_000_000, EventKind.RUN_COMPLETED), 9_000_000, 0);
        progress.event(event("r", 8_000_000, EventKind.EPOCH_COMPLETED), 8_000_000, 0); // delivered after the end
        progress.sample(30_000_000, 0);
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 0)).isEqualTo(28_000_000);
    }

    @Test
    void aHostWidePromiseSpeaksForEveryRunUntilItsStreamEnds() {
        progress.event(event("", 4_000_000, EventKind.PROGRESS), 4_000_000, 0);
        progress.sample(30_000_000, 0);
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 0)).isEqualTo(4_000_000);
        progress.event(event("", 12_000_000, EventKind.PROGRESS), 12_000_000, 0);
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 0)).isEqualTo(12_000_000);
        progress.event(event("", 12_000_000, EventKind.STREAM_END), 12_000_000, 0);
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 0)).isEqualTo(28_000_000);
    }

    @Test
    void aSilentRunIsIdleOnlyAfterTheIdleTimeInBothClocks() {
        progress.event(event("r", 1_000_000, EventKind.RUN_STARTED), 1_000_000, 0);
        progress.sample(100_000_000, 0); // samples 99 s ahead, but no wall time has passed (a replay at full speed)
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 0)).isEqualTo(1_000_000);
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 29_999)).isEqualTo(1_000_000);
        progress.sample(100_100_000, 30_000); // the samples go on; the trainer said nothing for 30 s
        // noticed at the next look, at most InputProgress.RECHECK_MS later
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 30_000 + InputProgress.RECHECK_MS)).isEqualTo(98_100_000);
    }

    @Test
    void aRunCloseToTheSamplesIsNeverIdleHoweverLongTheWallClockRuns() {
        progress.event(event("r", 90_000_000, EventKind.PROGRESS), 90_000_000, 0);
        progress.sample(100_000_000, 0);
        assertThat(progress.watermark(GRACE, IDLE_US, IDLE_MS, 3_600_000)).isEqualTo(90_000_000);
    }

    @Test
    void idleTimeZeroNeverDeclaresAnInputIdle() {
        progress.event(event("r", 1_000_000, EventKind.RUN_STARTED), 1_000_000, 0);
        progress.sample(500_000_000, 0);
        assertThat(progress.watermark(GRACE, 0, 0, 10_000_000)).isEqualTo(1_000_000);
    }

    @Test
    void aSampleIsLateOnlyAgainstTheSamplesSeenBeforeIt() {
        progress.sample(10_000_000, 0);
        assertThat(progress.sampleBehind(8_000_000, GRACE)).isFalse();
        assertThat(progress.sampleBehind(7_999_999, GRACE)).isTrue();
    }

    static TrainingEvent event(String run, long tUs, EventKind kind) {
        return TrainingEvent.newBuilder().setRunId(run).setExperimentId("e").setHost("h")
                .setEventTime(Instant.EPOCH.plusNanos(tUs * 1000)).setKind(kind).build();
    }
}
