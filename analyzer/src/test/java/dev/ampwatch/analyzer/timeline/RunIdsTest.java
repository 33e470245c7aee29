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

/** Only a RUN_STARTED opens a run. The host: a CPU package at 100 W, a reading a second. */
class RunIdsTest {
    static final AnalyzerConfig CONFIG = AnalyzerConfig.defaults();

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
