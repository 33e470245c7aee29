package dev.ampwatch.analyzer.streams;

import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunExclusion;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The changes of the run-energy table (key: run id) on their way to the statistics (key: experiment id): a final run
 * goes on, keyed by its experiment, and its experiment is remembered ({@link #STORE}, one short entry per finished run);
 * a tombstone (a run deleted by hand) becomes an exclusion of that run with the reason {@value #DELETED}..., so the
 * statistics leave it out and say why. Running totals stop here.
 */
final class RunsToExperiments implements Processor<String, RunEnergy, String, SpecificRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(RunsToExperiments.class);
    /** Run id to experiment id, of every final run seen. */
    static final String STORE = "run-experiment-store";
    /** How the reason of the exclusion a tombstone makes starts. */
    static final String DELETED = "deleted: ";

    private final String runEnergyTopic;
    private KeyValueStore<String, String> experiments;
    /** The run-energy table's store (same task, same partition): read once to seed {@link #STORE}. */
    private org.apache.kafka.streams.state.TimestampedKeyValueStore<String, RunEnergy> table;
    private org.apache.kafka.streams.processor.Cancellable seeding;
    private boolean seeded;
    private ProcessorContext<String, SpecificRecord> context;

    RunsToExperiments(String runEnergyTopic) {
        this.runEnergyTopic = runEnergyTopic;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.experiments = context.getStateStore(STORE);
        this.table = context.getStateStore(AnalyzerTopology.RUN_ENERGY_STORE);
        // the stores are restored when a task initializes its processors; the seed writes, which a punctuation may do
        this.seeding = context.schedule(java.time.Duration.ofMillis(1), org.apache.kafka.streams.processor.PunctuationType.WALL_CLOCK_TIME,
                now -> seedFromTheTable());
    }

    /**
     * Once per task start (at its first record or first punctuation, whichever comes first): the final runs of this task's
     * run-energy table whose experiment is not remembered are learned from it (all of them at the first start of an
     * analyzer that remembers them, 2026-12-03; none after), so a run that finished before can be deleted (a tombstone)
     * out of its statistics too. A start cut short does it again. Reads every final run of the task's table once per task
     * start; writes only what is missing. Nothing is forwarded.
     */
    void seedFromTheTable() {
        seeded = true;
        seeding.cancel();
        int learned = 0;
        try (org.apache.kafka.streams.state.KeyValueIterator<String, org.apache.kafka.streams.state.ValueAndTimestamp<RunEnergy>> it = table.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                RunEnergy run = kv.value == null ? null : kv.value.value();
                if (run != null && run.getIsFinal() && run.getExperimentId() != null && experiments.get(kv.key) == null) {
                    experiments.put(kv.key, run.getExperimentId());
                    learned++;
                }
            }
        }
        if (learned > 0) {
            LOG.info("task {}: the experiments of {} final runs learned from the run-energy table (a first start with {}: a"
                    + " tombstone on one of them now takes it out of its statistics)", context.taskId(), learned, STORE);
        }
    }

    @Override
    public void process(Record<String, RunEnergy> record) {
        if (!seeded) {
            seedFromTheTable(); // before a record: a tombstone of a run that finished before the upgrade finds its experiment
        }
        RunEnergy run = record.value();
        if (record.key() == null) {
            return;
        }
        if (run != null) {
            if (run.getIsFinal() && run.getExperimentId() != null) {
                experiments.put(record.key(), run.getExperimentId());
                context.forward(new Record<String, SpecificRecord>(run.getExperimentId(), run, record.timestamp(), record.headers()));
            }
            return;
        }
        String experiment = experiments.get(record.key());
        if (experiment == null) {
            LOG.warn("run {} was deleted from {} (a tombstone), but no final record of it was seen here (it never finished, or"
                    + " it was deleted before): no experiment's statistics change", record.key(), runEnergyTopic);
            return;
        }
        // the entry stays: a tombstone processed again (at least once) makes the same exclusion again
        RunExclusion deleted = RunExclusion.newBuilder().setRunId(record.key()).setExperimentId(experiment).setExcluded(true)
                .setReason(DELETED + "its record was removed from " + runEnergyTopic + " (a tombstone)")
                .setStatedAt(Instant.ofEpochMilli(record.timestamp())).setStatedBy(null).build();
        context.forward(new Record<String, SpecificRecord>(experiment, deleted, record.timestamp(), record.headers()));
    }
}
