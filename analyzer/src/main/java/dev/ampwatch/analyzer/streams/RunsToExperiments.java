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
    private ProcessorContext<String, SpecificRecord> context;

    RunsToExperiments(String runEnergyTopic) {
        this.runEnergyTopic = runEnergyTopic;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.experiments = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, RunEnergy> record) {
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
            LOG.warn("run {} was deleted from {} (a tombstone), but no final record of it was seen here (it finished before the"
                    + " analyzer of 2026-12-03, or it never finished): its experiment's statistics keep it if they have it;"
                    + " ampwatch exclude {} --experiment <id> --reason '...' leaves it out", record.key(), runEnergyTopic, record.key());
            return;
        }
        experiments.delete(record.key());
        RunExclusion deleted = RunExclusion.newBuilder().setRunId(record.key()).setExperimentId(experiment).setExcluded(true)
                .setReason(DELETED + "its record was removed from " + runEnergyTopic + " (a tombstone)")
                .setStatedAt(Instant.ofEpochMilli(record.timestamp())).setStatedBy(null).build();
        context.forward(new Record<String, SpecificRecord>(experiment, deleted, record.timestamp(), record.headers()));
    }
}
