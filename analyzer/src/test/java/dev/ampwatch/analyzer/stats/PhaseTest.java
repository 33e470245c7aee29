package dev.ampwatch.analyzer.stats;

import static dev.ampwatch.analyzer.stats.ConfoundingTest.AMP_128;
import static dev.ampwatch.analyzer.stats.ConfoundingTest.AMP_32;
import static dev.ampwatch.analyzer.stats.ConfoundingTest.FP32_128;
import static dev.ampwatch.analyzer.stats.ConfoundingTest.FP32_32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ConfigurationSummary;
import dev.ampwatch.schema.ExperimentStats;
import org.junit.jupiter.api.Test;

/**
 * Training and inference runs of one experiment are never pooled: each lower precision is compared with FP32
 * of its own phase. The figures are ConfoundingTest's (scipy, code there), here split by phase instead of
 * batch size: the same samples give the same Welch results.
 */
class PhaseTest {
    final ExperimentStats stats = ExperimentStatistics.compute(new Runs()
            .add("fp32", 32, FP32_32).add("amp-fp16", 32, AMP_32)
            .inference().add("fp32", 32, FP32_128).add("int8", 32, AMP_128).experiment());

    @Test
    void eachPhaseIsItsOwnConfigurationAndTrainingKeysReadAsBefore() {
        assertThat(stats.getConfigurations()).extracting(ConfigurationSummary::getLabel)
                .containsExactlyInAnyOrder("fp32 phase=training", "amp-fp16 phase=training", "fp32 phase=inference",
                        "int8 phase=inference");
        assertThat(stats.getConfigurations()).extracting(ConfigurationSummary::getKey)
                .filteredOn(k -> k.startsWith("precision=fp32|"))
                .containsExactlyInAnyOrder("precision=fp32|batch_size=32|hidden_units=256|epochs=5|learning_rate=0.01"
                        + "|optimizer=sgd-momentum|dataset=fashion-mnist|train_samples=1000|device=cpu (2 threads)|backend=cpu",
                        "precision=fp32|batch_size=32|hidden_units=256|epochs=5|learning_rate=0.01"
                        + "|optimizer=sgd-momentum|dataset=fashion-mnist|train_samples=1000|device=cpu (2 threads)|backend=cpu"
                        + "|phase=inference");
    }

    @Test
    void lowerPrecisionsAreComparedWithFp32OfTheirOwnPhase() {
        Comparison training = power("amp-fp16 phase=training");
        assertThat(training.getReferenceLabel()).isEqualTo("fp32 phase=training");
        assertThat(training.getWelchT()).isCloseTo(-17.70941351258833, within(1e-9));
        Comparison inference = power("int8 phase=inference");
        assertThat(inference.getReferenceLabel()).isEqualTo("fp32 phase=inference");
        assertThat(inference.getMeanDifference()).isCloseTo(4.999999999999972, within(1e-9));
        assertThat(inference.getWelchT()).isCloseTo(11.811389781538223, within(1e-9));
        assertThat(stats.getComparisons()).noneMatch(c -> c.getConfigurationLabel().endsWith("training")
                && c.getReferenceLabel().endsWith("inference"));
    }

    private Comparison power(String label) {
        return stats.getComparisons().stream().filter(c -> c.getMetric().equals("average_power_watts")
                && c.getConfigurationLabel().equals(label)).findFirst().orElseThrow();
    }
}
