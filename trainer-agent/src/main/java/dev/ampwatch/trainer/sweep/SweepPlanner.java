package dev.ampwatch.trainer.sweep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns a {@link SweepGrid} into a {@link SweepPlan}: the configurations of its mode, each
 * repeated, in a shuffled order.
 *
 * <ul>
 *   <li>{@link SweepMode#GRID}: every combination of the factors' values (precision x batch size x
 *       hidden layers x epochs), plus the benchmark when it is not one of them.
 *   <li>{@link SweepMode#ONE_AT_A_TIME}: the benchmark, then for each factor each value that differs
 *       from the benchmark's, with the other factors at their benchmark values.
 * </ul>
 *
 * The order is a Fisher-Yates shuffle ({@link Collections#shuffle(List, Random)}) of the
 * configurations x repeats, seeded with the grid's seed, so the same grid and seed give the same order
 * and slow drifts (temperature, background load) do not line up with a factor.
 *
 * <p>Stateless and thread-safe.
 */
public final class SweepPlanner {
    private SweepPlanner() {}

    /**
     * Plans {@code grid}. A grid without a seed gets a random one, without an experiment id
     * {@code sweep-} and eight random hex digits; both are in the plan.
     */
    public static SweepPlan plan(SweepGrid grid) {
        long seed = grid.seed().orElseGet(() -> ThreadLocalRandom.current().nextLong(1_000_000_000L));
        String experimentId = grid.experimentId().orElseGet(
                () -> "sweep-" + String.format("%08x", ThreadLocalRandom.current().nextInt()));
        SweepGrid fixed = grid.withSeed(seed).withExperimentId(experimentId);

        Map<RunSetting, String> configurations = configurations(fixed);
        List<Slot> slots = new ArrayList<>();
        for (Map.Entry<RunSetting, String> c : configurations.entrySet()) {
            for (int r = 1; r <= fixed.repeats(); r++) {
                slots.add(new Slot(c.getKey(), r, c.getValue()));
            }
        }
        Collections.shuffle(slots, new Random(seed));
        List<PlannedRun> runs = new ArrayList<>(slots.size());
        for (Slot slot : slots) {
            runs.add(new PlannedRun(runs.size() + 1, slot.setting(), slot.repeat(),
                    slot.setting().equals(fixed.benchmark()), slot.varies()));
        }
        return new SweepPlan(fixed, experimentId, seed, configurations.size(), runs);
    }

    private record Slot(RunSetting setting, int repeat, String varies) {}

    /** The distinct configurations of the grid's mode, benchmark first, each with what it varies. */
    static Map<RunSetting, String> configurations(SweepGrid grid) {
        RunSetting bench = grid.benchmark();
        Map<RunSetting, String> out = new LinkedHashMap<>();
        out.put(bench, "benchmark");
        switch (grid.mode()) {
            case GRID -> {
                for (var p : grid.precisions()) {
                    for (int b : grid.batchSizes()) {
                        for (List<Integer> h : grid.hidden()) {
                            for (int e : grid.epochs()) {
                                out.putIfAbsent(new RunSetting(p, b, h, e), "grid");
                            }
                        }
                    }
                }
            }
            case ONE_AT_A_TIME -> {
                grid.precisions().forEach(v -> out.putIfAbsent(bench.withPrecision(v), "precisions"));
                grid.batchSizes().forEach(v -> out.putIfAbsent(bench.withBatchSize(v), "batch_sizes"));
                grid.hidden().forEach(v -> out.putIfAbsent(bench.withHiddenUnits(v), "hidden"));
                grid.epochs().forEach(v -> out.putIfAbsent(bench.withEpochs(v), "epochs"));
            }
        }
        return out;
    }
}
