package dev.ampwatch.schema.kafka;

import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.PowerSample;
import dev.ampwatch.schema.RunEnergy;
import dev.ampwatch.schema.RunExclusion;
import dev.ampwatch.schema.TrainingEvent;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The topics of one ampwatch deployment. Names are configurable (a prefix, or each name); the
 * defaults are the contract in docs/topics.md.
 */
public record Topics(
        TopicSpec<String, TrainingEvent> trainingEvents,
        TopicSpec<String, PowerSample> powerSamples,
        TopicSpec<String, RunEnergy> runEnergy,
        TopicSpec<String, ExperimentStats> experimentStats,
        String deadLetters,
        TopicSpec<String, RunExclusion> runExclusions) {

    public static final String DEFAULT_PREFIX = "ampwatch.";

    public static Topics defaults() {
        return withPrefix(DEFAULT_PREFIX);
    }

    public static Topics withPrefix(String prefix) {
        Serde<String> key = Serdes.String();
        return new Topics(
                new TopicSpec<>(prefix + "training-events", key, AmpwatchSerdes.trainingEvent()),
                new TopicSpec<>(prefix + "power-samples", key, AmpwatchSerdes.powerSample()),
                new TopicSpec<>(prefix + "run-energy", key, AmpwatchSerdes.runEnergy()),
                new TopicSpec<>(prefix + "experiment-stats", key, AmpwatchSerdes.experimentStats()),
                prefix + "dead-letters",
                new TopicSpec<>(prefix + "run-exclusions", key, AmpwatchSerdes.runExclusion()));
    }

    /**
     * Every topic name, inputs first. The run exclusions (an input of the statistics only, added on 2026-12-03) come last:
     * an analyzer creates that topic itself where it is missing.
     */
    public List<String> names() {
        return List.of(trainingEvents.name(), powerSamples.name(), runEnergy.name(),
                experimentStats.name(), deadLetters, runExclusions.name());
    }
}
