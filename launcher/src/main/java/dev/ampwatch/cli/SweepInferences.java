package dev.ampwatch.cli;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.trainer.InferenceJob;
import dev.ampwatch.trainer.TrainingFailedException;
import dev.ampwatch.trainer.TrainingListener;
import dev.ampwatch.trainer.TrainingOptions;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.DatasetResolver;
import dev.ampwatch.trainer.kafka.PublishException;
import dev.ampwatch.trainer.model.ModelFile;
import dev.ampwatch.trainer.sweep.PlannedRun;
import dev.ampwatch.trainer.sweep.SweepInference;
import dev.ampwatch.trainer.sweep.SweepPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The inference half of a sweep whose grid has {@code "inference"}: where the trained models are kept (a directory
 * given, or a temporary one deleted at the end), the inference runs after each completed training run, and their
 * summary. Driven by the sweep's one thread.
 */
final class SweepInferences {
    /** What an inference phase ended with. */
    enum Stop { NONE, INTERRUPTED, KAFKA }

    /** An inference run after a training run: its model's run, precision, and the last pass (null unless completed). */
    /** {@code last}: the last pass (its accuracy), {@code passes}: the figures over all passes, as the analyzer's. */
    private record Outcome(String modelRunId, String precision, String runId, String status, EpochMetrics last, PassSummary passes) {}

    private final SweepPlan plan;
    private final SweepInference spec;
    private final Path dir;
    private final boolean temporary;
    private final boolean warmUp;
    private final String hostId;
    private final String device;
    private final TrainingListener sink;
    private final Lifetime lifetime;
    private final PrintWriter out;
    private final List<Outcome> outcomes = new ArrayList<>();

    private SweepInferences(SweepPlan plan, Path dir, boolean temporary, boolean warmUp, String hostId, String device,
                            TrainingListener sink, Lifetime lifetime, PrintWriter out) {
        this.plan = plan;
        this.spec = plan.grid().inference().orElseThrow();
        this.dir = dir;
        this.temporary = temporary;
        this.warmUp = warmUp;
        this.hostId = hostId;
        this.device = device;
        this.sink = sink;
        this.lifetime = lifetime;
        this.out = out;
    }

    /** @param keep where to keep the trained models; null: a temporary directory, deleted by {@link #close()} */
    static SweepInferences start(SweepPlan plan, Path keep, boolean warmUp, String hostId, String device, TrainingListener sink,
                                 Lifetime lifetime, PrintWriter out) throws IOException {
        if (keep == null) {
            return new SweepInferences(plan, Files.createTempDirectory("ampwatch-sweep-models"), true, warmUp, hostId, device, sink,
                    lifetime, out);
        }
        Files.createDirectories(keep);
        return new SweepInferences(plan, keep, false, warmUp, hostId, device, sink, lifetime, out);
    }

    /** The inference runs published so far (a run that could not start has none). */
    List<String> runIds() {
        return outcomes.stream().map(Outcome::runId).filter(id -> !id.isEmpty()).toList();
    }

    /** Where the training run {@code runId} saves its model. */
    Path modelFile(String runId) {
        return dir.resolve(runId + ".ampwmodel");
    }

    /**
     * The inference runs after a completed training run: its saved model, once per inference precision in the
     * plan's order for this run, each after the cool-down. The fp32 inference of a benchmark run is flagged as
     * the inference benchmark. Says whether the sweep goes on, was stopped (Ctrl-C) or cannot write to Kafka.
     */
    Stop after(PlannedRun run, TrainingOptions trained) throws InterruptedException {
        ModelFile.SavedModel model;
        Dataset data;
        try {
            model = ModelFile.read(modelFile(trained.runId()));
            // the training run's own data: the same test split, and (generated data) the same seed
            data = DatasetResolver.forModel(trained.datasetDir(), model, trained.trainLimit(), trained.testLimit(), trained.seed());
        } catch (IOException | RuntimeException e) {
            for (String precision : plan.inferenceOrder(run)) {
                outcomes.add(new Outcome(trained.runId(), precision, "", "failed: " + e.getMessage(), null, null));
            }
            return Stop.NONE;
        }
        if (warmUp && outcomes.isEmpty()) { // before the first measured inference of each precision
            out.println("warming up the JIT for each inference precision (short passes, experiment "
                    + dev.ampwatch.trainer.WarmUp.experimentId(plan.experimentId()) + ") ...");
            out.flush();
            InferenceJob.warmUp(model, spec.precisions(), spec.batchSize(), device, trained.threads(), hostId, data,
                    plan.experimentId(), sink);
        }
        for (String precision : plan.inferenceOrder(run)) {
            if (!plan.cooldown().isZero()) {
                out.printf("cool-down %s ...%n", SweepCommand.text(plan.cooldown()));
                out.flush();
                if (lifetime.await(plan.cooldown())) {
                    return Stop.INTERRUPTED;
                }
            }
            String runId = UUID.randomUUID().toString();
            out.printf("  inference of %s in %s: run %s%n", trained.runId(), precision, runId);
            out.flush();
            try {
                List<EpochMetrics> passes = InferenceJob.run(model, new InferenceJob.Options(precision, spec.batchSize(),
                        spec.repeats(), runId, plan.experimentId(), hostId), device, trained.threads(), InstantSource.system(),
                        SweepCommand.markingBenchmark(sink, run.benchmark() && precision.equals("fp32")), data);
                outcomes.add(new Outcome(trained.runId(), precision, runId, "completed", passes.get(passes.size() - 1),
                        PassSummary.of(passes)));
            } catch (IllegalArgumentException e) { // the sweep's device stopped working for this precision
                outcomes.add(new Outcome(trained.runId(), precision, runId, "failed: " + e.getMessage(), null, null));
            } catch (TrainingFailedException e) {
                if (lifetime.stopped() || Thread.currentThread().isInterrupted() || "interrupted".equals(e.reason())) {
                    outcomes.add(new Outcome(trained.runId(), precision, runId, "interrupted", null, null));
                    return Stop.INTERRUPTED;
                }
                outcomes.add(new Outcome(trained.runId(), precision, runId, "failed: " + e.reason(), null, null));
                if (SweepCommand.causedBy(e, PublishException.class)) {
                    return Stop.KAFKA; // Kafka cannot be written: the sweep stops, as after a training run
                }
            }
        }
        return Stop.NONE;
    }

    /** The status of the latest inference run. */
    String lastStatus() {
        return outcomes.isEmpty() ? "" : outcomes.get(outcomes.size() - 1).status();
    }

    boolean allCompleted() {
        return outcomes.stream().allMatch(o -> o.status().equals("completed"));
    }

    /** Prints the inference runs' summary, then deletes the models of a temporary directory (or says where they are). */
    void close() {
        summary();
        if (!temporary) {
            out.println("trained models kept in " + dir);
            out.flush();
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            out.println("ampwatch: could not delete the temporary models in " + dir + ": " + e.getMessage());
        }
        out.flush();
    }

    private void summary() {
        if (outcomes.isEmpty()) {
            return;
        }
        out.printf("%ninference runs: %d%n", outcomes.size());
        out.printf("  %-36s  %-6s %-36s  %12s %14s %10s %10s  %s%n", "model (training run)", "prec", "run", "acc|rmse",
                "inferences/s", "p50 [ms]", "p99 [ms]", "status");
        for (Outcome o : outcomes) {
            EpochMetrics m = o.last();
            PassSummary p = o.passes() == null ? PassSummary.NONE : o.passes();
            out.printf(Locale.ROOT, "  %-36s  %-6s %-36s  %12s %14s %10s %10s  %s%n", o.modelRunId(), o.precision(), o.runId(),
                    ResultTable.quality(m), PassSummary.fixed(p.inferencesPerSecond(), 0), PassSummary.fixed(p.latencyP50Ms(), 3),
                    PassSummary.fixed(p.latencyP99Ms(), 3), o.status());
        }
        out.flush();
    }
}
