package dev.ampwatch.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.analyzer.state.RunSettings;
import dev.ampwatch.schema.ModelTerm;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The model-size fit against numpy 1.24 / scipy 1.10:
 * <pre>
 * params = [100000, 100000, 200000, 200000, 400000, 400000, 800000, 100000]
 * samples = [12000, 12000, 12000, 24000, 12000, 12000, 12000, 24000]; epochs = [5, 10, 5, 5, 5, 10, 5, 5]
 * prec = ['fp32', 'amp-bf16', 'fp32', 'fp32', 'amp-bf16', 'fp32', 'fp32', 'amp-bf16']
 * E = [410.0, 705.0, 760.0, 1490.0, 1290.0, 3050.0, 2880.0, 690.0]
 * w = np.array(params) * np.array(samples) * np.array(epochs)
 * X = np.column_stack([np.ones(8), np.log(w), [1.0 if p == 'amp-bf16' else 0.0 for p in prec]]); y = np.log(E)
 * beta = np.linalg.lstsq(X, y, rcond=None)[0]; res = y - X @ beta; df = 5; s2 = res @ res / df
 * XtXi = np.linalg.inv(X.T @ X); se = np.sqrt(np.diag(XtXi) * s2)
 * r2 = 1 - res @ res / ((y - y.mean()) @ (y - y.mean())); adj = 1 - (1 - r2) * 7 / df
 * p = 2 * stats.t.cdf(-abs(beta / se), df)
 * x0 = np.array([1, np.log(300000 * 12000 * 5), 1.0]); m = x0 @ beta
 * half = stats.t.ppf(0.975, df) * np.sqrt(s2 * (1 + x0 @ XtXi @ x0)); np.exp([m, m - half, m + half])
 * np.median(abs(np.exp(X @ beta) - np.array(E)) / np.array(E))
 * </pre>
 */
class EnergyModelReferenceTest {
    static final long[] PARAMS = {100000, 100000, 200000, 200000, 400000, 400000, 800000, 100000};
    static final long[] SAMPLES = {12000, 12000, 12000, 24000, 12000, 12000, 12000, 24000};
    static final int[] EPOCHS = {5, 10, 5, 5, 5, 10, 5, 5};
    static final String[] PRECISION = {"fp32", "amp-bf16", "fp32", "fp32", "amp-bf16", "fp32", "fp32", "amp-bf16"};
    static final double[] JOULES = {410.0, 705.0, 760.0, 1490.0, 1290.0, 3050.0, 2880.0, 690.0};

    @Test
    void coefficientsFitAndPredictionIntervalMatchNumpy() {
        EnergyModel.Outcome o = EnergyModel.fit(runs());
        assertThat(o.reason()).isNull();
        dev.ampwatch.schema.EnergyModel m = o.model().record();
        assertThat(m.getTerms()).extracting(ModelTerm::getTerm).containsExactly("(intercept)", "ln(work)", "precision=amp-bf16");
        double[] beta = {-15.408366117186445, 0.9509552910159741, -0.12885666423391065};
        double[] se = {0.38808742078743463, 0.01632143058983807, 0.023185065581296273};
        double[] p = {1.910827245186996e-07, 2.8178946358287442e-08, 0.0025932846283767165};
        for (int i = 0; i < 3; i++) {
            assertThat(m.getTerms().get(i).getEstimate()).isCloseTo(beta[i], within(1e-9));
            assertThat(m.getTerms().get(i).getStdError()).isCloseTo(se[i], within(1e-9));
            assertThat(m.getTerms().get(i).getPValue()).isCloseTo(p[i], within(1e-9 * Math.max(p[i], 1e-6)));
        }
        assertThat(m.getRSquared()).isCloseTo(0.9986749641256923, within(1e-12));
        assertThat(m.getAdjustedRSquared()).isCloseTo(0.9981449497759692, within(1e-12));
        assertThat(m.getResidualSd()).isCloseTo(0.030913420775061803, within(1e-12));
        assertThat(m.getResidualDf()).isEqualTo(5);
        assertThat(m.getRuns()).isEqualTo(8);
        assertThat(m.getMedianAbsErrorRatio()).isCloseTo(0.01979696985513973, within(1e-9));
        assertThat(m.getWorkMin()).isEqualTo(6e9);
        assertThat(m.getWorkMax()).isEqualTo(4.8e10);
        assertThat(m.getFactorLevels()).containsEntry("precision", List.of("fp32", "amp-bf16"));
        assertThat(m.getFormula()).isEqualTo("ln(energy_joules) ~ ln(parameters x train_samples x epochs) + precision");

        EnergyModel.Estimate e = o.model().estimate(settings("amp-bf16", 12000, 5), 300000L, null, 0.95);
        assertThat(e.refused()).isNull();
        assertThat(e.joules()).isCloseTo(1010.5912448777427, within(1e-7));
        assertThat(e.lowJoules()).isCloseTo(921.719243666034, within(1e-7));
        assertThat(e.highJoules()).isCloseTo(1108.0322682224382, within(1e-7));
    }

    @Test
    void noEstimateOutsideWhatTheFitHasSeen() {
        EnergyModel model = EnergyModel.fit(runs()).model();
        assertThat(model.estimate(settings("fp32", 12000, 5), 10_000_000L, null, 0.95).refused())
                .isEqualTo("its work (parameters x train_samples x epochs = 6.000e+11) is outside the range the fit has seen (6.000e+09 to 4.800e+10)");
        assertThat(model.estimate(settings("amp-fp16", 12000, 5), 300000L, null, 0.95).refused())
                .isEqualTo("precision amp-fp16 is not among the levels the fit has seen [fp32, amp-bf16]");
    }

    /**
     * MLPs and CNNs in one experiment: a CNN's work costs about twice an MLP's here, which the architecture factor
     * carries (without it the fit would blend the two). numpy / scipy as above, with
     * <pre>
     * params = [100000, 200000, 400000, 800000, 1600000, 100000, 200000, 400000, 800000]; samples = [12000] * 9
     * epochs = [5] * 9; arch = ['mlp'] * 5 + ['cnn'] * 4
     * E = [410.0, 790.0, 1610.0, 3150.0, 6400.0, 830.0, 1570.0, 3300.0, 6250.0]
     * X = np.column_stack([np.ones(9), np.log(w), [1.0 if a == 'cnn' else 0.0 for a in arch]]); df = 6
     * x0 = np.array([1, np.log(300000 * 12000 * 5), 1.0])
     * </pre>
     */
    @Test
    void anArchitectureFactorSeparatesCnnsFromMlpsAndMatchesNumpy() {
        long[] params = {100000, 200000, 400000, 800000, 1600000, 100000, 200000, 400000, 800000};
        double[] joules = {410.0, 790.0, 1610.0, 3150.0, 6400.0, 830.0, 1570.0, 3300.0, 6250.0};
        List<FinishedRun> runs = new ArrayList<>();
        for (int i = 0; i < params.length; i++) {
            FinishedRun r = run(i, params[i], 12000, 5, "fp32", joules[i]);
            if (i >= 5) {
                r.getSettings().setConvLayers("c32k3s1,c64k3s2");
            }
            runs.add(r);
        }
        EnergyModel.Outcome o = EnergyModel.fit(runs);
        assertThat(o.reason()).isNull();
        dev.ampwatch.schema.EnergyModel m = o.model().record();
        assertThat(m.getTerms()).extracting(ModelTerm::getTerm).containsExactly("(intercept)", "ln(work)", "architecture=cnn");
        double[] beta = {-16.250629618839774, 0.9886026403819759, 0.6949132259058723};
        double[] se = {0.2053781276184173, 0.008581933071225595, 0.015738364679392762};
        double[] p = {2.7435680894138917e-10, 2.8851511714360724e-11, 9.035967816578981e-09};
        for (int i = 0; i < 3; i++) {
            assertThat(m.getTerms().get(i).getEstimate()).isCloseTo(beta[i], within(1e-9));
            assertThat(m.getTerms().get(i).getStdError()).isCloseTo(se[i], within(1e-9));
            assertThat(m.getTerms().get(i).getPValue()).isCloseTo(p[i], within(1e-6 * p[i]));
        }
        assertThat(m.getFormula()).isEqualTo("ln(energy_joules) ~ ln(parameters x train_samples x epochs) + architecture");
        assertThat(m.getFactorLevels()).containsEntry("architecture", List.of("mlp", "cnn"))
                .containsEntry("precision", List.of("fp32")).containsEntry("device", List.of("cpu"));
        RunSettings cnn = settings("fp32", 12000, 5);
        cnn.setConvLayers("c16k5s2");
        EnergyModel.Estimate e = o.model().estimate(cnn, 300000L, null, 0.95);
        assertThat(e.refused()).isNull();
        assertThat(e.joules()).isCloseTo(2413.3909780303293, within(1e-7));
        assertThat(e.lowJoules()).isCloseTo(2265.94808019676, within(1e-7));
        assertThat(e.highJoules()).isCloseTo(2570.4278327208763, within(1e-7));
        // the same record, read back as RunMetrics reads it, estimates alike
        assertThat(EnergyModel.from(m).estimate(cnn, 300000L, null, 0.95).joules()).isCloseTo(e.joules(), within(1e-9));
    }

    /** A factor that did not vary still bounds the fit: CPU MLP runs say nothing about a GPU run or a CNN. */
    @Test
    void noEstimateForALevelOfAFactorTheFitNeverSawVary() {
        EnergyModel model = EnergyModel.fit(runs()).model();
        RunSettings cnn = settings("fp32", 12000, 5);
        cnn.setConvLayers("c32k3s1");
        assertThat(model.estimate(cnn, 300000L, null, 0.95).refused())
                .isEqualTo("architecture cnn is not among the levels the fit has seen [mlp]");
        RunSettings gpu = settings("fp32", 12000, 5);
        gpu.setDeviceName("gpu0");
        assertThat(model.estimate(gpu, 300000L, null, 0.95).refused())
                .isEqualTo("device gpu0 is not among the levels the fit has seen [cpu]");
        assertThat(EnergyModel.from(model.record()).estimate(gpu, 300000L, null, 0.95).refused()).isNotNull();
        assertThat(model.record().getFormula()).isEqualTo("ln(energy_joules) ~ ln(parameters x train_samples x epochs) + precision");
    }

    @Test
    void whatCannotBeFittedSaysWhy() {
        assertThat(EnergyModel.fit(runs().subList(0, 2)).reason())
                .isEqualTo("needs 3 completed runs that report their model size, has 2");
        List<FinishedRun> same = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            same.add(run(i, 100000, 12000, 5, "fp32", 400 + i));
        }
        assertThat(EnergyModel.fit(same).reason()).contains("does not vary");
    }

    static List<FinishedRun> runs() {
        List<FinishedRun> out = new ArrayList<>();
        for (int i = 0; i < PARAMS.length; i++) {
            out.add(run(i, PARAMS[i], SAMPLES[i], EPOCHS[i], PRECISION[i], JOULES[i]));
        }
        return out;
    }

    static FinishedRun run(int i, long params, long samples, int epochs, String precision, double joules) {
        return FinishedRun.newBuilder().setRunId("r" + i).setGroup(precision).setStatus("COMPLETED").setEnergyJoules(joules)
                .setAveragePowerWatts(50).setDurationSeconds(10).setEndUs(1_000_000_000L * (i + 1))
                .setSettings(settings(precision, samples, epochs)).setParameterCount(params).build();
    }

    static RunSettings settings(String precision, long samples, int epochs) {
        return RunSettings.newBuilder().setPrecision(precision).setBatchSize(128).setHiddenUnits(List.of(256)).setEpochs(epochs)
                .setLearningRate(0.05).setOptimizer("sgd-momentum").setDataset("d").setDatasetSynthetic(false)
                .setTrainSamples(samples).setDeviceName("cpu").setBackend("cpu").setBenchmark(false).build();
    }
}
