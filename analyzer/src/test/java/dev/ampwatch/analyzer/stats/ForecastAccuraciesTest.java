package dev.ampwatch.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.schema.ForecastAccuracy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An experiment's forecast accuracy against numpy 1.24:
 * <pre>
 * e = np.array([0.012, -0.031, 0.004, 0.027, -0.008, 0.05, -0.002])
 * np.median(e), np.median(abs(e)), np.percentile(abs(e), 90)   # 0.004, 0.012, 0.03860000000000001
 * </pre>
 */
class ForecastAccuraciesTest {
    @Test
    void medianAndNinetiethPercentileOfTheFirstForecastsErrors() {
        double[] errors = {0.012, -0.031, 0.004, 0.027, -0.008, 0.05, -0.002};
        List<FinishedRun> runs = new ArrayList<>();
        for (int i = 0; i < errors.length; i++) {
            runs.add(run("r" + i, "COMPLETED", errors[i], i != 5));
        }
        runs.add(run("failed", "FAILED", 0.9, false)); // a failed run's forecast is not scored
        runs.add(run("none", "COMPLETED", null, null)); // nor one that never had a forecast

        ForecastAccuracy a = ForecastAccuracies.of(runs);

        assertThat(a.getRuns()).isEqualTo(7);
        assertThat(a.getMedianErrorRatio()).isCloseTo(0.004, within(1e-15));
        assertThat(a.getMedianAbsErrorRatio()).isCloseTo(0.012, within(1e-15));
        assertThat(a.getP90AbsErrorRatio()).isCloseTo(0.03860000000000001, within(1e-15));
        assertThat(a.getInsideIntervalRatio()).isCloseTo(6.0 / 7, within(1e-15));
    }

    /** Training and inference forecasts are never pooled: training's where there is any, else inference's (2026-12-02). */
    @Test
    void trainingRunsForecastsAreNotPooledWithInferencePasses() {
        FinishedRun inference = run("infer", "COMPLETED", 0.5, false);
        inference.setSettings(ExperimentRunsAggregator.settings(dev.ampwatch.schema.RunConfig.newBuilder().setPrecision("int8")
                .setBatchSize(64).setHiddenUnits(List.of(64)).setEpochs(2).setLearningRate(0).setOptimizer("none")
                .setDataset("d").setTrainSamples(100).setParameterCount(1000).setDeviceName("cpu").setBackend("cpu")
                .setPhase(dev.ampwatch.schema.RunPhase.INFERENCE).build()));
        assertThat(ForecastAccuracies.of(List.of(run("train", "COMPLETED", 0.01, true), inference)))
                .satisfies(a -> {
                    assertThat(a.getRuns()).isEqualTo(1);
                    assertThat(a.getMedianErrorRatio()).isEqualTo(0.01);
                });
        assertThat(ForecastAccuracies.of(List.of(inference)).getMedianErrorRatio()).isEqualTo(0.5);
    }

    @Test
    void noScoredForecastNoAccuracy() {
        assertThat(ForecastAccuracies.of(List.of(run("none", "COMPLETED", null, null)))).isNull();
    }

    private static FinishedRun run(String id, String status, Double error, Boolean inside) {
        return FinishedRun.newBuilder().setRunId(id).setGroup("fp32").setStatus(status).setEnergyJoules(1000)
                .setAveragePowerWatts(100).setDurationSeconds(10).setEndUs(1).setForecastErrorRatio(error)
                .setForecastInside(inside).build();
    }
}
