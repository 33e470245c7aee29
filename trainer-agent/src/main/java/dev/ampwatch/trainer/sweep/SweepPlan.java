package dev.ampwatch.trainer.sweep;

import dev.ampwatch.trainer.TrainingOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The runs of a sweep in the order they execute, with everything needed to repeat that order: the
 * seed it was shuffled with, the experiment id every run shares and the cool-down between runs.
 * Made by {@link SweepPlanner}. Immutable and thread-safe.
 *
 * @param grid what was planned
 * @param experimentId experiment id of every run
 * @param seed seed the order was shuffled with
 * @param configurations distinct configurations (the runs are these times the repeats)
 * @param runs the runs, execution order
 */
public record SweepPlan(SweepGrid grid, String experimentId, long seed, int configurations, List<PlannedRun> runs) {
    public SweepPlan {
        runs = List.copyOf(runs);
    }

    public SweepMode mode() {
        return grid.mode();
    }

    public Duration cooldown() {
        return grid.cooldown();
    }

    public RunSetting benchmark() {
        return grid.benchmark();
    }

    /** Training seed of a repeat: {@code training_seed + repeat - 1}, so repeats differ but each is reproducible. */
    public long trainingSeed(PlannedRun run) {
        return grid.trainingSeed() + run.repeat() - 1;
    }

    /**
     * The training options of {@code run}: its factors, the sweep's experiment id, dataset, limits,
     * optimizer and learning rate, and its repeat's training seed. The caller adds what belongs to
     * the machine (threads, host) and may set the run id (default: a random UUID).
     */
    public TrainingOptions.Builder options(PlannedRun run) {
        RunSetting s = run.setting();
        TrainingOptions.Builder b = TrainingOptions.builder().precision(s.precision()).batchSize(s.batchSize())
                .hiddenUnits(s.hiddenUnits()).convLayers(grid.convLayers()).epochs(s.epochs()).seed(trainingSeed(run)).experimentId(experimentId)
                .datasetDir(grid.dataset().orElse(null)).trainLimit(grid.trainLimit()).testLimit(grid.testLimit())
                .optimizer(grid.optimizer()).task(grid.task()).target(grid.target().orElse(null))
                .excludeColumns(grid.table().map(t -> t.exclude()).orElse(List.of()))
                .splitBy(grid.table().flatMap(t -> t.splitBy()).orElse(null))
                .splitByTime(grid.table().flatMap(t -> t.splitByTime()).orElse(null));
        grid.learningRate().ifPresent(b::learningRate);
        return b;
    }

    /**
     * The order of the inference runs after {@code run}: the grid's inference precisions shuffled with the
     * order seed and the run's index, so no precision always runs first on a machine still warm from training,
     * and the same seed gives the same order. Empty without inference.
     */
    public List<String> inferenceOrder(PlannedRun run) {
        if (grid.inference().isEmpty()) {
            return List.of();
        }
        List<String> order = new ArrayList<>(grid.inference().get().precisions());
        java.util.Collections.shuffle(order, new java.util.Random(seed * 31 + run.index()));
        return List.copyOf(order);
    }

    /** The plan as printed before a sweep: a header, then one line per run in execution order. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "sweep %s: %s, %d run%s (%d configuration%s x %d repeat%s), order seed %d, cool-down %s",
                experimentId, mode(), runs.size(), plural(runs.size()), configurations, plural(configurations),
                grid.repeats(), plural(grid.repeats()), seed, format(cooldown())));
        lines.add("benchmark: " + benchmark());
        lines.add("data: " + grid.dataset().map(Object::toString).orElse("the default (Fashion-MNIST if installed, else generated)")
                + grid.table().map(t -> ", target " + t.target() + t.describe()).orElse("") + ", task " + grid.task());
        if (!grid.convLayers().isEmpty()) { // the same in every run: a CNN, these convolutions in front of the hidden layers
            lines.add("model: a CNN, convolutions " + dev.ampwatch.trainer.model.ConvLayer.text(grid.convLayers())
                    + " in front of the hidden layers");
        }
        grid.inference().ifPresent(i -> lines.add("after each completed training run, inference of its model in " + i
                + ", each an inference run, in an order shuffled per run: " + runs.size() * i.precisions().size()
                + " inference run" + plural(runs.size() * i.precisions().size())));
        lines.add(String.format(Locale.ROOT, "%4s  %-9s %6s  %-12s %6s %6s  %s", "#", "precision", "batch", "hidden", "epochs", "repeat", "varies"));
        for (PlannedRun r : runs) {
            RunSetting s = r.setting();
            lines.add(String.format(Locale.ROOT, "%4d  %-9s %6d  %-12s %6d %6d  %s", r.index(), s.precision(), s.batchSize(),
                    s.hiddenText(), s.epochs(), r.repeat(), r.varies()));
        }
        lines.add("same order again: --seed " + seed + " (or \"seed\": " + seed + " in the grid file)");
        return lines;
    }

    /** {@code 30s}, {@code 250ms}, {@code 2m}, {@code 1m30s}. */
    static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.toMillis() < 1000 || d.toMillisPart() != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        if (s % 60 != 0 || s < 60) {
            return s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
        }
        return (s / 60) + "m";
    }

    private static String plural(int n) {
        return n == 1 ? "" : "s";
    }
}
