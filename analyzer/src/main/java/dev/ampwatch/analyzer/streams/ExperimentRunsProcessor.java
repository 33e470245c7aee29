package dev.ampwatch.analyzer.streams;

import dev.ampwatch.analyzer.AnalyzerConfig;
import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.analyzer.stats.ExperimentRunsAggregator;
import dev.ampwatch.analyzer.stats.ExperimentStatistics;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunExclusion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An experiment's final runs, kept one store entry per run ({@link #RUNS_STORE}, key {@link #key}), and its statistics
 * ({@link AnalyzerTopology#EXPERIMENT_STATS_STORE}) recomputed from all of them at each final run. Input: final run
 * records keyed by experiment id (repartitioned, so one task has all of an experiment's runs).
 *
 * <p>One entry per run, not one list per experiment: a write of a run is the same whoever makes it and whenever. The
 * direct engine's statistics run at least once, and nothing fences an instance paused past its session timeout: with
 * one list per experiment in a compacted changelog, such an instance, resuming, could write the list as it held it
 * after the new owner's longer one, and the next restore lost the runs in between for good (every later run was added
 * to the short list). With one entry per run a late write of a run rewrites that run as it was; no run is dropped. A
 * statistics record such an instance writes late is repaired when the task next starts (a restore, a rebalance): the
 * statistics of every experiment of the task are recomputed from its runs, and one that differs from the stored record
 * is replaced and published ({@link #repair}); and by the experiment's next final run in any case. It also keeps an
 * experiment of thousands of runs under the broker's record size: one list of 10,000 runs came to 2,320,029 bytes
 * (259 a run; the broker's default limit is 1 MB, so about 4,000 runs), one entry is 259 bytes.
 *
 * <p>Run exclusions ({@link RunExclusion}, from {@code ampwatch exclude} or a tombstone on run-energy) come the same way
 * and are kept one entry per run too ({@link #EXCLUSIONS_STORE}, same key): the statistics leave out the runs excluded
 * and list them. A run and its exclusion may come in either order; the result is the same.
 */
final class ExperimentRunsProcessor implements Processor<String, SpecificRecord, String, ExperimentStats> {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunsProcessor.class);
    /** The final runs of every experiment, one entry per run. */
    static final String RUNS_STORE = "experiment-run-store";
    /** The exclusions in force of every experiment, one entry per run (key {@link #key}); one taken back is deleted. */
    static final String EXCLUSIONS_STORE = "experiment-exclusion-store";
    /** How soon after a task starts its statistics are checked against its runs (the first punctuation). */
    private static final Duration REPAIR_AFTER = Duration.ofMillis(1);

    private final AnalyzerConfig config;
    private ProcessorContext<String, ExperimentStats> context;
    private KeyValueStore<String, ExperimentRuns> runs;
    private KeyValueStore<String, RunExclusion> exclusions;
    private TimestampedKeyValueStore<String, ExperimentStats> stats;
    private Cancellable repairing;

    ExperimentRunsProcessor(AnalyzerConfig config) {
        this.config = config;
    }

    /**
     * The store key of a run: the experiment id's length, the id, the run id ({@code 3:exp:run-1}). An experiment's runs
     * are the keys that start with {@link #prefix} of it, and no other experiment's id (not even one that starts with
     * this one's id and a colon) shares that prefix.
     */
    static String key(String experimentId, String runId) {
        return prefix(experimentId) + runId;
    }

    static String prefix(String experimentId) {
        return experimentId.length() + ":" + experimentId + ":";
    }

    @Override
    public void init(ProcessorContext<String, ExperimentStats> context) {
        this.context = context;
        this.runs = context.getStateStore(RUNS_STORE);
        this.exclusions = context.getStateStore(EXCLUSIONS_STORE);
        this.stats = context.getStateStore(AnalyzerTopology.EXPERIMENT_STATS_STORE);
        // the stores are restored when a task initializes its processors; the repair writes and forwards, which a
        // punctuation may do and init may not
        this.repairing = context.schedule(REPAIR_AFTER, PunctuationType.WALL_CLOCK_TIME, now -> repair());
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        if (record.value() instanceof RunExclusion exclusion) {
            exclude(record.key(), exclusion, record);
            return;
        }
        RunEnergy run = (RunEnergy) record.value();
        runs.put(key(record.key(), run.getRunId()), ExperimentRunsAggregator.entry(record.key(), run));
        publish(record.key(), record);
    }

    private void exclude(String experimentId, RunExclusion exclusion, Record<String, SpecificRecord> record) {
        String key = key(experimentId, exclusion.getRunId());
        RunExclusion before = exclusions.get(key);
        if (before != null && deletion(before) && !deletion(exclusion)) {
            LOG.info("experiment {}: run {} was deleted from run-energy (a tombstone); a statement on it changes nothing ({})",
                    experimentId, exclusion.getRunId(), exclusion.getReason());
            return;
        }
        if (exclusion.getExcluded()) {
            exclusions.put(key, exclusion);
        } else if (before != null) {
            exclusions.delete(key);
        } else {
            return; // taken back in, and it was not out: nothing changes
        }
        LOG.info("experiment {}: run {} {} ({}{})", experimentId, exclusion.getRunId(),
                exclusion.getExcluded() ? "excluded from its statistics" : "taken back into its statistics", exclusion.getReason(),
                exclusion.getStatedBy() == null ? "" : ", by " + exclusion.getStatedBy());
        if (stats.get(experimentId) != null || runs.get(key) != null) {
            publish(experimentId, record);
        }
    }

    /** Made of a tombstone on run-energy ({@link RunsToExperiments}): no later statement takes it back in. */
    private static boolean deletion(RunExclusion exclusion) {
        return exclusion.getStatedBy() == null && exclusion.getReason().startsWith(RunsToExperiments.DELETED);
    }

    private void publish(String experimentId, Record<String, SpecificRecord> record) {
        ExperimentStats computed = compute(collect(experimentId), exclusionsOf(experimentId));
        stats.put(experimentId, ValueAndTimestamp.make(computed, record.timestamp()));
        context.forward(new Record<>(experimentId, computed, record.timestamp(), record.headers()));
    }

    /** The experiment's exclusions in force, by run id. */
    private List<RunExclusion> exclusionsOf(String experimentId) {
        List<RunExclusion> all = new ArrayList<>();
        try (KeyValueIterator<String, RunExclusion> it = exclusions.prefixScan(prefix(experimentId), Serdes.String().serializer())) {
            it.forEachRemaining(kv -> all.add(kv.value));
        }
        return all;
    }

    /** The experiment's runs, oldest end first (then by run id): the same list whatever order they arrived in. */
    private ExperimentRuns collect(String experimentId) {
        List<FinishedRun> all = new ArrayList<>();
        try (KeyValueIterator<String, ExperimentRuns> it = runs.prefixScan(prefix(experimentId), Serdes.String().serializer())) {
            it.forEachRemaining(kv -> all.addAll(kv.value.getRuns()));
        }
        return ExperimentRunsAggregator.sorted(experimentId, all);
    }

    private ExperimentStats compute(ExperimentRuns experiment, List<RunExclusion> excluded) {
        return AnalyzerTopology.fitting(ExperimentStatistics.computeWith(experiment, excluded, config.statistics()),
                config.maxOutputBytes());
    }

    /**
     * Once per task start: the statistics of each experiment of the task recomputed from its runs; a stored record that
     * differs (written late by an instance that had been paused, or by an analyzer that collected runs otherwise) is
     * replaced and published.
     */
    void repair() {
        repairing.cancel();
        int experiments = 0;
        int repaired = 0;
        String current = null;
        List<FinishedRun> of = new ArrayList<>();
        try (KeyValueIterator<String, ExperimentRuns> it = runs.all()) { // keys of one experiment are contiguous
            while (it.hasNext()) {
                ExperimentRuns entry = it.next().value;
                if (current != null && !current.equals(entry.getExperimentId())) {
                    experiments++;
                    repaired += repair(current, of) ? 1 : 0;
                    of = new ArrayList<>();
                }
                current = entry.getExperimentId();
                of.addAll(entry.getRuns());
            }
        }
        if (current != null) {
            experiments++;
            repaired += repair(current, of) ? 1 : 0;
        }
        if (repaired > 0) {
            LOG.warn("statistics task {}: {} of {} experiments' statistics did not match their runs and were recomputed "
                    + "(an instance paused past its session timeout wrote them late, or, at the first start after an upgrade, "
                    + "the runs were collected by an earlier analyzer: expected then)", context.taskId(), repaired, experiments);
        }
    }

    private boolean repair(String experimentId, List<FinishedRun> of) {
        ExperimentStats computed = compute(ExperimentRunsAggregator.sorted(experimentId, of), exclusionsOf(experimentId));
        ValueAndTimestamp<ExperimentStats> stored = stats.get(experimentId);
        if (stored != null && Objects.equals(stored.value(), computed)) {
            return false;
        }
        long timestamp = computed.getComputedAt().toEpochMilli();
        stats.put(experimentId, ValueAndTimestamp.make(computed, timestamp));
        context.forward(new Record<>(experimentId, computed, timestamp));
        return true;
    }
}
