package dev.ampwatch.schema.kafka;

import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunExclusion;
import dev.ampwatch.schema.TrainingEvent;

/** Serdes of the shared records. Each is stateless after construction and safe to share. */
public final class AmpwatchSerdes {
    private static final AvroSerde<PowerSample> POWER_SAMPLE =
            new AvroSerde<>(PowerSample.class, PowerSample.getClassSchema(), SchemaHistory.store(PowerSample.getClassSchema()),
                    PowerSampleReader::read);
    private static final AvroSerde<TrainingEvent> TRAINING_EVENT =
            new AvroSerde<>(TrainingEvent.class, TrainingEvent.getClassSchema());
    private static final AvroSerde<RunEnergy> RUN_ENERGY =
            new AvroSerde<>(RunEnergy.class, RunEnergy.getClassSchema());
    private static final AvroSerde<ExperimentStats> EXPERIMENT_STATS =
            new AvroSerde<>(ExperimentStats.class, ExperimentStats.getClassSchema());

    private static final AvroSerde<RunExclusion> RUN_EXCLUSION =
            new AvroSerde<>(RunExclusion.class, RunExclusion.getClassSchema());

    private AmpwatchSerdes() {}

    public static AvroSerde<PowerSample> powerSample() {
        return POWER_SAMPLE;
    }

    public static AvroSerde<TrainingEvent> trainingEvent() {
        return TRAINING_EVENT;
    }

    public static AvroSerde<RunEnergy> runEnergy() {
        return RUN_ENERGY;
    }

    public static AvroSerde<ExperimentStats> experimentStats() {
        return EXPERIMENT_STATS;
    }

    public static AvroSerde<RunExclusion> runExclusion() {
        return RUN_EXCLUSION;
    }
}
