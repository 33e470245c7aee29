package dev.ampwatch.analyzer.timeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.TrainingEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A host's timeline gives the same final record whatever steps its watermark took: runs are finalized
 * on the records they are complete with, so the idle baseline in net energy does not depend on how much
 * idle time happened to be attributed in the same step.
 */
class HostTimelineTest {
    static final AnalyzerConfig CONFIG = AnalyzerConfig.defaults();

    @Test
    void theFinalRecordIsTheSameForOneBigStepAndManySmallOnes() {
        RunEnergy oneStep = run(false);
        RunEnergy manySteps = run(true);
        assertThat(oneStep).isEqualTo(manySteps);
        // idle before the run: 19 s at 50 W; the reading interval [19, 20] touches the run's start (its line carries
        // the run's power: not idle), and the 60 W after the run must not leak into the baseline of a run complete at 40 s
        double idle = 50.0;
        assertThat(oneStep.getComponents().get(0).getIdlePowerWatts()).isCloseTo(idle, within(1e-12));
        double gross = 19 * 100.0 + 80.0; // the last second ramps down to 60 W
        assertThat(oneStep.getEnergyJoules()).isCloseTo(gross, within(1e-9));
        assertThat(oneStep.getNetEnergyJoules()).isCloseTo(gross - 20 * idle, within(1e-9));
    }

    /**
     * A run that starts before {@code --min-idle} of idle was seen on its host has net = gross, and says so
     * ({@code quality.no_idle_baseline}); the next run, with a baseline, says nothing (a review, 2026-12-02: the
     * statistics averaged such runs' gross into net energy).
     */
    @Test
    void aRunBeforeTheIdleBaselineSaysItsNetIsItsGross() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        for (int s = 0; s <= 80; s++) {
            if (s == 2 || s == 40) {
                t.accept(event("r" + s, s, EventKind.RUN_STARTED, null), 500);
            } else if (s == 12 || s == 50) {
                t.accept(event("r" + (s - 10), s, EventKind.RUN_COMPLETED, null), 500);
            }
            PowerSample p = GraceBufferTest.sample(s * 1_000_000L);
            p.setPowerWatts(s >= 2 && s < 12 || s >= 40 && s < 50 ? 100.0 : 50.0);
            t.accept(p, 500);
            out.addAll(t.advance(500).energy());
        }
        RunEnergy first = out.stream().filter(r -> r.getIsFinal() && r.getRunId().equals("r2")).findFirst().orElseThrow();
        RunEnergy second = out.stream().filter(r -> r.getIsFinal() && r.getRunId().equals("r40")).findFirst().orElseThrow();
        assertThat(first.getComponents().get(0).getIdlePowerWatts()).isNull(); // 2 s of idle: under the default 5 s
        assertThat(first.getNetEnergyJoules()).isEqualTo(first.getEnergyJoules());
        assertThat(first.getQuality().getNoIdleBaseline()).containsExactly("CPU_PACKAGE/package-0");
        assertThat(second.getComponents().get(0).getIdlePowerWatts()).isNotNull();
        assertThat(second.getNetEnergyJoules()).isLessThan(second.getEnergyJoules());
        assertThat(second.getQuality().getNoIdleBaseline()).isEmpty();
    }

    /**
     * Six identical runs of 10 s at 100 W, 2 s apart, idle exactly 20 W, a reading every second (a review's trace,
     * 2026-12-03): the reading intervals across a run's start and end carry the run's power and are not idle, so every
     * run's baseline is 20 W and its net the paper's ∫P dt − 20 W × 10 s. Before, the interval after each end fed the
     * idle mean, which never forgets: baselines 22.1 to 26.6 W, net energy falling 2.7 to 8.5 % over identical runs.
     * Counters the same (their difference across an end is the run's power too).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void theReadingsAcrossARunsStartAndEndAreNotIdle(boolean counter) {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        long[][] runs = new long[6][];
        long startUs = 10_300_000L;
        for (int i = 0; i < runs.length; i++) {
            runs[i] = new long[] {startUs, startUs + 10_000_000L};
            t.accept(InputProgressTest.event("r" + i, runs[i][0], EventKind.RUN_STARTED), 0);
            t.accept(InputProgressTest.event("r" + i, runs[i][1], EventKind.RUN_COMPLETED), 0);
            startUs += 12_000_000L;
        }
        List<RunEnergy> out = new ArrayList<>();
        double energyUj = 0;
        for (int s = 0; s <= 90; s++) {
            long tUs = s * 1_000_000L;
            boolean inRun = java.util.Arrays.stream(runs).anyMatch(r -> r[0] <= tUs && tUs < r[1]);
            PowerSample p = GraceBufferTest.sample(tUs);
            if (counter) { // a counter's second before tUs at this power (readings mark the changes, as the power's did)
                p.setPowerWatts(null);
                p.setEnergyUj((long) energyUj);
                energyUj += (inRun ? 100.0 : 20.0) * 1e6;
            } else {
                p.setPowerWatts(inRun ? 100.0 : 20.0);
            }
            t.accept(p, 0);
        }
        t.accept(event("", 90, EventKind.STREAM_END, null), 0);
        out.addAll(t.advance(0).energy());
        List<RunEnergy> finals = out.stream().filter(RunEnergy::getIsFinal).toList();
        assertThat(finals).hasSize(6);
        for (RunEnergy r : finals) {
            assertThat(r.getComponents().get(0).getIdlePowerWatts()).as(r.getRunId()).isCloseTo(20.0, within(1e-12));
            assertThat(r.getNetEnergyJoules()).as(r.getRunId()).isCloseTo(r.getEnergyJoules() - 20.0 * 10, within(1e-9));
            if (!counter) { // the ramps into [10.3, 11] and out of [20, 20.3]: 50.4 + 900 + 26.4 J
                assertThat(r.getEnergyJoules()).as(r.getRunId()).isCloseTo(976.8, within(1e-9));
            }
        }
    }

    /**
     * 4.8 s of idle before a run, readings every 0.5 s: under the default 5 s of {@code --min-idle}, so no baseline,
     * whatever idle comes after the run's end (a review: the 0.2 s after the end made it 5.0 s, a baseline of 41.56 W).
     */
    @Test
    void idleAfterARunsEndDoesNotMakeItsBaseline() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        t.accept(InputProgressTest.event("r", 4_800_000L, EventKind.RUN_STARTED), 0);
        t.accept(InputProgressTest.event("r", 14_800_000L, EventKind.RUN_COMPLETED), 0);
        for (int i = 0; i <= 60; i++) {
            long tUs = i * 500_000L;
            PowerSample p = GraceBufferTest.sample(tUs);
            p.setPowerWatts(tUs >= 4_800_000L && tUs < 14_800_000L ? 100.0 : 40.0);
            t.accept(p, 0);
        }
        t.accept(event("", 30, EventKind.STREAM_END, null), 0);
        RunEnergy r = t.advance(0).energy().stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
        assertThat(r.getComponents().get(0).getIdlePowerWatts()).isNull();
        assertThat(r.getQuality().getNoIdleBaseline()).containsExactly("CPU_PACKAGE/package-0");
        assertThat(r.getNetEnergyJoules()).isEqualTo(r.getEnergyJoules());
    }

    /**
     * A run that starts before its host's first reading (the power-agent started after the trainer) has nothing
     * integrated before that reading: that head is a gap, as a tail after a device's last reading is (a review: a run
     * of 19 s at 50 W reported 845 J, 0 gaps, nothing said).
     */
    @Test
    void aRunThatStartsBeforeItsHostsFirstReadingSaysSoAsAGap() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        t.accept(InputProgressTest.event("r", 1_000_000L, EventKind.RUN_STARTED), 0);
        t.accept(InputProgressTest.event("r", 20_000_000L, EventKind.RUN_COMPLETED), 0);
        for (int s = 3; s <= 25; s++) {
            PowerSample p = GraceBufferTest.sample(s * 1_000_000L);
            p.setPowerWatts(50.0);
            t.accept(p, 0);
        }
        t.accept(event("", 25, EventKind.STREAM_END, null), 0);
        RunEnergy r = t.advance(0).energy().stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
        assertThat(r.getEnergyJoules()).isCloseTo(17 * 50.0, within(1e-9));
        assertThat(r.getQuality().getGaps()).isEqualTo(1);
        assertThat(r.getQuality().getGapSeconds()).isCloseTo(2.0, within(1e-9));
    }

    @Test
    void samplesThatRaceFarAheadOfANewHostsFirstEventChangeNothing() {
        RunEnergy inOrder = raced(false);
        RunEnergy samplesFirst = raced(true);
        assertThat(samplesFirst).isEqualTo(inOrder);
        assertThat(samplesFirst.getEnergyJoules()).isCloseTo(19 * 100.0 + 75.0, within(1e-9)); // [39, 40] ramps to 50 W
        assertThat(samplesFirst.getQuality().getLateEvents()).isZero();
    }

    /** A trainer's run [20 s, 40 s) at 100 W with 1 s heartbeats; 120 s of samples read all before or interleaved. */
    private static RunEnergy raced(boolean samplesFirst) {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        List<java.util.function.LongConsumer> events = new ArrayList<>(); // each takes the analyzer's clock
        events.add(now -> t.accept(event("r", 20, EventKind.RUN_STARTED, null), now));
        for (int s = 21; s < 40; s++) {
            int at = s;
            events.add(now -> t.accept(event("r", at, EventKind.PROGRESS, null), now));
        }
        events.add(now -> t.accept(event("r", 40, EventKind.RUN_COMPLETED, null), now));
        for (int s = 0; s <= 120; s++) {
            long nowMs = 500 + s * 4L; // all within the first second of the analyzer's clock
            if (!samplesFirst && s >= 20 && s - 20 < events.size()) {
                events.get(s - 20).accept(nowMs);
            }
            PowerSample p = GraceBufferTest.sample(s * 1_000_000L);
            p.setPowerWatts(s >= 20 && s < 40 ? 100.0 : 50.0);
            t.accept(p, nowMs);
            out.addAll(t.advance(nowMs).energy());
        }
        if (samplesFirst) {
            events.forEach(e -> {
                e.accept(990);
                out.addAll(t.advance(990).energy());
            });
        }
        return out.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
    }

    @Test
    void anEpochWhoseStartWasLostStartsWhereThePreviousEnded() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        t.accept(event("r", 0, EventKind.RUN_STARTED, null), 0);
        t.accept(event("r", 0, EventKind.EPOCH_STARTED, 1), 0);
        t.accept(event("r", 10, EventKind.EPOCH_COMPLETED, 1), 0);
        t.accept(event("r", 20, EventKind.EPOCH_COMPLETED, 2), 0); // its EPOCH_STARTED never came
        t.accept(event("r", 20, EventKind.RUN_COMPLETED, null), 0);
        for (int s = 0; s <= 30; s++) {
            t.accept(GraceBufferTest.sample(s * 1_000_000L), 0);
            out.addAll(t.advance(0).energy());
        }
        RunEnergy last = out.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
        assertThat(last.getEpochs()).hasSize(2);
        assertThat(last.getEpochs().get(1).getStartTime()).isEqualTo(InputProgressTest.event("r", 10_000_000, EventKind.PROGRESS)
                .getEventTime());
        assertThat(last.getEpochs().get(1).getEnergyJoules()).isEqualTo(100.0);
    }

    @Test
    void aHostCatchingUpABacklogThinsItsRunningTotalsAndSendsTheHeldOneWhenTheClockAllows() {
        long now = 10L * 24 * 3600 * 1000; // the analyzer's clock: days after the backlog's event times
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), now);
        List<RunEnergy> out = new ArrayList<>();
        t.accept(event("r", 0, EventKind.RUN_STARTED, null), now);
        for (int s = 0; s <= 60; s++) {
            t.accept(event("r", s, EventKind.PROGRESS, null), now);
            t.accept(GraceBufferTest.sample(s * 1_000_000L), now);
            out.addAll(t.advance(now).energy());
        }
        assertThat(out).hasSize(1); // once per emit interval of the analyzer's clock, not of the backlog's
        long interval = CONFIG.emitInterval().toMillis();
        assertThat(t.heldRunningTotals(now + interval - 1).energy()).isEmpty();
        List<RunEnergy> held = t.heldRunningTotals(now + interval).energy();
        assertThat(held).hasSize(1);
        assertThat(held.get(0).getAttributedUntil()).isEqualTo(InputProgressTest.event("r", 58_000_000, EventKind.PROGRESS)
                .getEventTime());
    }

    /**
     * A delivery stall longer than the quiet flush right after a run's end (found by a determinism review:
     * 40 s of stall in a replay): the flush finalizes the ended run without its device's reading after the
     * end, which arrives later and straddles that end. The run still open must get exactly its own half of
     * that interval, as without the stall, not the ended run's half too; the ended run's loss shows as a gap.
     */
    @Test
    void aRunStillOpenGetsExactlyItsShareWhenAStallOutlastsTheQuietFlush() {
        RunEnergy[] steady = stalled(false);
        RunEnergy[] stalled = stalled(true);
        double open = 100 * 5 + 50 * 20 + 100 * 30.0; // b [5, 60) shares [10, 30) with a; 100 W throughout
        assertThat(steady[1].getEnergyJoules()).isCloseTo(open, within(1e-9));
        assertThat(stalled[1].getEnergyJoules()).isCloseTo(open, within(1e-9)); // 4,550 J before: a's half of [29, 30]
        assertThat(stalled[1].getNetEnergyJoules()).isCloseTo(steady[1].getNetEnergyJoules(), within(1e-9));
        assertThat(stalled[1].getQuality().getGaps()).isZero();
        assertThat(steady[0].getEnergyJoules()).isCloseTo(50 * 20.0, within(1e-9));
        assertThat(stalled[0].getEnergyJoules()).isCloseTo(50 * 19.0, within(1e-9)); // [29, 30] never came in time
        assertThat(stalled[0].getQuality().getGaps()).isEqualTo(1);
        assertThat(stalled[0].getQuality().getGapSeconds()).isCloseTo(1.0, within(1e-12));
    }

    /** Runs a [10 s, 30 s) and b [5 s, 60 s) sharing the CPU package at 100 W; with the stall, nothing arrives after a's end for longer than the quiet flush. */
    private static RunEnergy[] stalled(boolean stall) {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        long now = 0;
        for (int s = 0; s <= 65; s++) { // samples past b's end by more than the grace
            if (s == 5) {
                t.accept(event("b", 5, EventKind.RUN_STARTED, null), now);
            } else if (s == 10) {
                t.accept(event("a", 10, EventKind.RUN_STARTED, null), now);
            } else if (s == 30) {
                t.accept(event("a", 30, EventKind.RUN_COMPLETED, null), now);
                if (stall) {
                    now += CONFIG.timeline().quietFlush().toMillis() + 1;
                    out.addAll(t.flushIfQuiet(now).energy());
                    assertThat(out).filteredOn(RunEnergy::getIsFinal).extracting(RunEnergy::getRunId).containsExactly("a");
                    assertThat(t.state().getFlushedRuns()).hasSize(1);
                }
            } else if (s == 60) {
                t.accept(event("b", 60, EventKind.RUN_COMPLETED, null), now);
            }
            t.accept(PowerSample.newBuilder(GraceBufferTest.sample(s * 1_000_000L)).setPowerWatts(100.0).build(), now);
            t.accept(event("", s, EventKind.PROGRESS, null), now); // a replay's promise holds the host
            out.addAll(t.advance(now).energy());
        }
        t.accept(event("", 65, EventKind.STREAM_END, null), now);
        out.addAll(t.advance(now).energy());
        assertThat(t.state().getFlushedRuns()).isEmpty(); // forgotten once no reading can reach back into a
        List<RunEnergy> finals = out.stream().filter(RunEnergy::getIsFinal).toList();
        assertThat(finals).extracting(RunEnergy::getRunId).containsExactly("a", "b");
        return finals.toArray(RunEnergy[]::new);
    }

    /**
     * Two readings of one counter at one instant that disagree (two agents on one host, found by a determinism
     * review with 200 such pairs shuffled: the first to arrive won, so the result depended on arrival): the
     * same one is applied whatever came first, the other is the duplicate.
     */
    @Test
    void conflictingReadingsOfADeviceAtOneInstantGiveTheSameFiguresWhicheverArrivedFirst() {
        List<PowerSample> trueFirst = new ArrayList<>();
        List<PowerSample> conflictFirst = new ArrayList<>();
        RunEnergy a = conflicting(false, trueFirst);
        RunEnergy b = conflicting(true, conflictFirst);
        assertThat(b).isEqualTo(a);
        assertThat(a.getEnergyJoules()).isCloseTo(18 * 50.0, within(1e-9)); // the lower counter is the one applied
        assertThat(a.getQuality().getCounterResets()).isZero();
        assertThat(trueFirst).isEqualTo(conflictFirst).extracting(PowerSample::getEnergyUj).containsExactly(503_000_000L);
    }

    /** A run [2 s, 20 s) on a 50 W package counter read each second; at 10 s a second reading 3 J higher. */
    private static RunEnergy conflicting(boolean conflictFirst, List<PowerSample> duplicates) {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        t.accept(event("r", 2, EventKind.RUN_STARTED, null), 0);
        t.accept(event("r", 20, EventKind.RUN_COMPLETED, null), 0);
        for (int s = 0; s <= 25; s++) {
            PowerSample reading = PowerSample.newBuilder(GraceBufferTest.sample(s * 1_000_000L)).setPowerWatts(null)
                    .setEnergyUj(s * 50_000_000L).build();
            PowerSample conflict = PowerSample.newBuilder(reading).setEnergyUj(s * 50_000_000L + 3_000_000).build();
            for (PowerSample p : s != 10 ? List.of(reading) : conflictFirst ? List.of(conflict, reading) : List.of(reading, conflict)) {
                t.accept(p, 0);
            }
            t.accept(event("", s, EventKind.PROGRESS, null), 0);
            HostTimeline.Release r = t.advance(0);
            out.addAll(r.energy());
            duplicates.addAll(r.duplicates());
        }
        t.accept(event("", 25, EventKind.STREAM_END, null), 0);
        HostTimeline.Release r = t.advance(0);
        out.addAll(r.energy());
        duplicates.addAll(r.duplicates());
        return out.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
    }

    /** Idle 50 W, a run [20 s, 40 s) at 100 W, idle 60 W until 80 s; released in one step or per second. */
    private static RunEnergy run(boolean stepBySecond) {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        t.accept(event("", 0, EventKind.PROGRESS, null), 0); // a replay's promise holds the host
        t.accept(event("r", 20, EventKind.RUN_STARTED, null), 0);
        t.accept(event("r", 40, EventKind.RUN_COMPLETED, null), 0);
        for (int s = 0; s <= 80; s++) {
            double watts = s < 20 ? 50 : s < 40 ? 100 : 60;
            PowerSample p = PowerSample.newBuilder(GraceBufferTest.sample(s * 1_000_000L)).setPowerWatts(watts).build();
            t.accept(p, 0);
            if (stepBySecond) {
                t.accept(event("", s, EventKind.PROGRESS, null), 0);
                out.addAll(t.advance(0).energy());
            }
        }
        t.accept(event("", 80, EventKind.STREAM_END, null), 0);
        out.addAll(t.advance(0).energy());
        return out.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
    }

    static TrainingEvent event(String run, int second, EventKind kind, Integer epoch) {
        return TrainingEvent.newBuilder(InputProgressTest.event(run, second * 1_000_000L, kind)).setEpoch(epoch).build();
    }
}
