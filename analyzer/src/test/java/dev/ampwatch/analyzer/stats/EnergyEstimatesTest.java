package dev.ampwatch.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.RunEstimate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each run is estimated from the runs that had ended when it started, so the scores do not depend on the
 * order the runs' records were processed in; the first runs have no fit, a run outside the fit's range is
 * refused, and the experiment's statistics carry the fit of all runs.
 */
class EnergyEstimatesTest {
    @Test
    void eachRunIsEstimatedFromTheRunsThatEndedBeforeItStarted() {
        List<FinishedRun> runs = EnergyModelReferenceTest.runs(); // ended at 1,000 s, 2,000 s, ... each 10 s long
        ExperimentStats stats = ExperimentStatistics.compute(experiment(runs));

        assertThat(stats.getEnergyModel()).isNotNull();
        assertThat(stats.getEnergyModel().getRuns()).isEqualTo(8);
        List<RunEstimate> estimates = stats.getRunEstimates();
        assertThat(estimates).extracting(RunEstimate::getRunId).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7");
        assertThat(estimates.get(0).getRefused()).startsWith("no fit when it started: needs 3 completed runs");
        assertThat(estimates.get(2).getRefused()).startsWith("no fit when it started: needs 3 completed runs");
        // r3 started after r0..r2 ended: three runs, but with two precisions the fit has three coefficients
        assertThat(estimates.get(3).getRefused()).startsWith("no fit when it started: needs 2 residual degrees of freedom");
        RunEstimate last = estimates.get(7);
        assertThat(last.getFitRuns()).isEqualTo(7);
        EnergyModel prior = EnergyModel.fit(runs.subList(0, 7)).model();
        EnergyModel.Estimate expected = prior.estimate(runs.get(7).getSettings(), runs.get(7).getParameterCount(), null, 0.95);
        assertThat(last.getEnergyJoules()).isCloseTo(expected.joules(), within(1e-9));
        assertThat(last.getErrorRatio()).isCloseTo((expected.joules() - 690.0) / 690.0, within(1e-12));
        assertThat(stats.getEstimateAccuracy().getRuns()).isEqualTo((int) estimates.stream().filter(e -> e.getErrorRatio() != null).count());

        // the same runs in another order give the same statistics
        List<FinishedRun> shuffled = new ArrayList<>(runs);
        Collections.shuffle(shuffled, new java.util.Random(3));
        ExperimentStats again = ExperimentStatistics.compute(experiment(shuffled));
        assertThat(again.getRunEstimates()).isEqualTo(estimates);
        assertThat(again.getEnergyModel().getRSquared()).isCloseTo(stats.getEnergyModel().getRSquared(), within(1e-12));
    }

    @Test
    void anExperimentWhoseWorkDoesNotVarySaysWhyThereIsNoModel() {
        List<FinishedRun> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(EnergyModelReferenceTest.run(i, 100000, 12000, 5, i % 2 == 0 ? "fp32" : "amp-bf16", 400 + i));
        }
        ExperimentStats stats = ExperimentStatistics.compute(experiment(runs));
        assertThat(stats.getEnergyModel()).isNull();
        assertThat(stats.getNotComputed()).anyMatch(n -> n.getAnalysis().equals("energy model") && n.getReason().contains("does not vary"));
    }

    private static ExperimentRuns experiment(List<FinishedRun> runs) {
        return ExperimentRuns.newBuilder().setExperimentId("e").setRuns(new ArrayList<>(runs)).build();
    }
}
