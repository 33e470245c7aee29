package dev.ampwatch.analyzer.stats;

import static dev.ampwatch.analyzer.stats.ConfoundingTest.AMP_128;
import static dev.ampwatch.analyzer.stats.ConfoundingTest.AMP_32;
import static dev.ampwatch.analyzer.stats.ConfoundingTest.FP32_128;
import static dev.ampwatch.analyzer.stats.ConfoundingTest.FP32_32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ConfigurationSummary;
import dev.ampwatch.schema.ConvLayer;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.FactorLevel;
import dev.ampwatch.schema.RunConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A CNN (convolution layers in front of the hidden layers, RunConfig.conv_layers) and an MLP with the same hidden
 * units, batch size and everything else are never one configuration: each lower precision is compared with FP32 of
 * its own architecture. The figures are ConfoundingTest's (scipy, code there), here split by architecture instead of
 * batch size: the same samples give the same Welch results, and pooled they would cancel.
 */
class ConvLayersTest {
    static final String CONV = "c32k3s1,c64k3s2";
    static final String MLP_FP32_KEY = "precision=fp32|batch_size=32|hidden_units=256|epochs=5|learning_rate=0.01"
            + "|optimizer=sgd-momentum|dataset=fashion-mnist|train_samples=1000|device=cpu (2 threads)|backend=cpu";
    static final String CNN_FP32_KEY = "precision=fp32|batch_size=32|conv_layers=c32k3s1,c64k3s2|hidden_units=256|epochs=5"
            + "|learning_rate=0.01|optimizer=sgd-momentum|dataset=fashion-mnist|train_samples=1000|device=cpu (2 threads)"
            + "|backend=cpu";

    final ExperimentStats stats = ExperimentStatistics.compute(new Runs()
            .add("fp32", 32, FP32_32).add("amp-fp16", 32, AMP_32)
            .conv(CONV).add("fp32", 32, FP32_128).add("amp-fp16", 32, AMP_128).experiment());

    @Test
    void aCnnAndAnMlpOfTheSameHiddenUnitsAreSeparateConfigurationsAndMlpKeysReadAsBefore() {
        assertThat(stats.getConfigurations()).extracting(ConfigurationSummary::getLabel)
                .containsExactlyInAnyOrder("fp32", "amp-fp16", "fp32 conv=" + CONV, "amp-fp16 conv=" + CONV);
        assertThat(stats.getConfigurations()).extracting(ConfigurationSummary::getKey)
                .filteredOn(k -> k.startsWith("precision=fp32|")).containsExactlyInAnyOrder(MLP_FP32_KEY, CNN_FP32_KEY);
        assertThat(stats.getConfigurations()).allSatisfy(c -> assertThat(c.getRuns()).isEqualTo(5));
        // the factor is listed for every configuration (an MLP's level is empty) and varies in this experiment
        assertThat(stats.getConfigurations()).allSatisfy(c -> assertThat(c.getFactors()).filteredOn(f -> f.getFactor()
                .equals("conv_layers")).extracting(FactorLevel::getVaries).containsExactly(true));
        assertThat(level(stats, "fp32", "conv_layers")).isEmpty();
        assertThat(level(stats, "fp32 conv=" + CONV, "conv_layers")).isEqualTo(CONV);
        // the factorial ANOVA has the architecture as a factor
        assertThat(stats.getAnova()).filteredOn(t -> t.getKind().equals("factorial-type-ii") && t.getMetric().equals("average_power_watts"))
                .extracting(t -> t.getFactors().toString()).containsExactly("[precision, conv_layers]");
    }

    /** A model without hidden layers (logistic regression) is labelled h=none, not "h=" (a review). */
    @Test
    void aModelWithoutHiddenLayersIsLabelledNone() {
        ExperimentStats s = ExperimentStatistics.compute(new Runs().add("fp32", 32, 0, false, FP32_32)
                .add("fp32", 32, 256, false, FP32_128).experiment());
        assertThat(s.getConfigurations()).extracting(ConfigurationSummary::getLabel).containsExactlyInAnyOrder("fp32 h=none", "fp32 h=256");
    }

    @Test
    void theKeyOfARunConfigHasTheConvolutionLayersOnlyWhenThereAreSome() {
        RunConfig mlp = RunConfig.newBuilder().setPrecision("fp32").setBatchSize(32).setHiddenUnits(List.of(256)).setEpochs(5)
                .setLearningRate(0.01).setOptimizer("sgd-momentum").setDataset("fashion-mnist").setTrainSamples(1000)
                .setParameterCount(203_530).setDeviceName("cpu (2 threads)").setBackend("cpu").build();
        assertThat(mlp.getConvLayers()).as("the default: an MLP").isEmpty();
        assertThat(ConfigurationKeys.of(mlp)).isEqualTo(MLP_FP32_KEY);
        RunConfig cnn = RunConfig.newBuilder(mlp).setConvLayers(List.of(new ConvLayer(32, 3, 1), new ConvLayer(64, 3, 2))).build();
        assertThat(ConfigurationKeys.of(cnn)).isEqualTo(CNN_FP32_KEY);
    }

    @Test
    void lowerPrecisionsAreComparedWithFp32OfTheirOwnArchitecture() {
        Comparison mlp = power("amp-fp16");
        assertThat(mlp.getReferenceLabel()).isEqualTo("fp32");
        assertThat(mlp.getMeanDifference()).isCloseTo(-8.099999999999994, within(1e-9));
        assertThat(mlp.getWelchT()).isCloseTo(-17.70941351258833, within(1e-9));
        Comparison cnn = power("amp-fp16 conv=" + CONV);
        assertThat(cnn.getReferenceLabel()).isEqualTo("fp32 conv=" + CONV);
        assertThat(cnn.getMeanDifference()).isCloseTo(4.999999999999972, within(1e-9));
        assertThat(cnn.getWelchT()).isCloseTo(11.811389781538223, within(1e-9));
        assertThat(stats.getComparisons()).isNotEmpty().noneMatch(c -> c.getConfigurationLabel().contains("conv=")
                != c.getReferenceLabel().contains("conv="));
    }

    /** Without the factor the same runs would be one configuration per precision, and the two effects would cancel. */
    @Test
    void theSameRunsWithoutConvolutionLayersWouldPool() {
        ExperimentStats pooled = ExperimentStatistics.compute(new Runs()
                .add("fp32", 32, FP32_32).add("amp-fp16", 32, AMP_32)
                .add("fp32", 32, FP32_128).add("amp-fp16", 32, AMP_128).experiment());
        assertThat(pooled.getConfigurations()).extracting(ConfigurationSummary::getLabel).containsExactlyInAnyOrder("fp32", "amp-fp16");
        Comparison c = pooled.getComparisons().stream().filter(x -> x.getMetric().equals("average_power_watts")).findFirst().orElseThrow();
        assertThat(c.getMeanDifference()).isCloseTo(-1.5500000000000256, within(1e-9));
        assertThat(c.getWelchT()).isCloseTo(-0.24022771080522876, within(1e-9));
        assertThat(level(pooled, "fp32", "conv_layers")).isEmpty();
        assertThat(pooled.getConfigurations()).flatExtracting(ConfigurationSummary::getFactors)
                .filteredOn(f -> f.getFactor().equals("conv_layers")).noneMatch(FactorLevel::getVaries);
    }

    private static String level(ExperimentStats s, String label, String factor) {
        return s.getConfigurations().stream().filter(c -> c.getLabel().equals(label)).flatMap(c -> c.getFactors().stream())
                .filter(f -> f.getFactor().equals(factor)).map(FactorLevel::getLevel).findFirst().orElseThrow();
    }

    private Comparison power(String label) {
        return stats.getComparisons().stream().filter(c -> c.getMetric().equals("average_power_watts")
                && c.getConfigurationLabel().equals(label)).findFirst().orElseThrow();
    }
}
