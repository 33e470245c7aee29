package dev.ampwatch.analyzer.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.schema.EnergyForecast;
import dev.ampwatch.schema.ForecastCheck;
import dev.ampwatch.schema.RunEnergy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Forecasts on simulated runs replayed through the analyzer's host timeline ({@link SimulatedRun}): 10
 * epochs of ~20 s, per-epoch watts and durations varying by 2 %, readings by 2 %, an evaluation gap after
 * each epoch. What the issue asks: steady runs are forecast after 2 of 10 epochs within 5 % and the 95 %
 * interval holds the true total in at least 90 % of runs; runs with a trend get the trend model and
 * wider intervals, a warm-up epoch is left out, and a run that cannot be extrapolated gets no forecast
 * but the reason.
 */
class ForecastSimulationTest {
    static final int RUNS = 100;
    static final IntToDoubleFunction STEADY = e -> 200;
    static final IntToDoubleFunction TREND = e -> 200 * (1 + 0.06 * (e - 1)); // +6 % of the first per epoch

    @Test
    void steadyRunsAreForecastAfterTwoOfTenEpochsWithinFivePercentAndTheIntervalHoldsTheTotal() {
        int inside = 0;
        int insideAll = 0;
        int checks = 0;
        double worst = 0;
        for (long seed = 1; seed <= RUNS; seed++) {
            RunEnergy run = SimulatedRun.finalRecord(new SimulatedRun(seed, 10, 20, STEADY, 0.02).replay());
            List<ForecastCheck> scored = run.getForecastChecks();
            assertThat(scored).as("seed %d: one scored forecast after each of epochs 2..9", seed).hasSize(8);
            ForecastCheck afterTwo = scored.get(0);
            assertThat(afterTwo.getAfterEpoch()).isEqualTo(2);
            assertThat(afterTwo.getErrorRatio()).isCloseTo((afterTwo.getEnergyJoules() - run.getEnergyJoules()) / run.getEnergyJoules(),
                    within(1e-12));
            worst = Math.max(worst, Math.abs(afterTwo.getErrorRatio()));
            inside += afterTwo.getInsideInterval() ? 1 : 0;
            for (ForecastCheck c : scored) {
                checks++;
                insideAll += c.getInsideInterval() ? 1 : 0;
            }
        }
        assertThat(worst).as("worst error after 2 of 10 epochs").isLessThan(0.05);
        assertThat(inside).as("runs whose total lies in the 95 %% interval forecast after 2 epochs").isGreaterThanOrEqualTo(90);
        assertThat((double) insideAll / checks).as("coverage over every forecast").isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void theForecastPublishedLiveIsTheOneScoredAtTheEnd() {
        List<RunEnergy> records = new SimulatedRun(7, 10, 20, STEADY, 0.02).replay();
        RunEnergy last = SimulatedRun.finalRecord(records);
        List<EnergyForecast> live = new ArrayList<>();
        for (RunEnergy r : records) {
            if (!r.getIsFinal() && r.getForecast() != null
                    && (live.isEmpty() || live.get(live.size() - 1).getAfterEpoch() != r.getForecast().getAfterEpoch())) {
                live.add(r.getForecast());
            }
        }
        assertThat(live).extracting(EnergyForecast::getAfterEpoch).containsExactly(2, 3, 4, 5, 6, 7, 8, 9);
        for (int i = 0; i < live.size(); i++) {
            assertThat(last.getForecastChecks().get(i).getEnergyJoules()).as("after epoch %d", i + 2)
                    .isEqualTo(live.get(i).getEnergyJoules());
        }
        // before epoch 2 is complete: no forecast, and why
        RunEnergy early = records.stream().filter(r -> !r.getIsFinal() && r.getEpochs().size() == 2
                && r.getEpochs().get(1).getEndTime() == null).findFirst().orElseThrow();
        assertThat(early.getForecast()).isNull();
        assertThat(early.getForecastWithheld()).isEqualTo("needs 2 complete epochs before the last planned one, has 1");
        assertThat(last.getForecast().getAfterEpoch()).as("a final record keeps the last forecast made").isEqualTo(9);
        EnergyForecast first = live.get(0);
        assertThat(first.getNotes()).anyMatch(n -> n.startsWith("2 epochs: a trend cannot be tested yet"));
        assertThat(first.getEnergyLowJoules()).isLessThan(first.getEnergyJoules());
        assertThat(first.getEndTime()).isAfter(last.getEpochs().get(1).getEndTime());
        assertThat(first.getNetEnergyJoules()).as("idle power seen: 50 W").isLessThan(first.getEnergyJoules());
        assertThat(first.getCo2eGrams()).isCloseTo(first.getEnergyJoules() / 3.6e6 * 400, within(1e-9));
    }

    @Test
    void runsWithATrendGetTheTrendModelAndWiderIntervalsThatStillHoldTheTotal() {
        int trendModel = 0;
        int inside = 0;
        int scored = 0;
        double trendWidth = 0;
        double steadyWidth = 0;
        double steadyModelInside = 0;
        for (long seed = 1; seed <= 50; seed++) {
            RunEnergy trending = SimulatedRun.finalRecord(new SimulatedRun(seed, 10, 20, TREND, 0.02).replay());
            RunEnergy steady = SimulatedRun.finalRecord(new SimulatedRun(seed, 10, 20, STEADY, 0.02).replay());
            for (ForecastCheck c : trending.getForecastChecks()) {
                if (c.getAfterEpoch() < 6) {
                    continue; // a trend of 6 % per epoch in 2 % noise shows in the test from about the fifth epoch
                }
                scored++;
                trendModel += c.getModel().equals("trend") ? 1 : 0;
                inside += c.getInsideInterval() ? 1 : 0;
                if (c.getAfterEpoch() == 6) {
                    trendWidth += (c.getEnergyHighJoules() - c.getEnergyLowJoules()) / c.getEnergyJoules();
                }
            }
            ForecastCheck steadySix = steady.getForecastChecks().get(4);
            assertThat(steadySix.getAfterEpoch()).isEqualTo(6);
            steadyWidth += (steadySix.getEnergyHighJoules() - steadySix.getEnergyLowJoules()) / steadySix.getEnergyJoules();
            steadyModelInside += trending.getForecastChecks().get(0).getInsideInterval() ? 1 : 0;
        }
        assertThat((double) trendModel / scored).as("forecasts after 6+ epochs that use the trend model").isGreaterThanOrEqualTo(0.9);
        assertThat((double) inside / scored).as("coverage of those").isGreaterThanOrEqualTo(0.9);
        assertThat(trendWidth).as("relative interval width after 6 epochs: trend runs vs steady runs")
                .isGreaterThan(1.5 * steadyWidth);
        // before the trend shows, the steady model says so and is wide only by the epochs' difference:
        // the total lies outside its interval far more often than 5 % (docs/forecasts.md says so)
        assertThat(steadyModelInside / 50).isLessThan(0.9);
    }

    @Test
    void aWarmUpEpochIsLeftOut() {
        int leftOut = 0;
        double worst = 0;
        for (long seed = 1; seed <= 50; seed++) {
            RunEnergy run = SimulatedRun.finalRecord(new SimulatedRun(seed, 10, 20, e -> e == 1 ? 320 : 200, 0.02).replay());
            ForecastCheck afterFour = run.getForecastChecks().get(2);
            assertThat(afterFour.getAfterEpoch()).isEqualTo(4);
            if (afterFour.getModel().equals("steady-after-warm-up")) {
                leftOut++;
                worst = Math.max(worst, Math.abs(afterFour.getErrorRatio()));
            } else {
                System.out.println("seed " + seed + " " + afterFour);
            }
            // after 2 epochs the warm-up cannot be told apart: the interval is wide by their difference
            ForecastCheck afterTwo = run.getForecastChecks().get(0);
            assertThat(afterTwo.getInsideInterval()).isTrue();
            assertThat((afterTwo.getEnergyHighJoules() - afterTwo.getEnergyLowJoules()) / afterTwo.getEnergyJoules()).isGreaterThan(1);
        }
        assertThat(leftOut).as("runs whose warm-up epoch is left out after 4 epochs").isGreaterThanOrEqualTo(45);
        assertThat(worst).as("worst error after 4 epochs, warm-up left out").isLessThan(0.05);
    }

    /**
     * A warm-up that fades over several epochs (per-epoch power 40 % above its level at first, decaying with
     * a time constant of 2 epochs; 20 epochs of 5 s), as JIT compilation and caches make a CPU run's first
     * epochs dearer: a line through it would fall below the level the run settles at, so a falling trend is
     * forecast at the latest epochs' level, its interval reaching down to the line.
     */
    @Test
    void aWarmUpThatFadesOverSeveralEpochsIsForecastAtTheLevelItSettlesAt() {
        int scored = 0;
        int inside = 0;
        double worst = 0;
        for (long seed = 1; seed <= 50; seed++) {
            RunEnergy run = SimulatedRun.finalRecord(new SimulatedRun(seed, 20, 5,
                    e -> 200 * (1 + 0.4 * Math.exp(-(e - 1) / 2.0)), 0.02).replay());
            for (ForecastCheck c : run.getForecastChecks()) {
                if (c.getAfterEpoch() >= 7) {
                    scored++;
                    inside += c.getInsideInterval() ? 1 : 0;
                    worst = Math.max(worst, Math.abs(c.getErrorRatio()));
                    assertThat(c.getModel()).as("seed %d after %d", seed, c.getAfterEpoch()).isIn("trend", "steady", "steady-after-warm-up");
                }
            }
            if (seed == 1) {
                assertThat(run.getForecast().getModel()).isEqualTo("trend");
                assertThat(run.getForecast().getNotes()).anyMatch(n -> n.contains("a falling trend levels off"));
            }
        }
        assertThat(scored).isEqualTo(50 * 13);
        assertThat(worst).as("worst error after 7 or more epochs").isLessThan(0.05);
        assertThat((double) inside / scored).as("coverage after 7 or more epochs").isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void aRunWhoseEnergyFallsTooFastGetsNoForecastButTheReason() {
        RunEnergy run = SimulatedRun.finalRecord(new SimulatedRun(3, 10, 20, e -> 200 * (1 - 0.12 * (e - 1)), 0.02).replay());
        assertThat(run.getForecast()).isNull();
        assertThat(run.getForecastWithheld()).startsWith("per-epoch energy falls by").contains("not steady enough to forecast");
    }
}
