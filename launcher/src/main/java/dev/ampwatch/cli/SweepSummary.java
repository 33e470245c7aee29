package dev.ampwatch.cli;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.sweep.PlannedRun;
import dev.ampwatch.trainer.sweep.RunSetting;
import dev.ampwatch.trainer.sweep.SweepGrid;
import dev.ampwatch.trainer.sweep.SweepPlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What a sweep checks before its first run and prints after its last (SweepCommand's, kept apart). */
final class SweepSummary {
    private SweepSummary() {}

    /** How a planned run ended: its id, status, and its last epoch's metrics (null: none). */
    record Outcome(PlannedRun run, String runId, String status, EpochMetrics last, dev.ampwatch.schema.RunConfig reported) {
        Outcome(PlannedRun run, String runId, String status, EpochMetrics last) {
            this(run, runId, status, last, null);
        }
    }

    /**
     * A grid's data checked now, as its runs would read it: a missing directory or file, target or column is the grid's
     * to fix before the first run (and its cool-downs; every run failed alike before, a review), named by the grid's keys.
     * A table is read; of a Fashion-MNIST directory the four files are looked for.
     */
    static void checkDataset(SweepPlan plan, Path gridFile) {
        SweepGrid grid = plan.grid();
        boolean table = grid.dataset().map(dev.ampwatch.trainer.data.TabularFile::isTable).orElse(false);
        if (!table && grid.target().isEmpty()) {
            Optional<Path> runs = plan.options(plan.runs().get(0)).build().datasetDir(); // as the runs resolve it
            if (runs.isPresent()) {
                Path dir = runs.get();
                try {
                    if (!java.nio.file.Files.exists(dir)) {
                        throw new java.io.IOException(dir + ": no such file or directory");
                    }
                    dev.ampwatch.trainer.data.FashionMnist.checkPresent(dir);
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("grid " + gridFile + " (\"dataset\"): " + e.getMessage()
                            + "; give a Fashion-MNIST directory (the four idx files, .gz or not) or a .parquet/.csv table", e);
                }
            }
            return;
        }
        TrainingOptions first = plan.options(plan.runs().get(0)).build();
        try {
            dev.ampwatch.trainer.data.DatasetResolver.resolveTable(first.datasetDir(), first.tableColumns(), first.task(),
                    first.trainLimit(), first.testLimit(), first.seed());
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("grid " + gridFile + " (\"dataset\", \"target\", \"task\"): " + e.getMessage()
                    .replace("--target COLUMN", "\"target\"").replace("--target", "\"target\"").replace("--dataset", "\"dataset\"")
                    .replace("--task", "\"task\"").replace("--exclude", "\"exclude\"").replace("--split-by-time", "\"split_by_time\"").replace("--split-by", "\"split_by\""), e);
        }
    }

    /** @param yourTrainer whether the runs were a command's (sweep GRID -- COMMAND), whose throughput is what it reported */
    static void print(PrintWriter out, SweepPlan plan, List<Outcome> outcomes, boolean yourTrainer) {
        out.printf("%nsweep %s: %d of %d runs%n", plan.experimentId(), outcomes.size(), plan.runs().size());
        out.printf("%4s  %-36s  %-9s %6s  %-12s %6s %6s  %9s %11s  %s%n", "#", "run", "precision", "batch", "hidden", "epochs",
                "repeat", "acc|rmse", "train/s", "status");
        for (Outcome o : outcomes) {
            RunSetting s = o.run().setting();
            String acc = "";
            String rate = "";
            if (o.last() != null) {
                acc = ResultTable.quality(o.last());
                rate = String.format(Locale.ROOT, "%.0f", o.last().getSamplesPerSecond());
            }
            // a command's run: what its trainer reported (the analyzer's configuration), not the plan (a review found both)
            dev.ampwatch.schema.RunConfig c = o.reported();
            String hidden = c == null ? s.hiddenText() : c.getHiddenUnits().isEmpty() ? "-"
                    : c.getHiddenUnits().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
            out.printf(Locale.ROOT, "%4d  %-36s  %-9s %6d  %-12s %6d %6d  %9s %11s  %s%n", o.run().index(), o.runId(),
                    c == null ? s.precision() : c.getPrecision(), c == null ? s.batchSize() : c.getBatchSize(), hidden,
                    c == null ? s.epochs() : c.getEpochs(), o.run().repeat(), acc, rate, o.status());
        }
        // the energy is the analyzer's, which may still be attributing the last run: said where to find it (a review
        // missed it here), and which samples per second this is (the report's differ, by what they span)
        if (yourTrainer) {
            out.println("precision to epochs: as each trainer reported them in its run_started (the plan's where it printed none);");
            out.println("train/s: the samples_per_second your trainer reported for its last epoch (the analyzer's in /runs and the");
            out.println("  report spans the epochs' event time).");
        } else {
            out.println("train/s: the last epoch's training samples per second by the trainer's clock, evaluation excluded (the");
            out.println("  analyzer's samples_per_second in /runs and the report spans the epochs' event time, evaluation included).");
        }
        out.flush();
    }
}
