package dev.ampwatch.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.SignificanceTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExperimentStatisticsTest {
    // Welch's t-test, worked example 1 of its Wikipedia article: t = -2.46, df = 24.5, p = 0.021
    static final double[] A1 = {27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4};
    static final double[] A2 = {27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4};

    @Test
    void welchTestAgainstFp32MatchesAPublishedExample() {
        ExperimentStats stats = ExperimentStatistics.compute(experiment(runs("amp-fp16", A1), runs("fp32", A2)));

        SignificanceTest welch = find(stats, "welch-t", "energy_joules");
        assertThat(welch.getGroups()).containsExactly("amp-fp16", "fp32");
        assertThat(welch.getStatistic()).isCloseTo(-2.46, within(0.005));
        assertThat(welch.getPValue()).isCloseTo(0.021, within(0.0015));
        assertThat(welch.getSignificant()).isTrue();
    }

    @Test
    void anovaFMatchesSumsOfSquaresComputedByHand() {
        double[] g1 = {100, 102, 98, 101};
        double[] g2 = {95, 97, 96, 94};
        double[] g3 = {100, 99, 103, 102};
        ExperimentStats stats = ExperimentStatistics.compute(experiment(runs("fp32", g1), runs("amp-fp16", g2),
                runs("amp-bf16", g3)));

        assertThat(find(stats, "anova", "energy_joules").getStatistic()).isCloseTo(fByHand(g1, g2, g3), within(1e-9));
        assertThat(find(stats, "anova", "energy_joules").getPValue()).isBetween(0.0, 0.05);
        assertThat(stats.getGroups()).extracting(g -> g.getGroup()).containsExactly("amp-bf16", "amp-fp16", "fp32");
        assertThat(stats.getGroups().get(2).getMeanEnergyJoules()).isCloseTo(100.25, within(1e-12));
    }

    @Test
    void noTestWithFewerThanTwoRunsInAGroupAndFailedRunsDoNotCount() {
        List<FinishedRun> runs = new ArrayList<>(runs("fp32", new double[] {10, 11}));
        runs.add(run("amp-fp16", 9, "COMPLETED"));
        runs.add(run("amp-fp16", 1, "FAILED"));
        ExperimentStats stats = ExperimentStatistics.compute(new ExperimentRuns("e", runs));

        assertThat(stats.getTests()).isEmpty();
        assertThat(stats.getGroups()).filteredOn(g -> g.getGroup().equals("amp-fp16")).singleElement()
                .satisfies(g -> {
                    assertThat(g.getRuns()).isEqualTo(1);
                    assertThat(g.getStddevEnergyJoules()).isNull();
                });
    }

    private static double fByHand(double[]... groups) {
        double total = 0;
        int n = 0;
        for (double[] g : groups) {
            for (double v : g) {
                total += v;
                n++;
            }
        }
        double grand = total / n;
        double between = 0;
        double within = 0;
        for (double[] g : groups) {
            double mean = 0;
            for (double v : g) {
                mean += v / g.length;
            }
            between += g.length * (mean - grand) * (mean - grand);
            for (double v : g) {
                within += (v - mean) * (v - mean);
            }
        }
        return (between / (groups.length - 1)) / (within / (n - groups.length));
    }

    private static SignificanceTest find(ExperimentStats stats, String name, String metric) {
        return stats.getTests().stream().filter(t -> t.getName().equals(name) && t.getMetric().equals(metric))
                .findFirst().orElseThrow();
    }

    @SafeVarargs
    private static ExperimentRuns experiment(List<FinishedRun>... groups) {
        List<FinishedRun> all = new ArrayList<>();
        for (List<FinishedRun> g : groups) {
            all.addAll(g);
        }
        return new ExperimentRuns("e", all);
    }

    private static List<FinishedRun> runs(String group, double[] energies) {
        List<FinishedRun> out = new ArrayList<>();
        for (double e : energies) {
            out.add(run(group, e, "COMPLETED"));
        }
        return out;
    }

    private static int counter;

    private static FinishedRun run(String group, double energy, String status) {
        return new FinishedRun("r" + (counter++), group, status, energy, energy / 10, 10.0, 1_000_000L * counter);
    }
}
