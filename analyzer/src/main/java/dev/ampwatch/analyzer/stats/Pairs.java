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
 * with its defaults. Each phase has its own benchmark: inference configurations are compared with the
 * inference benchmark (the sweep flags fp32 inference of the benchmark model), never with a training
 * configuration. A pair asked for by both is one comparison with both kinds, so it counts once in a
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
        // per phase: an inference configuration is compared with the inference benchmark, never with a training one
        Map<String, List<Configuration>> byPhase = new java.util.TreeMap<>(java.util.Comparator.comparing(
                (String phase) -> !phase.equals(Configurations.TRAINING)).thenComparing(java.util.Comparator.naturalOrder()));
        for (Configuration c : configurations.all()) {
            byPhase.computeIfAbsent(c.levels().get(Configurations.PHASE), k -> new ArrayList<>()).add(c);
        }
        byPhase.forEach((phase, of) -> {
            List<Configuration> benchmarks = of.stream().filter(Configuration::benchmark).toList();
            String scope = byPhase.size() == 1 ? "" : " (" + phase + ")";
            if (benchmarks.size() == 1) {
                Configuration bench = benchmarks.get(0);
                for (Configuration c : of) {
                    if (c != bench) {
                        add(pairs, c, bench, ComparisonKind.VERSUS_BENCHMARK);
                    }
                }
            } else {
                notComputed.add(NotComputed.newBuilder().setAnalysis("every configuration vs the benchmark" + scope)
                        .setReason(benchmarks.isEmpty()
                                ? "no run" + (scope.isEmpty() ? "" : " of this phase")
                                + " is flagged as the benchmark configuration (ampwatch sweep flags it in RunConfig.benchmark)"
                                : benchmarks.size() + " configurations are flagged as the benchmark, expected one: "
                                + String.join("; ", benchmarks.stream().map(Configuration::label).toList()))
                        .build());
            }
        });
        return new ArrayList<>(pairs.values());
    }

    private static void add(Map<String, Pair> pairs, Configuration c, Configuration reference, ComparisonKind kind) {
        pairs.computeIfAbsent(c.key() + "\n" + reference.key(),
                k -> new Pair(c, reference, EnumSet.noneOf(ComparisonKind.class))).kinds().add(kind);
    }
}
