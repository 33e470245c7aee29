package dev.ampwatch.analyzer.metrics;

import dev.ampwatch.schema.ExperimentStats;
import dev.ampwatch.schema.GroupSummary;
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

/**
 * Experiment statistics as gauges: per group the runs and mean energy and power, per test its
 * statistic and p-value, so an alert can fire when mixed precision draws significantly more power.
 * Keeps the {@code maxExperiments} most recently updated experiments. Thread-safe; idempotent.
 */
public final class ExperimentMetrics {
    private final MeterRegistry registry;
    private final int maxExperiments;
    private final Map<String, ExperimentStats> latest = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> meters = new LinkedHashMap<>();

    public ExperimentMetrics(MeterRegistry registry, int maxExperiments) {
        this.registry = registry;
        this.maxExperiments = maxExperiments;
    }

    public synchronized void update(ExperimentStats stats) {
        String id = stats.getExperimentId();
        latest.put(id, stats);
        List<Meter> old = meters.remove(id);
        if (old != null) {
            old.forEach(registry::remove); // groups and tests appear as runs finish: bind afresh
        }
        List<Meter> bound = new ArrayList<>();
        for (GroupSummary g : stats.getGroups()) {
            Tags tags = Tags.of("experiment_id", id, "group", g.getGroup());
            bound.add(gauge("ampwatch.experiment.group.runs", null, tags, id, s -> group(s, g.getGroup()).getRuns()));
            bound.add(gauge("ampwatch.experiment.group.energy.mean", "joules", tags, id,
                    s -> group(s, g.getGroup()).getMeanEnergyJoules()));
            bound.add(gauge("ampwatch.experiment.group.power.mean", "watts", tags, id,
                    s -> group(s, g.getGroup()).getMeanPowerWatts()));
        }
        for (SignificanceTest t : stats.getTests()) {
            Tags tags = Tags.of("experiment_id", id, "test", t.getName(), "metric", t.getMetric(),
                    "groups", String.join(",", t.getGroups()));
            bound.add(gauge("ampwatch.experiment.test.p.value", null, tags, id, s -> test(s, t).getPValue()));
            bound.add(gauge("ampwatch.experiment.test.statistic", null, tags, id, s -> test(s, t).getStatistic()));
        }
        meters.put(id, bound);
        while (meters.size() > maxExperiments) {
            String oldest = meters.keySet().iterator().next();
            meters.remove(oldest).forEach(registry::remove);
            latest.remove(oldest);
        }
    }

    private Meter gauge(String name, String unit, Tags tags, String id,
                        java.util.function.ToDoubleFunction<ExperimentStats> f) {
        Gauge.Builder<Map<String, ExperimentStats>> b = Gauge.builder(name, latest, m -> f.applyAsDouble(m.get(id)))
                .tags(tags);
        return (unit == null ? b : b.baseUnit(unit)).register(registry);
    }

    private static GroupSummary group(ExperimentStats s, String group) {
        return s.getGroups().stream().filter(g -> g.getGroup().equals(group)).findFirst().orElseThrow();
    }

    private static SignificanceTest test(ExperimentStats s, SignificanceTest like) {
        return s.getTests().stream().filter(t -> t.getName().equals(like.getName()) && t.getMetric().equals(like.getMetric())
                && t.getGroups().equals(like.getGroups())).findFirst().orElseThrow();
    }
}
