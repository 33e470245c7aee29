package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.energy.Micros;
import dev.ampwatch.analyzer.state.ExperimentRuns;
import dev.ampwatch.analyzer.state.FinishedRun;
import dev.ampwatch.schema.AnalysisSettings;
import dev.ampwatch.schema.AnovaTable;
import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.NotComputed;
import dev.ampwatch.schema.RunExclusion;
import java.util.ArrayList;
import java.util.List;

/**
 * The statistics of one experiment (docs/statistics.md): runs grouped by configuration; per response
 * variable each configuration's descriptive statistics, each comparison (a precision against fp32 at the
 * same settings, each configuration against the benchmark) with Welch's t, Mann-Whitney U, Hedges' g,
 * the interval of the difference, Holm-adjusted p-values, TOST and a power analysis; a one-way ANOVA across
 * configurations and a Type II factorial ANOVA of the factors that vary; regression checks of each mixed
 * precision configuration's latest runs ({@link Regressions}). Only completed runs count.
 * What cannot be computed is named with its reason. Stateless.
 */
public final class ExperimentStatistics {
    private ExperimentStatistics() {}

    /** With the default settings (alpha 0.05, margin 5 %, power 0.8). */
    public static ExperimentStats compute(ExperimentRuns experiment) {
        return computeWith(experiment, StatisticsSettings.DEFAULTS);
    }

    /** Not an overload of {@link #compute}: the topology's method reference to it would be ambiguous. */
    public static ExperimentStats computeWith(ExperimentRuns experiment, StatisticsSettings settings) {
        return computeWith(experiment, List.of(), settings);
    }

    /**
     * Without the runs {@code exclusions} leave out (those with {@code excluded} true), which are listed in
     * {@code excluded_runs} and in nothing else. {@code computed_at} is still the newest end of all the runs, so excluding
     * the newest run does not move it back.
     */
    public static ExperimentStats computeWith(ExperimentRuns experiment, List<RunExclusion> exclusions, StatisticsSettings settings) {
        long newestUs = 0;
        for (FinishedRun r : experiment.getRuns()) {
            newestUs = Math.max(newestUs, r.getEndUs());
        }
        Exclusions excluded = Exclusions.of(experiment, exclusions);
        experiment = excluded.included();
        Configurations configurations = Configurations.of(experiment.getRuns());
        List<NotComputed> notComputed = new ArrayList<>();
        if (configurations.withoutSettings() > 0) {
            notComputed.add(NotComputed.newBuilder().setAnalysis("runs without a configuration")
                    .setReason(configurations.withoutSettings() + " run(s) left out of every statistic: their start"
                            + " event was not seen, so their configuration is unknown").build());
        }
        List<String> withoutBaseline = configurations.all().stream().flatMap(c -> c.completed().stream())
                .filter(r -> r.getNetEnergyJoules() == null).map(FinishedRun::getRunId).sorted().toList();
        if (!withoutBaseline.isEmpty()) {
            notComputed.add(NotComputed.newBuilder().setAnalysis("net energy of some runs").setMetric(Metric.NET_ENERGY.id())
                    .setReason(withoutBaseline.size() + " completed run(s) left out of " + Metric.NET_ENERGY.id() + ": a"
                            + " component they count had no idle baseline yet (RunEnergy quality.no_idle_baseline: less than"
                            + " the analyzer's --min-idle of idle seen on the host before them), so their net energy is"
                            + " their gross: " + String.join(", ", withoutBaseline.subList(0, Math.min(20, withoutBaseline.size())))
                            + (withoutBaseline.size() > 20 ? ", ..." : "")).build());
        }
        List<Metric> metrics = new ArrayList<>();
        for (Metric m : Metric.values()) {
            if (configurations.all().stream().anyMatch(c -> c.sample(m).n() > 0)) {
                metrics.add(m);
            } else if (!configurations.all().isEmpty()) {
                notComputed.add(NotComputed.newBuilder().setAnalysis("every analysis").setMetric(m.id())
                        .setReason("no completed run has a value for it").build());
            }
        }
        List<Pairs.Pair> pairs = Pairs.of(configurations, notComputed);
        List<Comparison> comparisons = new ArrayList<>();
        List<AnovaTable> anova = new ArrayList<>();
        for (Metric m : metrics) {
            comparisons.addAll(Comparisons.of(m, pairs, settings));
            anova(m, configurations, anova, notComputed);
        }
        EnergyEstimates.Result estimates = EnergyEstimates.of(experiment.getRuns(), configurations, 1 - settings.alpha(), notComputed);
        return ExperimentStats.newBuilder().setExperimentId(experiment.getExperimentId())
                .setComputedAt(Micros.instant(newestUs))
                .setGroups(Summaries.legacyGroups(configurations))
                .setTests(Summaries.legacyTests(configurations, comparisons, anova, settings.alpha()))
                .setSettings(AnalysisSettings.newBuilder().setAlpha(settings.alpha())
                        .setEquivalenceMarginRatio(settings.equivalenceMarginRatio())
                        .setPowerTargetRatio(settings.powerTarget())
                        .setPowerDifferenceRatio(settings.powerDifferenceRatio()).build())
                .setConfigurations(Summaries.configurations(configurations, metrics, settings.alpha()))
                .setComparisons(comparisons).setAnova(anova).setNotComputed(notComputed)
                .setRegressions(Regressions.of(configurations, metrics, settings))
                .setForecastAccuracy(ForecastAccuracies.of(experiment.getRuns()))
                .setEnergyModel(estimates.model()).setRunEstimates(estimates.estimates())
                .setEstimateAccuracy(estimates.accuracy()).setExcludedRuns(excluded.listed()).build();
    }

    /**
     * One-way and factorial ANOVA over the configurations; per phase when the experiment has training and
     * inference runs (a phase's factors are those that vary within it), so the two are never pooled.
     */
    private static void anova(Metric m, Configurations configurations, List<AnovaTable> out, List<NotComputed> notComputed) {
        java.util.Map<String, List<Configuration>> byPhase = new java.util.TreeMap<>();
        for (Configuration c : configurations.all()) {
            byPhase.computeIfAbsent(c.levels().get(Configurations.PHASE), k -> new ArrayList<>()).add(c);
        }
        if (byPhase.size() <= 1) {
            anova(m, configurations.all(), configurations.varying(), null, out, notComputed);
            return;
        }
        byPhase.forEach((phase, of) -> anova(m, of, configurations.varyingIn(phase), phase, out, notComputed));
    }

    private static void anova(Metric m, List<Configuration> configurations, List<String> varying, String phase,
                              List<AnovaTable> out, List<NotComputed> notComputed) {
        List<Anova.Cell> cells = new ArrayList<>();
        for (Configuration c : configurations) {
            Sample s = c.sample(m);
            if (s.n() > 0) {
                cells.add(new Anova.Cell(varying.stream().map(f -> c.levels().get(f)).toList(), s));
            }
        }
        record(Anova.oneWay(m, cells), Anova.ONE_WAY, m, phase, out, notComputed);
        if (varying.size() >= 2) {
            record(Anova.typeTwo(m, varying, cells), Anova.FACTORIAL, m, phase, out, notComputed);
        }
    }

    private static void record(Anova.Outcome o, String kind, Metric m, String phase, List<AnovaTable> out,
                               List<NotComputed> notComputed) {
        if (o.table() != null) {
            o.table().setPhase(phase);
            out.add(o.table());
        } else {
            notComputed.add(NotComputed.newBuilder().setAnalysis(kind + " ANOVA" + (phase == null ? "" : " (" + phase + ")"))
                    .setMetric(m.id())
                    .setReason(o.reason()).build());
        }
    }
}
