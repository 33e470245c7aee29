package dev.ampwatch.analyzer.timeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.energy.RunTracker;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunStatus;
import dev.ampwatch.schema.TrainingEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A run whose trainer dies without its end event (kill -9, a lost host, a cut connection) is closed by the
 * analyzer at its last sign of life, FAILED and marked {@code closed_silent}; before, it stayed open for
 * ever and took half of the host's CPU energy from every later run. The host: a CPU package at 100 W from
 * 0 to 150 s. Run A starts at 10 s and heartbeats every second until its trainer dies at 30 s; run B runs
 * [60 s, 100 s) and ends properly.
 */
class SilentRunsTest {
    static final AnalyzerConfig CONFIG = AnalyzerConfig.defaults();

    @Test
    void aRunWhoseTrainerDiedIsClosedAtItsLastHeartbeatAndNoLongerSharesTheHost() {
        Map<String, RunEnergy> live = finals(feed(CONFIG, false, true));
        RunEnergy a = live.get("a");
        assertThat(a.getStatus()).isEqualTo(RunStatus.FAILED);
        assertThat(a.getQuality().getClosedSilent()).isTrue();
        assertThat(a.getQuality().getBoundariesMoved()).isFalse(); // exactly at its last heartbeat, not later
        assertThat(a.getEndTime()).isEqualTo(at(30));
        assertThat(a.getEnergyJoules()).isCloseTo(20 * 100.0, within(1e-9));
        assertThat(a.getFailureReason()).startsWith(RunTracker.SILENT_PREFIX).contains("1970-01-01T00:00:30Z")
                .contains("heartbeats");
        RunEnergy b = live.get("b");
        assertThat(b.getStatus()).isEqualTo(RunStatus.COMPLETED);
        assertThat(b.getQuality().getClosedSilent()).isFalse();
        assertThat(b.getFailureReason()).isNull();
        assertThat(b.getEnergyJoules()).as("all of the CPU while it ran: A no longer takes half").isCloseTo(40 * 100.0, within(1e-9));
    }

    @Test
    void aReplayAtFullSpeedClosesItTheSameWay() {
        Map<String, RunEnergy> live = finals(feed(CONFIG, false, true));
        assertThat(finals(feed(CONFIG, false, false))).as("at full speed, the analyzer's clock standing still").isEqualTo(live);
        assertThat(finals(feed(CONFIG, true, false))).as("a replay: the host's progress promised, event time alone").isEqualTo(live);
    }

    @Test
    void aRunThatNeverSentHeartbeatsIsClosedOnlyAfterTheSilenceTimeoutAndSaysItWasMoved() {
        AnalyzerConfig oneMinute = CONFIG.toBuilder().runSilence(Duration.ofMinutes(1)).build();
        RunEnergy a = finals(feedWithoutHeartbeats(oneMinute)).get("a");
        assertThat(a.getStatus()).isEqualTo(RunStatus.FAILED);
        assertThat(a.getQuality().getClosedSilent()).isTrue();
        // its last event was at 30 s; it is closed once the samples are a minute past that and its events are
        // idle, at the earliest time not yet attributed: the boundary is moved, and says so
        assertThat(a.getQuality().getBoundariesMoved()).isTrue();
        // (the samples had reached 90 s: what was attributed by then, the grace behind them)
        assertThat(a.getEndTime()).isAfterOrEqualTo(at(90).minus(CONFIG.grace()).minusSeconds(1)).isBeforeOrEqualTo(at(90));
        assertThat(a.getQuality().getBoundaryShiftSeconds()).isGreaterThan(50);
        assertThat(a.getFailureReason()).doesNotContain("heartbeats");

        assertThat(finals(feedWithoutHeartbeats(CONFIG))).as("the default: 30 min of silence").doesNotContainKey("a");
    }

    @Test
    void aTrainerThatComesBackAfterItsRunWasClosedDoesNotReopenIt() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        List<HostTimeline.Refused> refused = new ArrayList<>();
        for (int s = 0; s <= 100; s++) {
            long now = s * 1000L;
            if (s == 10) {
                t.accept(event("a", 10, EventKind.RUN_STARTED), now);
            } else if (s > 10 && s <= 30) {
                t.accept(event("a", s, EventKind.PROGRESS), now);
            } else if (s == 80) { // cut off from Kafka for 50 s; the run was closed meanwhile
                t.accept(TrainingEvent.newBuilder(event("a", 80, EventKind.EPOCH_COMPLETED)).setEpoch(1).build(), now);
                t.accept(event("a", 80, EventKind.RUN_COMPLETED), now);
            }
            t.accept(sample(s), now);
            HostTimeline.Release r = t.advance(now);
            out.addAll(r.energy());
            refused.addAll(r.refused());
        }
        assertThat(finals(out)).containsOnlyKeys("a");
        assertThat(finals(out).get("a").getEndTime()).isEqualTo(at(30));
        assertThat(refused).extracting(HostTimeline.Refused::reason).hasSize(2)
                .allSatisfy(why -> assertThat(why).contains("ended already"));
    }

    /** Samples that raced past a run's start and end: both are moved and flagged, the run is not refused as ended. */
    @Test
    void aRunWhoseEventsArriveAfterItsTimeWasAttributedIsMovedNotRefused() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        List<HostTimeline.Refused> refused = new ArrayList<>();
        t.accept(event("first", 0, EventKind.RUN_STARTED), 0);
        t.accept(event("first", 5, EventKind.RUN_COMPLETED), 0); // no run open after it: nothing holds the samples
        for (int s = 0; s <= 40; s++) {
            t.accept(sample(s), 0);
            out.addAll(t.advance(0).energy());
        }
        t.accept(event("late", 20, EventKind.RUN_STARTED), 0);
        t.accept(event("late", 30, EventKind.RUN_COMPLETED), 0);
        for (int s = 41; s <= 60; s++) {
            t.accept(sample(s), 0);
            HostTimeline.Release r = t.advance(0);
            out.addAll(r.energy());
            refused.addAll(r.refused());
        }
        assertThat(refused).isEmpty();
        RunEnergy late = finals(out).get("late");
        assertThat(late.getQuality().getBoundariesMoved()).isTrue();
        assertThat(late.getQuality().getLateEvents()).isEqualTo(2);
    }

    /**
     * The same trace replayed again (a user reruns replay): its samples are late and its events too, moved to the
     * attributed time. A late RUN_STARTED for the finished run must not open it again: that empty run's final record
     * (0 J, zero length) would replace the real one in the compacted run-energy topic. Found by a user review.
     */
    @Test
    void aTraceReplayedAgainLeavesTheFinishedRunAlone() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        List<HostTimeline.Refused> refused = new ArrayList<>();
        List<TrainingEvent> trace = List.of(event("r", 0, EventKind.RUN_STARTED), event("r", 0, EventKind.EPOCH_STARTED),
                event("r", 10, EventKind.EPOCH_COMPLETED), event("r", 10, EventKind.RUN_COMPLETED));
        trace.forEach(e -> t.accept(e, 0));
        for (int s = 0; s <= 40; s++) {
            t.accept(sample(s), 0);
            out.addAll(t.advance(0).energy());
        }
        RunEnergy first = finals(out).get("r");
        assertThat(first.getEnergyJoules()).isCloseTo(1000.0, within(1e-9));

        int before = out.size();
        trace.forEach(e -> t.accept(e, 0)); // the second replay: its events are late now
        HostTimeline.Release quiet = t.flushIfQuiet(CONFIG.timeline().quietFlush().toMillis() + 1);
        out.addAll(quiet.energy());
        refused.addAll(quiet.refused());
        assertThat(refused).as("released by the quiet flush, not left waiting for new data").hasSize(4)
                .allSatisfy(r -> assertThat(r.reason()).contains("ended already"));
        assertThat(refused.get(0).reason()).contains("RUN_STARTED").contains("final record is out");
        // the dead letters show the events as sent, at their own times, not at the time they were moved to
        assertThat(refused).extracting(r -> r.event().getEventTime()).containsExactlyElementsOf(trace.stream()
                .map(TrainingEvent::getEventTime).toList());
        for (int s = 41; s <= 60; s++) {
            t.accept(sample(s), 0);
            HostTimeline.Release r = t.advance(0);
            out.addAll(r.energy());
            refused.addAll(r.refused());
        }
        assertThat(out.subList(before, out.size())).as("nothing more for the run: no second, empty final record")
                .noneMatch(e -> e.getRunId().equals("r"));
    }

    /**
     * A run id is remembered for a day of event time after its run's end (RunIdsTest: within it, every event of a second
     * use is refused); after that it is forgotten and names a new run, as before 2026-12-02 an id used again an hour on did.
     */
    @Test
    void aRunIdUsedAgainAfterADayIsANewRun() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        t.accept(event("r", 0, EventKind.RUN_STARTED), 0);
        t.accept(event("r", 10, EventKind.RUN_COMPLETED), 0);
        for (int s = 0; s <= 20; s++) {
            t.accept(sample(s), 0);
            out.addAll(t.advance(0).energy());
        }
        int day = (int) (RunTracker.FINALIZED_MEMORY_US / 1_000_000);
        t.accept(event("r", day + 100, EventKind.RUN_STARTED), 0);
        t.accept(event("r", day + 120, EventKind.RUN_COMPLETED), 0);
        List<HostTimeline.Refused> refused = new ArrayList<>();
        for (int s = day + 90; s <= day + 160; s++) {
            t.accept(sample(s), 0);
            HostTimeline.Release r = t.advance(0);
            out.addAll(r.energy());
            refused.addAll(r.refused());
        }
        assertThat(refused).isEmpty();
        assertThat(out).filteredOn(RunEnergy::getIsFinal).extracting(RunEnergy::getEnergyJoules)
                .containsExactly(1000.0, 2000.0);
    }

    @Test
    void zeroNeverClosesARun() {
        AnalyzerConfig never = CONFIG.toBuilder().runSilence(Duration.ZERO).build();
        Map<String, RunEnergy> finals = finals(feed(never, false, true));
        assertThat(finals).doesNotContainKey("a");
        assertThat(finals.get("b").getEnergyJoules()).as("the old way: A takes half of B's CPU").isCloseTo(40 * 50.0, within(1e-9));
    }

    @Test
    void heartbeatsThatPauseForLessThanTheIdleTimeKeepTheRunOpen() {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        t.accept(event("a", 10, EventKind.RUN_STARTED), 10_000);
        for (int s = 0; s <= 100; s++) {
            long now = s * 1000L;
            if (s > 10 && (s < 40 || s > 60)) { // a 20 s pause: a long checkpoint write, a GC, a slow network
                t.accept(event("a", s, EventKind.PROGRESS), now);
            }
            if (s == 90) {
                t.accept(event("a", 90, EventKind.RUN_COMPLETED), now);
            }
            t.accept(sample(s), now);
            out.addAll(t.advance(now).energy());
            out.addAll(tick(t, now));
        }
        RunEnergy a = finals(out).get("a");
        assertThat(a.getStatus()).isEqualTo(RunStatus.COMPLETED);
        assertThat(a.getQuality().getClosedSilent()).isFalse();
        assertThat(a.getEnergyJoules()).isCloseTo(80 * 100.0, within(1e-9));
    }

    /**
     * The host's records: samples every second to 150 s, A's start and heartbeats to 30 s, B's start,
     * heartbeats and end. {@code promise}: a replay's host-wide PROGRESS every second as well. {@code paced}:
     * fed as they happen (the analyzer's clock moves with them, ticks included), else all within a
     * millisecond and then the clock jumps a minute.
     */
    private static List<RunEnergy> feed(AnalyzerConfig config, boolean promise, boolean paced) {
        HostTimeline t = HostTimeline.create("h", config.attributionFor("h"), config.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        for (int s = 0; s <= 150; s++) {
            long now = paced ? s * 1000L : 1;
            if (s == 10) {
                t.accept(event("a", 10, EventKind.RUN_STARTED), now);
            } else if (s > 10 && s <= 30) {
                t.accept(event("a", s, EventKind.PROGRESS), now);
            }
            if (s == 60) {
                t.accept(event("b", 60, EventKind.RUN_STARTED), now);
            } else if (s > 60 && s < 100) {
                t.accept(event("b", s, EventKind.PROGRESS), now);
            } else if (s == 100) {
                t.accept(event("b", 100, EventKind.RUN_COMPLETED), now);
            }
            if (promise) {
                t.accept(event("", s, EventKind.PROGRESS), now);
            }
            t.accept(sample(s), now);
            out.addAll(t.advance(now).energy());
            if (paced) {
                out.addAll(tick(t, now));
            }
        }
        if (!paced) {
            for (long now = 1; now <= 120_000; now += 500) { // the analyzer's ticks after the backlog was read
                out.addAll(t.advance(now).energy());
                out.addAll(tick(t, now));
            }
        }
        return out;
    }

    /** A trainer that sends its run's start and epoch events but no heartbeats, the last at 30 s. */
    private static List<RunEnergy> feedWithoutHeartbeats(AnalyzerConfig config) {
        HostTimeline t = HostTimeline.create("h", config.attributionFor("h"), config.timeline(), 0);
        List<RunEnergy> out = new ArrayList<>();
        for (int s = 0; s <= 150; s++) {
            long now = s * 1000L;
            if (s == 10) {
                t.accept(event("a", 10, EventKind.RUN_STARTED), now);
            } else if (s == 20 || s == 30) {
                t.accept(TrainingEvent.newBuilder(event("a", s, EventKind.EPOCH_COMPLETED)).setEpoch(s / 10 - 1).build(), now);
            }
            t.accept(sample(s), now);
            out.addAll(t.advance(now).energy());
            out.addAll(tick(t, now));
        }
        return out;
    }

    /** What the engines' wall-clock tick does (HostStep.tick). */
    private static List<RunEnergy> tick(HostTimeline t, long now) {
        List<RunEnergy> out = new ArrayList<>(t.advance(now).energy());
        out.addAll(t.flushIfQuiet(now).energy());
        out.addAll(t.heldRunningTotals(now).energy());
        return out;
    }

    private static Map<String, RunEnergy> finals(List<RunEnergy> out) {
        Map<String, RunEnergy> finals = new LinkedHashMap<>();
        out.stream().filter(RunEnergy::getIsFinal).forEach(r -> assertThat(finals.put(r.getRunId(), r)).as("one final per run").isNull());
        return finals;
    }

    private static PowerSample sample(int second) {
        return PowerSample.newBuilder(GraceBufferTest.sample(second * 1_000_000L)).setPowerWatts(100.0).build();
    }

    private static TrainingEvent event(String run, int second, EventKind kind) {
        return InputProgressTest.event(run, second * 1_000_000L, kind);
    }

    private static Instant at(int second) {
        return Instant.EPOCH.plusSeconds(second);
    }
}
