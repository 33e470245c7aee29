package dev.ampwatch.analyzer.stats;

import dev.ampwatch.schema.ComparisonKind;
import dev.ampwatch.schema.NotComputed;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which configurations are compared with which: (a) every precision other than fp32 with fp32 at the
 * same other settings, so a precision effect is never mixed with a batch-size or width effect; (b) every
 * configuration with the experiment's benchmark configuration, as the seed study compared each setting
 * with its defaults. A pair asked for by both is one comparison with both kinds, so it counts once in a
 * Holm family. Pooled comparisons (all amp-fp16 runs against all fp32 runs) are never made.
 */
final class Pairs {
    /** A configuration and its reference. */
    record Pair(Configuration configuration, Configuration reference, Set<ComparisonKind> kinds) {}

    private Pairs() {}

    static List<Pair> of(Configurations configurations, List<NotComputed> notComputed) {
        Map<String, Pair> pairs = new LinkedHashMap<>();
        for (Configuration c : configurations.all()) {
            if (c.precision().equals(Configurations.FP32)) {
                continue;
            }
            Configuration twin = configurations.fp32Twin(c);
            if (twin == null) {
                notComputed.add(NotComputed.newBuilder().setAnalysis(c.label() + " vs fp32 at the same settings")
                        .setReason("the experiment has no fp32 configuration at the same other settings").build());
            } else {
                add(pairs, c, twin, ComparisonKind.PRECISION_VS_FP32);
            }
        }
        List<Configuration> benchmarks = configurations.benchmarks();
        if (benchmarks.size() == 1) {
            Configuration bench = benchmarks.get(0);
            for (Configuration c : configurations.all()) {
                if (c != bench) {
                    add(pairs, c, bench, ComparisonKind.VERSUS_BENCHMARK);
                }
            }
        } else {
            notComputed.add(NotComputed.newBuilder().setAnalysis("every configuration vs the benchmark")
                    .setReason(benchmarks.isEmpty()
                            ? "no run is flagged as the benchmark configuration (ampwatch sweep flags it in RunConfig.benchmark)"
                            : benchmarks.size() + " configurations are flagged as the benchmark, expected one: "
                            + String.join("; ", benchmarks.stream().map(Configuration::label).toList()))
                    .build());
        }
        return new ArrayList<>(pairs.values());
    }

    private static void add(Map<String, Pair> pairs, Configuration c, Configuration reference, ComparisonKind kind) {
        pairs.computeIfAbsent(c.key() + "\n" + reference.key(),
                k -> new Pair(c, reference, EnumSet.noneOf(ComparisonKind.class))).kinds().add(kind);
    }
}
