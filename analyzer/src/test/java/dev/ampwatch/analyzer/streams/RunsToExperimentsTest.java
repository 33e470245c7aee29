package dev.ampwatch.analyzer.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.analyzer.FinishedRuns;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunExclusion;
import dev.ampwatch.schema.kafka.AmpwatchSerdes;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.Test;

/**
 * The run-energy table's changes on their way to the statistics: a tombstone becomes an exclusion of its run in the
 * experiment its final record named, also for a run that finished before the analyzer remembered experiments (learned
 * from the table before the task's first record), and again when the tombstone is processed again (at least once).
 */
class RunsToExperimentsTest {
    private final MockProcessorContext<String, SpecificRecord> context = new MockProcessorContext<>();
    private final KeyValueStore<String, String> remembered = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(RunsToExperiments.STORE), Serdes.String(), Serdes.String()).withLoggingDisabled().build();
    private final TimestampedKeyValueStore<String, RunEnergy> table = Stores.timestampedKeyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(AnalyzerTopology.RUN_ENERGY_STORE), Serdes.String(), AmpwatchSerdes.runEnergy())
            .withLoggingDisabled().build();
    private final RunsToExperiments processor = new RunsToExperiments("ampwatch.run-energy");

    RunsToExperimentsTest() {
        remembered.init(context.getStateStoreContext(), remembered);
        table.init(context.getStateStoreContext(), table);
        context.addStateStore(remembered);
        context.addStateStore(table);
    }

    private static RunEnergy finished(String runId) {
        return RunEnergy.newBuilder(FinishedRuns.of(runId, "rig")).setExperimentId("exp").build();
    }

    @Test
    void aRunThatFinishedBeforeTheUpgradeIsDeletedOutOfItsExperimentAtTheTasksFirstRecord() {
        // what an analyzer before 2026-12-03 left: final runs in the table, no experiment remembered
        table.put("run-1", ValueAndTimestamp.make(finished("run-1"), 1_000));
        table.put("run-2", ValueAndTimestamp.make(finished("run-2"), 2_000));
        processor.init(context);
        processor.process(new Record<>("run-2", null, 3_000)); // the first record of the task, before any punctuation
        assertThat(context.forwarded()).singleElement().satisfies(f -> {
            assertThat(f.record().key()).isEqualTo("exp");
            RunExclusion e = (RunExclusion) f.record().value();
            assertThat(e.getRunId()).isEqualTo("run-2");
            assertThat(e.getExcluded()).isTrue();
            assertThat(e.getReason()).startsWith(RunsToExperiments.DELETED);
        });
        assertThat(remembered.get("run-1")).isEqualTo("exp");
        // processed again (at least once, after a crash between the store's write and the repartition's): the same exclusion
        context.resetForwards();
        processor.process(new Record<>("run-2", null, 3_000));
        assertThat(context.forwarded()).hasSize(1);
        // a final run goes on keyed by its experiment; running totals and unknown tombstones stop here
        context.resetForwards();
        processor.process(new Record<>("run-3", finished("run-3"), 4_000));
        processor.process(new Record<>("run-4", RunEnergy.newBuilder(finished("run-4")).setIsFinal(false).build(), 5_000));
        processor.process(new Record<>("run-never-finished", null, 6_000));
        assertThat(context.forwarded()).extracting(f -> f.record().key() + "/" + ((RunEnergy) f.record().value()).getRunId())
                .isEqualTo(List.of("exp/run-3"));
    }
}
