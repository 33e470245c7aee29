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
                .containsExactlyInAnyOrder("fp32", "amp-fp16", "fp32 phase=inference",
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
        Comparison training = power("amp-fp16");
        assertThat(training.getReferenceLabel()).isEqualTo("fp32");
        assertThat(training.getWelchT()).isCloseTo(-17.70941351258833, within(1e-9));
        Comparison inference = power("int8 phase=inference");
        assertThat(inference.getReferenceLabel()).isEqualTo("fp32 phase=inference");
        assertThat(inference.getMeanDifference()).isCloseTo(4.999999999999972, within(1e-9));
        assertThat(inference.getWelchT()).isCloseTo(11.811389781538223, within(1e-9));
        assertThat(stats.getComparisons()).noneMatch(c -> c.getConfigurationLabel().endsWith("inference")
                != c.getReferenceLabel().endsWith("inference"));
    }

    /**
     * A sweep that mixes phases flags a benchmark in each (training: fp32 at batch 32; inference: fp32 inference
     * of that model): every configuration is compared with its own phase's benchmark, and the ANOVA is one table
     * per phase. scipy 1.10:
     * <pre>
     * from scipy import stats
     * a=[110.2,111.5,109.4,110.9,109.8]; b=[102.1,103.0,101.6,102.7,101.9]
     * c=[130.1,131.4,129.6,130.8,129.9]; d=[135.3,134.6,136.1,135.0,135.8]; e=[x-3 for x in c]
     * stats.f_oneway(a,b)    # F=313.6233269598475, p=1.0572927285286732e-07
     * stats.f_oneway(c,d,e)  # F=171.44856543036894, p=1.4944195702250856e-09
     * stats.ttest_ind(e,c,equal_var=False)  # t=-6.497221227363107
     * </pre>
     */
    @Test
    void aMixedSweepComparesWithEachPhasesBenchmarkAndHasOneAnovaPerPhase() {
        double[] fp32Batch64 = java.util.Arrays.stream(FP32_128).map(w -> w - 3).toArray();
        ExperimentStats mixed = ExperimentStatistics.compute(new Runs()
                .add("fp32", 32, 256, true, FP32_32).add("amp-fp16", 32, 256, false, AMP_32)
                .inference().add("fp32", 32, 256, true, FP32_128).add("int8", 32, 256, false, AMP_128)
                .add("fp32", 64, 256, false, fp32Batch64).experiment());
        java.util.List<Comparison> versusBenchmark = mixed.getComparisons().stream()
                .filter(c -> c.getMetric().equals("average_power_watts")
                        && c.getKinds().contains(dev.ampwatch.schema.ComparisonKind.VERSUS_BENCHMARK)).toList();
        assertThat(versusBenchmark).extracting(c -> c.getConfigurationLabel() + " / " + c.getReferenceLabel())
                .containsExactlyInAnyOrder("amp-fp16 / fp32",
                        "int8 bs=32 phase=inference / fp32 bs=32 phase=inference",
                        "fp32 bs=64 phase=inference / fp32 bs=32 phase=inference");
        Comparison batch = versusBenchmark.stream().filter(c -> c.getConfigurationLabel().startsWith("fp32 bs=64")).findFirst()
                .orElseThrow();
        assertThat(batch.getWelchT()).isCloseTo(-6.497221227363107, within(1e-9));
        assertThat(mixed.getNotComputed()).noneMatch(n -> n.getAnalysis().startsWith("every configuration vs the benchmark"));

        java.util.List<dev.ampwatch.schema.AnovaTable> oneWay = mixed.getAnova().stream()
                .filter(t -> t.getMetric().equals("average_power_watts") && t.getKind().equals("one-way")).toList();
        assertThat(oneWay).extracting(dev.ampwatch.schema.AnovaTable::getPhase).containsExactly("inference", "training");
        assertThat(oneWay.get(0).getRows().get(0).getF()).isCloseTo(171.44856543036894, within(1e-8));
        assertThat(oneWay.get(0).getRows().get(0).getPValue()).isCloseTo(1.4944195702250856e-09, within(1e-15));
        assertThat(oneWay.get(1).getRows().get(0).getF()).isCloseTo(313.6233269598475, within(1e-8));
        assertThat(oneWay.get(1).getRows().get(0).getPValue()).isCloseTo(1.0572927285286732e-07, within(1e-13));
        // the inference phase varies precision and batch size: its factorial table has just those factors
        assertThat(mixed.getAnova()).filteredOn(t -> t.getKind().equals("factorial-type-ii") && t.getMetric().equals("average_power_watts"))
                .extracting(t -> t.getPhase() + ": " + t.getFactors()).containsExactly("inference: [precision, batch_size]");
        assertThat(stats.getAnova()).allMatch(t -> t.getPhase() != null); // the mixed experiment above has no benchmark
        // a configuration's factors vary within its own phase: training's batch size does not, inference's does
        java.util.function.BiFunction<String, String, Boolean> varies = (label, factor) -> mixed.getConfigurations().stream()
                .filter(c -> c.getLabel().equals(label)).flatMap(c -> c.getFactors().stream())
                .filter(f -> f.getFactor().equals(factor)).findFirst().orElseThrow().getVaries();
        assertThat(varies.apply("fp32", "batch_size")).isFalse();
        assertThat(varies.apply("fp32 bs=64 phase=inference", "batch_size")).isTrue();
        assertThat(varies.apply("fp32", "phase")).as("the phase varies in the experiment").isTrue();
        // the v1 tests keep training's one-way ANOVA only; the energy model rests on the training runs only
        assertThat(mixed.getTests()).filteredOn(t -> t.getName().equals("anova")).allSatisfy(t -> assertThat(t.getGroups())
                .containsExactlyInAnyOrder("fp32", "amp-fp16"));
        assertThat(mixed.getRunEstimates()).isNotEmpty().noneMatch(e -> e.getConfigurationLabel().contains("phase=inference"));
        assertThat(mixed.getRunEstimates()).allSatisfy(e -> assertThat(e.getFitRuns()).isLessThanOrEqualTo(10));
        assertThat(ExperimentStatistics.compute(new Runs().add("fp32", 32, FP32_32).add("amp-fp16", 32, AMP_32).experiment())
                .getAnova()).allMatch(t -> t.getPhase() == null);
    }

    /** An experiment of inference runs only (ampwatch infer) is no training experiment for the v1 tests. */
    @Test
    void anInferenceOnlyExperimentHasNoV1Tests() {
        ExperimentStats inference = ExperimentStatistics.compute(new Runs().inference().add("fp32", 32, FP32_128)
                .add("int8", 32, AMP_128).experiment());
        assertThat(inference.getAnova()).isNotEmpty().allMatch(t -> t.getPhase() == null);
        assertThat(inference.getTests()).noneMatch(t -> t.getName().equals("anova"));
    }

    private Comparison power(String label) {
        return stats.getComparisons().stream().filter(c -> c.getMetric().equals("average_power_watts")
                && c.getConfigurationLabel().equals(label)).findFirst().orElseThrow();
    }
}
