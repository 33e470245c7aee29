package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.GroupSummary;
import dev.ampwatch.schema.SignificanceTest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.apache.commons.math3.stat.inference.OneWayAnova;
import org.apache.commons.math3.stat.inference.TTest;

/**
 * The seed study's analysis of one experiment: runs grouped by precision; per group the mean and
 * standard deviation of energy, power and duration; Welch's t-test of each group against fp32 (unequal
 * variances) and a one-way ANOVA across all groups, on energy and on average power. Only completed runs
 * count; a test needs at least two runs in every group it compares. Stateless.
 */
public final class ExperimentStatistics {
    public static final double ALPHA = 0.05;
    static final String BASELINE = "fp32";

    private ExperimentStatistics() {}

    public static ExperimentStats compute(ExperimentRuns experiment) {
        Map<String, List<FinishedRun>> groups = new TreeMap<>();
        long newestUs = 0;
        for (FinishedRun r : experiment.getRuns()) {
            if ("COMPLETED".equals(r.getStatus())) {
                groups.computeIfAbsent(r.getGroup(), g -> new ArrayList<>()).add(r);
            }
            newestUs = Math.max(newestUs, r.getEndUs());
        }
        List<GroupSummary> summaries = new ArrayList<>();
        groups.forEach((group, runs) -> summaries.add(summary(group, runs)));
        List<SignificanceTest> tests = new ArrayList<>();
        for (String metric : List.of("energy_joules", "average_power_watts")) {
            ToDoubleFunction<FinishedRun> value = metric.equals("energy_joules")
                    ? FinishedRun::getEnergyJoules : FinishedRun::getAveragePowerWatts;
            welchAgainstBaseline(groups, metric, value, tests);
            anova(groups, metric, value, tests);
        }
        return ExperimentStats.newBuilder().setExperimentId(experiment.getExperimentId())
                .setComputedAt(Micros.instant(newestUs)).setGroups(summaries).setTests(tests).build();
    }

    private static GroupSummary summary(String group, List<FinishedRun> runs) {
        SummaryStatistics energy = stats(runs, FinishedRun::getEnergyJoules);
        return GroupSummary.newBuilder().setGroup(group).setRuns(runs.size())
                .setMeanEnergyJoules(energy.getMean())
                .setStddevEnergyJoules(runs.size() >= 2 ? energy.getStandardDeviation() : null)
                .setMeanPowerWatts(stats(runs, FinishedRun::getAveragePowerWatts).getMean())
                .setMeanDurationSeconds(stats(runs, FinishedRun::getDurationSeconds).getMean())
                .build();
    }

    private static void welchAgainstBaseline(Map<String, List<FinishedRun>> groups, String metric,
                                             ToDoubleFunction<FinishedRun> value, List<SignificanceTest> out) {
        List<FinishedRun> baseline = groups.get(BASELINE);
        if (baseline == null || baseline.size() < 2) {
            return;
        }
        TTest t = new TTest();
        groups.forEach((group, runs) -> {
            if (!group.equals(BASELINE) && runs.size() >= 2) {
                double[] a = values(runs, value);
                double[] b = values(baseline, value);
                double p = t.tTest(a, b);
                if (!Double.isNaN(p)) { // NaN: both groups without variance, nothing to test
                    out.add(test("welch-t", metric, List.of(group, BASELINE), t.t(a, b), p));
                }
            }
        });
    }

    private static void anova(Map<String, List<FinishedRun>> groups, String metric, ToDoubleFunction<FinishedRun> value,
                              List<SignificanceTest> out) {
        if (groups.size() < 2 || groups.values().stream().anyMatch(r -> r.size() < 2)) {
            return;
        }
        Collection<double[]> samples = groups.values().stream().map(r -> values(r, value)).toList();
        OneWayAnova anova = new OneWayAnova();
        double p = anova.anovaPValue(samples);
        if (!Double.isNaN(p)) {
            out.add(test("anova", metric, List.copyOf(groups.keySet()), anova.anovaFValue(samples), p));
        }
    }

    private static SignificanceTest test(String name, String metric, List<String> groups, double statistic, double p) {
        return SignificanceTest.newBuilder().setName(name).setMetric(metric).setGroups(groups)
                .setStatistic(statistic).setPValue(p).setSignificant(p < ALPHA).setAlpha(ALPHA).build();
    }

    private static SummaryStatistics stats(List<FinishedRun> runs, ToDoubleFunction<FinishedRun> f) {
        SummaryStatistics s = new SummaryStatistics();
        runs.forEach(r -> s.addValue(f.applyAsDouble(r)));
        return s;
    }

    private static double[] values(List<FinishedRun> runs, ToDoubleFunction<FinishedRun> f) {
        return runs.stream().mapToDouble(f).toArray();
    }
}
