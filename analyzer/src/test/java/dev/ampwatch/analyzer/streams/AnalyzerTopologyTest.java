package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The topology attributes power to runs and epochs by event time, whatever order the records come in. */
class AnalyzerTopologyTest extends TopologyDriverFixture {
    @Test
    void integratesALinearPowerRampExactlyAndSplitsItAtEpochBoundaries() {
        // p(t) = 10 + 2t W, sampled every second; the run is [5.5 s, 15.5 s), epochs split at 10.5 s
        for (int s = 0; s <= 5; s++) {
            sample(s, 10 + 2.0 * s);
        }
        event("r1", 5.5, EventKind.RUN_STARTED, null);
        event("r1", 5.5, EventKind.EPOCH_STARTED, 1);
        for (int s = 6; s <= 10; s++) {
            sample(s, 10 + 2.0 * s);
        }
        event("r1", 10.5, EventKind.EPOCH_COMPLETED, 1);
        event("r1", 10.5, EventKind.EPOCH_STARTED, 2);
        for (int s = 11; s <= 15; s++) {
            sample(s, 10 + 2.0 * s);
        }
        event("r1", 15.5, EventKind.EPOCH_COMPLETED, 2);
        event("r1", 15.5, EventKind.RUN_COMPLETED, null);
        for (int s = 16; s <= 20; s++) {
            sample(s, 10 + 2.0 * s);
        }

        RunEnergy last = finalRecord();
        assertThat(last.getStatus()).isEqualTo(RunStatus.COMPLETED);
        assertThat(last.getEnergyJoules()).isCloseTo(310.0, within(1e-9));
        assertThat(last.getEpochs()).hasSize(2);
        assertThat(last.getEpochs().get(0).getEnergyJoules()).isCloseTo(130.0, within(1e-9));
        assertThat(last.getEpochs().get(1).getEnergyJoules()).isCloseTo(180.0, within(1e-9));
        assertThat(last.getDurationSeconds()).isCloseTo(10.0, within(1e-9));
        assertThat(last.getQuality().getEstimated()).isTrue();
        // idle baseline when the run was finalized (attributed up to 16 s): [0, 5] holds 75 J; the readings [5, 6]
        // and [15, 16] span the run's start and end (their line is the run's power too), so they are not idle
        double idle = 75.0 / 5;
        assertThat(last.getComponents().get(0).getIdlePowerWatts()).isCloseTo(idle, within(1e-9));
        assertThat(last.getNetEnergyJoules()).isCloseTo(310.0 - idle * 10, within(1e-9));
        assertThat(last.getCo2eGrams()).isCloseTo(310.0 / 3.6e6 * 400, within(1e-12));
    }

    @Test
    void aStartEventThatArrivesAfterLaterSamplesStillGetsThemWithinTheGrace() {
        sample(0, 100);
        sample(1, 100);
        sample(2, 100);
        event("r2", 0.0, EventKind.RUN_STARTED, null); // arrives after samples up to 2 s; grace is 2 s
        for (int s = 3; s <= 6; s++) {
            sample(s, 100);
        }
        event("r2", 5.0, EventKind.RUN_COMPLETED, null); // stream time 6 s: still within the grace
        for (int s = 7; s <= 12; s++) {
            sample(s, 100);
        }
        RunEnergy result = finalRecord();
        assertThat(result.getEnergyJoules()).isCloseTo(500.0, within(1e-9));
        assertThat(result.getQuality().getLateSamples()).isZero();
    }

    @Test
    void anOpenRunHoldsItsHostBackSoItsEndIsExactHoweverFarTheSamplesRanAhead() {
        event("r5", 0.0, EventKind.RUN_STARTED, null);
        for (int s = 0; s <= 8; s++) {
            sample(s, 100);
        }
        event("r5", 5.0, EventKind.RUN_COMPLETED, null); // the samples are 3 s (beyond the grace) ahead
        for (int s = 9; s <= 14; s++) {
            sample(s, 100);
        }
        RunEnergy result = finalRecord();
        assertThat(result.getEndTime()).isEqualTo(T0.plusSeconds(5));
        assertThat(result.getEnergyJoules()).isCloseTo(500.0, within(1e-9));
        assertThat(result.getQuality().getLateEvents()).isZero();
        assertThat(result.getQuality().getBoundariesMoved()).isFalse();
        assertThat(dead.readRecordsToList()).isEmpty();
    }

    @Test
    void aRunEndThatArrivesAfterItsTrainerWasDeclaredIdleEndsTheRunMovedAndFlagged() {
        event("r5", 0.0, EventKind.RUN_STARTED, null);
        for (int s = 0; s <= 40; s++) {
            sample(s, 100);
        }
        // nothing from the trainer for the idle time (20 s) while the samples moved 40 s past its last
        // word: it no longer holds the host back, and [0, 38) is attributed to the run
        driver.advanceWallClockTime(Duration.ofSeconds(21));
        event("r5", 5.0, EventKind.RUN_COMPLETED, null); // 33 s late
        for (int s = 41; s <= 55; s++) {
            sample(s, 100);
        }
        RunEnergy result = finalRecord();
        assertThat(result.getEndTime()).isEqualTo(T0.plusSeconds(38));
        assertThat(result.getEnergyJoules()).isCloseTo(3800.0, within(1e-9));
        assertThat(result.getQuality().getLateEvents()).isEqualTo(1);
        assertThat(result.getQuality().getBoundaryShiftSeconds()).isCloseTo(33.0, within(1e-9));
        assertThat(result.getQuality().getBoundariesMoved()).isTrue();
    }

    @Test
    void aHostThatFallsSilentIsFlushedAfterTheQuietTimeAndItsEndedRunFinalized() {
        event("r7", 0.0, EventKind.RUN_STARTED, null);
        for (int s = 0; s <= 5; s++) {
            sample(s, 20);
        }
        event("r7", 5.0, EventKind.RUN_COMPLETED, null); // and then the agents stop
        assertThat(energy.readValuesToList()).noneMatch(RunEnergy::getIsFinal);

        driver.advanceWallClockTime(Duration.ofSeconds(31));

        RunEnergy result = finalRecord();
        assertThat(result.getEnergyJoules()).isCloseTo(100.0, within(1e-9));
        assertThat(result.getEndTime()).isEqualTo(T0.plusSeconds(5));
    }
}
