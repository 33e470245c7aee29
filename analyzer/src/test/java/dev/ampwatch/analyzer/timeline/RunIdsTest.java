package dev.ampwatch.analyzer.timeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.state.HostState;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.TrainingEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A run id names one run. A user ran {@code follow --run-id my-run-1} twice: the second use's start and first epoch
 * were dead-lettered, its later events opened the id again (its end was forgotten ten minutes after it), and that
 * run's final record (no config, a part of its joules) replaced the first run's in the run store, the report and the
 * statistics. Now every event of a second use is refused, naming the run id, and the first run's record stands.
 * The host: a CPU package at 100 W, a reading a second.
 */
class RunIdsTest {
    static final AnalyzerConfig CONFIG = AnalyzerConfig.defaults();

    /** The first run: [0 s, 10 s), one epoch; 1,000 J. */
    private static List<TrainingEvent> firstUse() {
        return List.of(event("r", 0, EventKind.RUN_STARTED, null), event("r", 0, EventKind.EPOCH_STARTED, 1),
                event("r", 10, EventKind.EPOCH_COMPLETED, 1), event("r", 10, EventKind.RUN_COMPLETED, null));
    }

    /** A second use of the id from {@code from}: two epochs of 20 s each, heartbeats, its end. */
    private static List<TrainingEvent> secondUse(int from) {
        List<TrainingEvent> events = new ArrayList<>();
        events.add(event("r", from, EventKind.RUN_STARTED, null));
        events.add(event("r", from, EventKind.EPOCH_STARTED, 1));
        for (int s = from + 1; s < from + 40; s++) {
            if (s == from + 20) {
                events.add(event("r", s, EventKind.EPOCH_COMPLETED, 1));
                events.add(event("r", s, EventKind.EPOCH_STARTED, 2));
            }
            events.add(event("r", s, EventKind.PROGRESS, null));
        }
        events.add(event("r", from + 40, EventKind.EPOCH_COMPLETED, 2));
        events.add(event("r", from + 40, EventKind.RUN_COMPLETED, null));
        return events;
    }

    @Test
    void aRunIdUsedAgainSoonAfterItsRunEndedIsRefusedEveryEventOfIt() {
        assertSecondUseRefused(60, false);
    }

    /** The user's case: the second use lasted longer than the ten minutes after which the id's end was forgotten. */
    @Test
    void aRunIdUsedAgainLaterIsRefusedEveryEventOfIt() {
        assertSecondUseRefused(700, false);
    }

    @Test
    void anAnalyzerRestartedFromItsChangelogStillRefusesTheSecondUse() {
        assertSecondUseRefused(700, true);
    }

    private static void assertSecondUseRefused(int from, boolean restart) {
        Fed fed = new Fed();
        firstUse().forEach(e -> fed.t.accept(e, 0));
        fed.samples(0, from - 1);
        List<RunEnergy> first = fed.out.stream().filter(RunEnergy::getIsFinal).toList();
        assertThat(first).hasSize(1);
        assertThat(first.get(0).getEnergyJoules()).isCloseTo(1000.0, within(1e-9));
        assertThat(fed.refused).isEmpty();
        if (restart) {
            fed.restart();
        }
        int before = fed.out.size();
        List<TrainingEvent> second = secondUse(from);
        for (int s = from; s <= from + 60; s++) {
            for (TrainingEvent e : second) {
                if (e.getEventTime().getEpochSecond() == s) {
                    fed.t.accept(e, 0);
                }
            }
            fed.samples(s, s);
        }
        fed.release(fed.t.flushIfQuiet(CONFIG.timeline().quietFlush().toMillis() + 1));

        assertThat(fed.out.subList(before, fed.out.size())).as("nothing more for the run id: the first run's record stands")
                .noneMatch(e -> e.getRunId().equals("r"));
        List<TrainingEvent> lifecycle = second.stream().filter(e -> e.getKind() != EventKind.PROGRESS).toList();
        assertThat(fed.refused).extracting(HostTimeline.Refused::event).as("every event of the second use")
                .containsExactlyElementsOf(lifecycle);
        assertThat(fed.refused).extracting(HostTimeline.Refused::reason).allSatisfy(why -> assertThat(why)
                .contains("run r ended already at 1970-01-01T00:00:10Z").contains("a run id can be used once"));
    }

    @Test
    void aSecondStartOfAnOpenRunIsRefusedAndTheRunKeepsItsOwn() {
        Fed fed = new Fed();
        fed.t.accept(event("r", 0, EventKind.RUN_STARTED, null), 0);
        fed.samples(0, 5);
        fed.t.accept(TrainingEvent.newBuilder(event("r", 5, EventKind.RUN_STARTED, null)).setExperimentId("other").build(), 0);
        fed.t.accept(event("r", 10, EventKind.RUN_COMPLETED, null), 0);
        fed.samples(6, 30);
        assertThat(fed.refused).hasSize(1);
        assertThat(fed.refused.get(0).reason()).contains("RUN_STARTED").contains("run r is open already")
                .contains("a run id can be used once");
        RunEnergy r = fed.out.stream().filter(RunEnergy::getIsFinal).findFirst().orElseThrow();
        assertThat(r.getExperimentId()).isEqualTo("e");
        assertThat(r.getEnergyJoules()).isCloseTo(1000.0, within(1e-9));
    }

    /** The run ended at 10.5 s; its device's next reading (11 s) is not attributed yet when the id is started again. */
    @Test
    void aStartOfARunThatEndedButIsNotFinalYetIsRefused() {
        Fed fed = new Fed();
        fed.t.accept(event("r", 0, EventKind.RUN_STARTED, null), 0);
        fed.t.accept(TrainingEvent.newBuilder(event("r", 0, EventKind.RUN_COMPLETED, null))
                .setEventTime(java.time.Instant.EPOCH.plusMillis(10_500)).build(), 0);
        fed.t.accept(TrainingEvent.newBuilder(event("r", 0, EventKind.RUN_STARTED, null))
                .setEventTime(java.time.Instant.EPOCH.plusMillis(10_700)).build(), 0);
        fed.samples(0, 30);
        assertThat(fed.refused).hasSize(1);
        assertThat(fed.refused.get(0).reason()).contains("run r ended already at 1970-01-01T00:00:10.500Z")
                .contains("a run id can be used once");
        List<RunEnergy> finals = fed.out.stream().filter(RunEnergy::getIsFinal).toList();
        assertThat(finals).hasSize(1);
        assertThat(finals.get(0).getEnergyJoules()).isCloseTo(1050.0, within(1e-9));
    }

    /**
     * An auditor's find: epoch events of a run whose start never came vanished (not attributed, not dead-lettered,
     * not counted anywhere). An event of a run that is not open is refused, with the reason.
     */
    @Test
    void epochEventsOfARunThatNeverStartedAreRefused() {
        Fed fed = new Fed();
        List<TrainingEvent> ghost = List.of(event("ghost", 2, EventKind.EPOCH_STARTED, 1),
                event("ghost", 8, EventKind.EPOCH_COMPLETED, 1), event("ghost", 8, EventKind.EPOCH_STARTED, 2));
        ghost.forEach(e -> fed.t.accept(e, 0));
        fed.samples(0, 30);
        fed.release(fed.t.flushIfQuiet(CONFIG.timeline().quietFlush().toMillis() + 1));
        assertThat(fed.out).as("no run energy for a run that never started").isEmpty();
        assertThat(fed.refused).extracting(HostTimeline.Refused::event).containsExactlyElementsOf(ghost);
        assertThat(fed.refused).extracting(HostTimeline.Refused::reason).allSatisfy(why -> assertThat(why)
                .contains("run ghost").contains("not open on host h").contains("its start was never seen"));
        assertThat(fed.t.state().getRuns()).isEmpty();
    }

    /** A timeline fed with samples a second and released at once (the analyzer's clock standing still). */
    private static final class Fed {
        HostTimeline t = HostTimeline.create("h", CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        final List<RunEnergy> out = new ArrayList<>();
        final List<HostTimeline.Refused> refused = new ArrayList<>();

        void samples(int from, int to) {
            for (int s = from; s <= to; s++) {
                t.accept(sample(s), 0);
                release(t.advance(0));
            }
        }

        void release(HostTimeline.Release r) {
            out.addAll(r.energy());
            refused.addAll(r.refused());
        }

        /** As an analyzer restarted from its changelog: the state as written, nothing in memory. */
        void restart() {
            assertThat(t.buffer().isEmpty()).isFalse(); // the records not yet attributed travel too
            HostState state;
            try {
                state = HostState.fromByteBuffer(t.state().toByteBuffer());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            GraceBuffer.Chunk pending = t.buffer().takeUnwritten(); // never written before: everything still pending
            Map<Long, List<Buffered>> chunks = Map.of(pending.seq(), pending.records());
            t = HostTimeline.restore(state, chunks, CONFIG.attributionFor("h"), CONFIG.timeline(), 0);
        }
    }

    private static PowerSample sample(int second) {
        return PowerSample.newBuilder(GraceBufferTest.sample(second * 1_000_000L)).setPowerWatts(100.0).build();
    }

    private static TrainingEvent event(String run, int second, EventKind kind, Integer epoch) {
        return TrainingEvent.newBuilder(InputProgressTest.event(run, second * 1_000_000L, kind)).setEpoch(epoch).build();
    }
}
