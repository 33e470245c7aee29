package dev.ampwatch.analyzer.metrics;

import dev.ampwatch.schema.ForecastAccuracy;
import dev.ampwatch.schema.Comparison;
import dev.ampwatch.schema.ComparisonKind;
import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.GroupSummary;
import dev.ampwatch.schema.RegressionCheck;
import dev.ampwatch.schema.RegressionKind;
import dev.ampwatch.schema.SignificanceTest;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Experiment statistics as gauges, so an alert can fire when mixed precision draws significantly more
 * power than fp32 at the same settings: per comparison of average power and of energy its difference
 * (watts, joules, and as a ratio of the reference) and Holm-adjusted p-values; per configuration its runs
 * and mean energy and power; the v1 test list's statistic and p-value; per regression check (a mixed
 * precision configuration's latest runs against its earlier runs and against fp32) the same difference and
 * Holm-adjusted p gauges under {@code ampwatch.experiment.regression}. Cardinality is bounded: the
 * {@code maxExperiments} most recently updated experiments, and per experiment at most
 * {@link #MAX_SERIES_PER_KIND} configurations, tests, comparisons per variable and regression checks
 * per variable and check (in the order the
 * statistics list them: precision comparisons first); the rest is in the REST API and the topic.
 * Thread-safe; idempotent.
 */
public final class ExperimentMetrics {
    static final int MAX_SERIES_PER_KIND = 64;
    private static final Map<String, String[]> COMPARED = Map.of(
            "average_power_watts", new String[] {"ampwatch.experiment.comparison.power.difference", "watts"},
            "energy_joules", new String[] {"ampwatch.experiment.comparison.energy.difference", "joules"});

    private final MeterRegistry registry;
    private final int maxExperiments;
    private final Map<String, ExperimentStats> latest = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> meters = new LinkedHashMap<>();

    public ExperimentMetrics(MeterRegistry registry, int maxExperiments) {
        this.registry = registry;
        this.maxExperiments = maxExperiments;
    }

    /** @return false where a newer computation of the experiment is held already (nothing changed) */
    public synchronized boolean update(ExperimentStats stats) {
        String id = stats.getExperimentId();
        ExperimentStats held = latest.get(id);
        if (held != null && stats.getComputedAt().isBefore(held.getComputedAt())) {
            return false; // read back from the store while a newer one came live
        }
        latest.put(id, stats);
        List<Meter> old = meters.remove(id);
        if (old != null) {
            old.forEach(registry::remove); // configurations and tests appear as runs finish: bind afresh
        }
        List<Meter> bound = new ArrayList<>();
        for (GroupSummary g : first(stats.getGroups())) {
            // phase, as on the comparisons: the experiment dashboard's Phase selector had nothing to filter these by
            Tags tags = Tags.of("experiment_id", id, "group", g.getGroup(), "phase", groupPhase(stats, g.getGroup()));
            bound.add(gauge("ampwatch.experiment.group.runs", null, tags, id, s -> group(s, g.getGroup()).getRuns()));
            bound.add(gauge("ampwatch.experiment.group.energy.mean", "joules", tags, id,
                    s -> group(s, g.getGroup()).getMeanEnergyJoules()));
            bound.add(gauge("ampwatch.experiment.group.power.mean", "watts", tags, id,
                    s -> group(s, g.getGroup()).getMeanPowerWatts()));
        }
        // runs left out on purpose (ampwatch exclude, a deleted run): a study's panel says how many, the report why
        bound.add(gauge("ampwatch.experiment.excluded.runs", null, Tags.of("experiment_id", id), id, s -> s.getExcludedRuns().size()));
        for (dev.ampwatch.schema.ConfigurationSummary c : first(stats.getConfigurations())) {
            // 1 per configuration: joins the run series (configuration_key) to the configuration's label
            Tags tags = Tags.of("experiment_id", id, "configuration", c.getLabel(), "configuration_key", c.getKey(),
                    "phase", phase(c.getKey()));
            bound.add(gauge("ampwatch.experiment.configuration.info", null, tags, id, s -> 1));
        }
        for (SignificanceTest t : first(stats.getTests())) {
            // a test's groups are of one phase (Welch per comparison, ANOVA within a phase): the first group's
            Tags tags = Tags.of("experiment_id", id, "test", t.getName(), "metric", t.getMetric(),
                    "groups", String.join(",", t.getGroups()),
                    "phase", t.getGroups().isEmpty() ? "training" : groupPhase(stats, t.getGroups().get(0)));
            bound.add(gauge("ampwatch.experiment.test.p.value", null, tags, id, s -> test(s, t).getPValue()));
            bound.add(gauge("ampwatch.experiment.test.statistic", null, tags, id, s -> test(s, t).getStatistic()));
        }
        COMPARED.forEach((metric, name) -> {
            List<Comparison> of = stats.getComparisons().stream()
                    .filter(c -> c.getMetric().equals(metric) && c.getMeanDifference() != null).toList();
            for (Comparison c : first(of)) {
                bound.addAll(comparison(id, c, name[0], name[1]));
            }
        });
        COMPARED.forEach((metric, name) -> {
            for (RegressionKind kind : RegressionKind.values()) {
                List<RegressionCheck> of = stats.getRegressions().stream().filter(r -> r.getMetric().equals(metric)
                        && r.getCheck() == kind && r.getMeanDifference() != null).toList();
                for (RegressionCheck r : first(of)) {
                    bound.addAll(regression(id, r, name[0].replace(".comparison.", ".regression."), name[1]));
                }
            }
        });
        if (stats.getForecastAccuracy() != null) {
            Tags tags = Tags.of("experiment_id", id);
            bound.add(gauge("ampwatch.experiment.forecast.error.median", "ratio", tags, id,
                    s -> value(s.getForecastAccuracy(), ForecastAccuracy::getMedianAbsErrorRatio)));
            bound.add(gauge("ampwatch.experiment.forecast.error.p90", "ratio", tags, id,
                    s -> value(s.getForecastAccuracy(), ForecastAccuracy::getP90AbsErrorRatio)));
            bound.add(gauge("ampwatch.experiment.forecast.inside.interval", "ratio", tags, id,
                    s -> value(s.getForecastAccuracy(), ForecastAccuracy::getInsideIntervalRatio)));
        }
        meters.put(id, bound);
        while (meters.size() > maxExperiments) {
            String oldest = meters.keySet().iterator().next();
            meters.remove(oldest).forEach(registry::remove);
            latest.remove(oldest);
        }
        return true;
    }

    /** The phase of the configuration a group summarizes (training where no configuration has its label: v1 groups). */
    static String groupPhase(ExperimentStats stats, String group) {
        return stats.getConfigurations().stream().filter(c -> c.getLabel().equals(group)).findFirst()
                .map(c -> phase(c.getKey())).orElse("training");
    }

    /** Removes the series of the experiments {@code which} accepts (their statistics partition moved to another instance). */
    public synchronized void remove(java.util.function.Predicate<String> which) {
        meters.entrySet().removeIf(e -> {
            if (!which.test(e.getKey())) {
                return false;
            }
            e.getValue().forEach(registry::remove);
            latest.remove(e.getKey());
            return true;
        });
    }

    /** The experiments whose series are exported here. */
    public synchronized java.util.Set<String> experiments() {
        return java.util.Set.copyOf(meters.keySet());
    }

    private List<Meter> comparison(String id, Comparison c, String name, String unit) {
        Tags tags = Tags.of("experiment_id", id, "metric", c.getMetric(), "configuration", c.getConfigurationLabel(),
                "reference", c.getReferenceLabel(), "kind", kind(c), "phase", phase(c.getConfiguration()));
        List<Meter> out = new ArrayList<>();
        out.add(gauge(name, unit, tags, id, s -> value(comparison(s, c), Comparison::getMeanDifference)));
        if (c.getMeanDifferenceRatio() != null) {
            out.add(gauge("ampwatch.experiment.comparison.difference", "ratio", tags, id,
                    s -> value(comparison(s, c), Comparison::getMeanDifferenceRatio)));
        }
        if (c.getWelchPHolm() != null) {
            out.add(gauge("ampwatch.experiment.comparison.p.value.holm", null, tags.and("test", "welch-t"), id,
                    s -> value(comparison(s, c), Comparison::getWelchPHolm)));
        }
        if (c.getMannWhitneyPHolm() != null) {
            out.add(gauge("ampwatch.experiment.comparison.p.value.holm", null, tags.and("test", "mann-whitney"), id,
                    s -> value(comparison(s, c), Comparison::getMannWhitneyPHolm)));
        }
        return out;
    }

    /**
     * A regression check: the latest runs of a mixed precision configuration against its earlier runs or
     * against fp32 at the same settings ({@code check} latest-vs-earlier, latest-vs-fp32, earlier-vs-fp32).
     */
    private List<Meter> regression(String id, RegressionCheck r, String name, String unit) {
        Tags tags = Tags.of("experiment_id", id, "metric", r.getMetric(), "configuration", r.getConfigurationLabel(),
                "reference", r.getReferenceLabel(), "check", check(r.getCheck()), "phase", phase(r.getConfiguration()));
        List<Meter> out = new ArrayList<>();
        out.add(gauge(name, unit, tags, id, s -> value(regression(s, r), RegressionCheck::getMeanDifference)));
        if (r.getMeanDifferenceRatio() != null) {
            out.add(gauge("ampwatch.experiment.regression.difference", "ratio", tags, id,
                    s -> value(regression(s, r), RegressionCheck::getMeanDifferenceRatio)));
        }
        if (r.getWelchPHolm() != null) {
            out.add(gauge("ampwatch.experiment.regression.p.value.holm", null, tags.and("test", "welch-t"), id,
                    s -> value(regression(s, r), RegressionCheck::getWelchPHolm)));
        }
        return out;
    }

    /**
     * {@code training} or {@code inference}: the phase factor of a configuration key ({@code ...|phase=inference};
     * a training configuration's key leaves it out). The alert rules about mixed-precision training match
     * {@code phase="training"}, so an INT8 inference configuration drawing more than FP32 inference is not reported
     * as mixed precision raising a training run's power.
     */
    static String phase(String configurationKey) {
        for (String factor : configurationKey.split("\\|")) {
            if (factor.startsWith("phase=")) {
                return factor.substring("phase=".length());
            }
        }
        return "training";
    }

    /** LATEST_VS_FP32 as latest-vs-fp32: the label value the alert rules match. */
    static String check(RegressionKind kind) {
        return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** {@code precision}, {@code benchmark} or {@code precision,benchmark}: what the comparison is for. */
    static String kind(Comparison c) {
        List<String> kinds = new ArrayList<>();
        if (c.getKinds().contains(ComparisonKind.PRECISION_VS_FP32)) {
            kinds.add("precision");
        }
        if (c.getKinds().contains(ComparisonKind.VERSUS_BENCHMARK)) {
            kinds.add("benchmark");
        }
        return String.join(",", kinds);
    }

    /** Help text of the per-group and per-test gauges (promtool wants one on every family). */
    private static final Map<String, String> DESCRIPTIONS = Map.of(
            "ampwatch.experiment.group.runs", "Completed, measured runs in the configuration group (those its statistics rest on; failed, unmeasured and profiled runs are not counted)",
            "ampwatch.experiment.group.energy.mean", "Mean gross energy per run of the configuration group",
            "ampwatch.experiment.group.power.mean", "Mean of the runs' average power in the configuration group",
            "ampwatch.experiment.test.p.value", "p-value of the test (Welch's t per comparison, one-way ANOVA across configurations)",
            "ampwatch.experiment.test.statistic", "Statistic of the test (t or F)",
            "ampwatch.experiment.configuration.info", "1 per configuration of the experiment: its label (configuration) and key (configuration_key, as on the run series)",
            "ampwatch.experiment.forecast.error.median", "Median |forecast - actual| / actual of the runs' first forecasts",
            "ampwatch.experiment.forecast.error.p90", "90th percentile of |forecast - actual| / actual of the runs' first forecasts",
            "ampwatch.experiment.forecast.inside.interval", "Share of runs whose total lay inside their first forecast's interval");

    private Meter gauge(String name, String unit, Tags tags, String id, ToDoubleFunction<ExperimentStats> f) {
        Gauge.Builder<Map<String, ExperimentStats>> b = Gauge.builder(name, latest, m -> f.applyAsDouble(m.get(id)))
                .tags(tags).description(DESCRIPTIONS.getOrDefault(name, "Experiment statistics (docs/statistics.md)"));
        return (unit == null ? b : b.baseUnit(unit)).register(registry);
    }

    private static <T> List<T> first(List<T> all) {
        return all.subList(0, Math.min(MAX_SERIES_PER_KIND, all.size()));
    }

    private static <T> double value(T c, java.util.function.Function<T, Double> f) {
        Double v = c == null ? null : f.apply(c);
        return v == null ? Double.NaN : v; // bound only when present; NaN is Prometheus' "no value"
    }

    private static RegressionCheck regression(ExperimentStats s, RegressionCheck like) {
        return s.getRegressions().stream().filter(r -> r.getCheck() == like.getCheck() && r.getMetric().equals(like.getMetric())
                && r.getConfiguration().equals(like.getConfiguration())).findFirst().orElseThrow();
    }

    private static GroupSummary group(ExperimentStats s, String group) {
        return s.getGroups().stream().filter(g -> g.getGroup().equals(group)).findFirst().orElseThrow();
    }

    private static SignificanceTest test(ExperimentStats s, SignificanceTest like) {
        return s.getTests().stream().filter(t -> t.getName().equals(like.getName()) && t.getMetric().equals(like.getMetric())
                && t.getGroups().equals(like.getGroups())).findFirst().orElseThrow();
    }

    private static Comparison comparison(ExperimentStats s, Comparison like) {
        return s.getComparisons().stream().filter(c -> c.getMetric().equals(like.getMetric())
                && c.getConfiguration().equals(like.getConfiguration())
                && c.getReference().equals(like.getReference())).findFirst().orElseThrow();
    }
}
