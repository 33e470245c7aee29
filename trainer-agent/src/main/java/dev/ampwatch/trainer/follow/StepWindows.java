package dev.ampwatch.trainer.follow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.EventKind;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.trainer.json.JsonFieldException;
import dev.ampwatch.trainer.json.JsonFields;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Epochs made from steps, for trainers that report optimizer steps rather than epochs (a language model
 * trained for a number of steps): every {@code stepsPerEpoch} steps is one epoch, so the analyzer attributes
 * energy per window and forecasts the run's total from its first windows as from epochs (docs/trainer.md,
 * "Steps instead of epochs"). The run's planned epochs are its windows, ceil(total_steps / stepsPerEpoch).
 * The first window starts at the run's start; a window ends at the first step line that reaches its last
 * step, and the next starts there; the last one ends at the run's {@code total_steps} or at
 * {@code run_completed}. Not thread-safe: one per follow.
 */
final class StepWindows {
    /** One run's windows. */
    static final class Run {
        final long totalSteps;
        final int planned;
        final long batchSize;
        int window = 1;
        boolean open;
        Instant windowStart;
        long windowStartSteps;
        long windowStartSamples;
        long lastStep;
        long lastSamples;
        double lastLoss = Double.NaN;

        private Run(long totalSteps, int planned, long batchSize) {
            this.totalSteps = totalSteps;
            this.planned = planned;
            this.batchSize = batchSize;
        }
    }

    private final int stepsPerEpoch;
    /** The windows of each run started in steps mode, by run id. */
    private final Map<String, Run> runs = new HashMap<>();

    StepWindows(int stepsPerEpoch) {
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("--steps-per-epoch must be 1 or more, got " + stepsPerEpoch);
        }
        this.stepsPerEpoch = stepsPerEpoch;
    }

    /**
     * A line in steps mode: step lines become windows, run_started and run_completed open and close them, other
     * lines pass as they are. {@code event} reads a line as {@link TrainerLines} does (checked, its run's state kept).
     */
    List<TrainingEvent> accept(JsonNode root, Function<JsonNode, TrainingEvent> event) {
        String marker = TrainerLines.marker(root);
        List<TrainingEvent> out = new ArrayList<>();
        switch (marker) {
            case "step" -> {
                long step = JsonFields.longInteger(JsonFields.required(root, "step", "step"), "step");
                if (step < 0) {
                    throw new JsonFieldException("step", "must be >= 0, got " + step);
                }
                Long samples = JsonFields.has(root, "samples") ? JsonFields.longInteger(root.get("samples"), "samples") : null;
                double loss = JsonFields.measurement(JsonFields.required(root, "loss", "loss"), "loss"); // NaN: diverged
                ObjectNode progress = root.deepCopy();
                progress.remove(List.of("step", "samples", "loss"));
                progress.put(TrainerLines.MARKER, "progress");
                TrainingEvent at = event.apply(progress); // the run's, its time, and a promise: everything up to it is printed
                Run r = runs.get(at.getRunId());
                if (r == null) {
                    throw new JsonFieldException("step", "run " + at.getRunId() + " did not start in steps mode");
                }
                step(r, at, step, samples, loss, out);
                out.add(at);
            }
            case "run_started" -> {
                long total = totalSteps(root); // before anything is touched
                ObjectNode line = root.deepCopy();
                line.remove("total_steps");
                TrainingEvent started = event.apply(line);
                runs.put(started.getRunId(), start(TrainingEvent.newBuilder(started), total, out));
            }
            case "epoch_started", "epoch_completed" -> throw new JsonFieldException(TrainerLines.MARKER, marker
                    + " in steps mode (--steps-per-epoch): epochs are made from the step lines");
            case "run_completed" -> {
                TrainingEvent completed = event.apply(root);
                Run r = runs.get(completed.getRunId());
                if (r != null) {
                    complete(r, completed, out);
                }
                out.add(completed);
            }
            default -> out.add(event.apply(root));
        }
        return out;
    }

    /**
     * A run that reports steps: its RUN_STARTED with the windows as planned epochs, then the first
     * window's EPOCH_STARTED at the same instant.
     */
    Run start(TrainingEvent.Builder started, long totalSteps, List<TrainingEvent> out) {
        int planned = (int) Math.min(Integer.MAX_VALUE, (totalSteps + stepsPerEpoch - 1) / stepsPerEpoch);
        RunConfig config = RunConfig.newBuilder(started.getConfig()).setEpochs(planned).build();
        TrainingEvent runStarted = started.setConfig(config).build();
        out.add(runStarted);
        Run r = new Run(totalSteps, planned, config.getBatchSize());
        r.windowStart = runStarted.getEventTime();
        r.open = true;
        out.add(TrainingEvent.newBuilder(runStarted).setKind(EventKind.EPOCH_STARTED).setEpoch(1).setConfig(null).build());
        return r;
    }

    /** The {@code total_steps} a run_started line must give in steps mode; refused when missing or below 1. */
    static long totalSteps(JsonNode runStarted) {
        if (!JsonFields.has(runStarted, "total_steps")) {
            throw new JsonFieldException("total_steps", "is missing: with follow --steps-per-epoch, run_started says how many "
                    + "optimizer steps the run will take (its epochs are made from them)");
        }
        long total = JsonFields.longInteger(runStarted.get("total_steps"), "total_steps");
        if (total < 1) {
            throw new JsonFieldException("total_steps", "must be 1 or more, got " + total);
        }
        return total;
    }

    /**
     * A step line: steps done so far ({@code step}), samples done so far (null: steps x batch size) and
     * the loss of the latest step. Closes the open window when the line reaches its last step (EPOCH_COMPLETED, and
     * the next window's EPOCH_STARTED unless it was the last), else adds nothing.
     */
    void step(Run r, TrainingEvent progress, long step, Long samples, double loss, List<TrainingEvent> out) {
        long done = samples != null ? samples : step * r.batchSize;
        if (step < r.lastStep) {
            throw new JsonFieldException("step", "went back from " + r.lastStep + " to " + step + ": steps are counted from the "
                    + "run's start and only grow");
        }
        if (done < r.lastSamples) {
            throw new JsonFieldException("samples", "went back from " + r.lastSamples + " to " + done);
        }
        if (step > r.totalSteps) {
            throw new JsonFieldException("step", step + " is beyond the run's total_steps " + r.totalSteps);
        }
        r.lastStep = step;
        r.lastSamples = done;
        r.lastLoss = loss;
        long windowEnd = Math.min((long) r.window * stepsPerEpoch, r.totalSteps);
        if (!r.open || step < windowEnd) {
            return;
        }
        close(r, progress, out);
        if (r.window < r.planned) {
            r.window++;
            r.open = true;
            r.windowStart = progress.getEventTime();
            r.windowStartSteps = step;
            r.windowStartSamples = done;
            out.add(TrainingEvent.newBuilder(progress).setKind(EventKind.EPOCH_STARTED).setEpoch(r.window).build());
        }
    }

    /** At run_completed: the open window ends there. */
    void complete(Run r, TrainingEvent completed, List<TrainingEvent> out) {
        if (r.open) {
            close(r, completed, out);
        }
    }

    private void close(Run r, TrainingEvent at, List<TrainingEvent> out) {
        long samples = r.lastSamples - r.windowStartSamples;
        long ms = Duration.between(r.windowStart, at.getEventTime()).toMillis();
        EpochMetrics metrics = EpochMetrics.newBuilder().setLoss(r.lastLoss).setSamples(samples)
                .setSamplesPerSecond(ms > 0 ? samples * 1000.0 / ms : 0).setDurationMs(ms).setSkippedSteps(0).build();
        out.add(TrainingEvent.newBuilder(at).setKind(EventKind.EPOCH_COMPLETED).setEpoch(r.window).setMetrics(metrics)
                .setConfig(null).setFailureReason(null).build());
        r.open = false;
    }
}
