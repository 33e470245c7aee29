package dev.ampwatch.analyzer.stats;

import dev.ampwatch.schema.AnovaRow;
import dev.ampwatch.schema.AnovaTable;
import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ConfigurationSummary;
import dev.ampwatch.schema.FactorLevel;
import dev.ampwatch.schema.GroupSummary;
import dev.ampwatch.schema.MetricSummary;
import dev.ampwatch.schema.SignificanceTest;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.distribution.TDistribution;

/** The per-configuration parts of ExperimentStats, and its v1 fields (groups, tests) for old readers. */
final class Summaries {
    /** The v1 tests were on these two variables only. */
    private static final List<String> LEGACY_METRICS = List.of(Metric.ENERGY.id(), Metric.AVERAGE_POWER.id());

    private Summaries() {}

    static List<ConfigurationSummary> configurations(Configurations configurations, List<Metric> metrics, double alpha) {
        List<ConfigurationSummary> out = new ArrayList<>();
        for (Configuration c : configurations.all()) {
            List<FactorLevel> factors = new ArrayList<>();
            List<String> varying = configurations.varyingIn(c.levels().get(Configurations.PHASE));
            for (String f : Configurations.FACTORS.keySet()) { // within the configuration's phase; the phase itself experiment-wide
                boolean varies = f.equals(Configurations.PHASE) ? configurations.varying().contains(f) : varying.contains(f);
                factors.add(new FactorLevel(f, c.levels().get(f), varies));
            }
            List<MetricSummary> summaries = new ArrayList<>();
            for (Metric m : metrics) {
                MetricSummary summary = summary(m, c.sample(m), alpha);
                long noBaseline = m == Metric.NET_ENERGY ? c.completed().stream().filter(r -> r.getNetEnergyJoules() == null).count() : 0;
                if (noBaseline > 0) { // say on the row why n is below the configuration's runs (a re-check, 2026-12-02)
                    String why = noBaseline + " of its " + c.completed().size() + " runs left out: no idle baseline yet"
                            + " (quality.no_idle_baseline)";
                    summary.setReason(summary.getReason() == null ? why : summary.getReason() + "; " + why);
                }
                summaries.add(summary);
            }
            out.add(ConfigurationSummary.newBuilder().setKey(c.key()).setLabel(c.label()).setPrecision(c.precision())
                    .setBenchmark(c.benchmark()).setFactors(factors).setRuns(c.completed().size())
                    .setFailedRuns(c.failed()).setUnmeasuredRuns(c.unmeasured()).setMetrics(summaries).build());
        }
        return out;
    }

    /** n, mean, sd and the t interval of the mean; what is missing says why. */
    static MetricSummary summary(Metric m, Sample s, double alpha) {
        MetricSummary.Builder b = MetricSummary.newBuilder().setMetric(m.id()).setUnit(m.unit()).setN(s.n());
        if (s.n() == 0) {
            return b.setReason("no completed run has a value").build();
        }
        b.setMean(s.mean());
        if (s.n() < 2) {
            return b.setReason("too few runs for a standard deviation: 1 (needs 2)").build();
        }
        if (!(s.sd() > 0)) { // a zero-width "95 % interval" from identical runs is none (a review, 2026-12-02)
            return b.setSd(0.0).setReason("zero variance: the " + s.n() + " runs have the same value, so the interval"
                    + " of the mean is undefined").build();
        }
        double half = new TDistribution(null, s.n() - 1, Welch.QUANTILE_ACCURACY)
                .inverseCumulativeProbability(1 - alpha / 2) * s.sd() / Math.sqrt(s.n());
        return b.setSd(s.sd()).setCiLow(s.mean() - half).setCiHigh(s.mean() + half).build();
    }

    static List<GroupSummary> legacyGroups(Configurations configurations) {
        List<GroupSummary> out = new ArrayList<>();
        for (Configuration c : configurations.all()) {
            if (c.completed().isEmpty()) {
                continue;
            }
            Sample energy = c.sample(Metric.ENERGY);
            out.add(GroupSummary.newBuilder().setGroup(c.label()).setRuns(c.completed().size())
                    .setMeanEnergyJoules(energy.mean())
                    .setStddevEnergyJoules(energy.n() >= 2 ? energy.sd() : null)
                    .setMeanPowerWatts(c.sample(Metric.AVERAGE_POWER).mean())
                    .setMeanDurationSeconds(c.sample(Metric.DURATION).mean()).build());
        }
        return out;
    }

    /** Welch's t of each comparison and the one-way F, on energy and average power, as v1 wrote them. */
    static List<SignificanceTest> legacyTests(Configurations configurations, List<Comparison> comparisons,
                                              List<AnovaTable> anova, double alpha) {
        List<SignificanceTest> out = new ArrayList<>();
        for (Comparison c : comparisons) {
            if (LEGACY_METRICS.contains(c.getMetric()) && c.getWelchP() != null) {
                // the verdict is the comparison's (Holm): the unadjusted p said "significant" where the comparison
                // beside it in the same record did not (a review, 2026-12-02: p 0.036 against Holm's 0.144)
                out.add(test("welch-t", c.getMetric(), List.of(c.getConfigurationLabel(), c.getReferenceLabel()),
                        c.getWelchT(), c.getWelchP(), alpha).setSignificant(c.getSignificant()).build());
            }
        }
        for (AnovaTable t : anova) {
            AnovaRow row = t.getRows().get(0);
            boolean training = t.getPhase() == null // v1 knew training only
                    ? configurations.all().stream().allMatch(c -> Configurations.TRAINING.equals(c.levels().get(Configurations.PHASE)))
                    : t.getPhase().equals(Configurations.TRAINING);
            if (training && t.getKind().equals(Anova.ONE_WAY) && LEGACY_METRICS.contains(t.getMetric()) && row.getPValue() != null) {
                Metric m = Metric.ENERGY.id().equals(t.getMetric()) ? Metric.ENERGY : Metric.AVERAGE_POWER;
                List<String> groups = configurations.all().stream().filter(c -> c.sample(m).n() > 0)
                        .filter(c -> t.getPhase() == null || t.getPhase().equals(c.levels().get(Configurations.PHASE)))
                        .map(Configuration::label).toList();
                out.add(test("anova", t.getMetric(), groups, row.getF(), row.getPValue(), alpha).build());
            }
        }
        return out;
    }

    private static SignificanceTest.Builder test(String name, String metric, List<String> groups, double statistic, double p,
                                                 double alpha) {
        return SignificanceTest.newBuilder().setName(name).setMetric(metric).setGroups(groups)
                .setStatistic(statistic).setPValue(p).setSignificant(p < alpha).setAlpha(alpha);
    }
}
