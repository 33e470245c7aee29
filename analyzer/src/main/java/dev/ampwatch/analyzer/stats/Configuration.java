package dev.ampwatch.analyzer.stats;

import dev.ampwatch.analyzer.state.FinishedRun;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One configuration of an experiment and its finished runs. Immutable.
 *
 * @param key every factor as name=level, joined by '|': stable whatever else the experiment holds
 * @param label the precision and the factors that vary in the experiment, e.g. {@code amp-fp16 bs=32}
 * @param levels every factor's level, in {@link Configurations#FACTORS} order
 * @param benchmark whether its runs are flagged as the experiment's benchmark configuration
 * @param completed its completed runs, the only ones in any statistic
 * @param failed how many of its runs failed
 * @param unmeasured how many of its runs completed without a power reading of their host (in no statistic)
 */
record Configuration(String key, String label, Map<String, String> levels, boolean benchmark,
                     List<FinishedRun> completed, int failed, int unmeasured) {
    Configuration {
        levels = Map.copyOf(levels);
        completed = List.copyOf(completed);
    }

    String precision() {
        return levels.get(Configurations.PRECISION);
    }

    /** The values of {@code metric} over the completed runs that have one. */
    Sample sample(Metric metric) {
        List<Double> values = new ArrayList<>();
        for (FinishedRun r : completed) {
            Double v = metric.of(r);
            if (v != null) {
                values.add(v);
            }
        }
        return new Sample(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
