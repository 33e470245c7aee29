package dev.ampwatch.trainer.sweep;

import dev.ampwatch.schema.TrainingEvent;
import dev.ampwatch.trainer.TrainingListener;
import dev.ampwatch.trainer.follow.FollowDefaults;
import dev.ampwatch.trainer.follow.TrainerLines;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The span from a command's start to its run_started (Python starting, {@code import torch}, loading data), published as
 * a run of {@link CommandSweep#startUpExperiment}: neither idle time (the host is busy: a review's sweep learned the trainers'
 * start-ups as idle power, 62.8 W on a host idling at 22 W, and every run's net energy came out negative) nor the
 * measured run's. It ends exactly where the trainer's run starts, or when the command exits without one.
 */
final class StartUpRun {
    private final TrainingListener sink;
    private final TrainerLines lines;
    private final com.fasterxml.jackson.databind.node.ObjectNode config;
    private TrainingEvent started;
    private boolean ended;
    RuntimeException publishFailure;

    StartUpRun(TrainingListener sink, InstantSource clock, String experiment, String host, List<String> devices, String backend,
               RunSetting setting, SweepGrid grid) {
        this.sink = sink;
        FollowDefaults defaults = new FollowDefaults(experiment, Optional.of("start-up-" + UUID.randomUUID()), host, devices,
                backend, "unknown");
        this.lines = new TrainerLines(defaults, clock, () -> UUID.randomUUID().toString()).wholeRun();
        config = dev.ampwatch.trainer.json.JsonFields.MAPPER.createObjectNode()
                .put("precision", setting.precision().cliName()).put("batch_size", setting.batchSize())
                .put("epochs", setting.epochs()).put("learning_rate", grid.learningRate().orElse(grid.optimizer().defaultLearningRate()))
                .put("optimizer", grid.optimizer().cliName()).put("dataset", "start-up").put("train_samples", 0)
                .put("parameter_count", 0);
    }

    void start() {
        try {
            started = lines.startWholeRun(config);
            sink.onEvent(started);
        } catch (RuntimeException e) {
            publishFailure = e;
            started = null;
        }
    }

    /** Ends the start-up at the trainer's run_started, before that is published. */
    void endAt(TrainingEvent runStarted) {
        if (started == null || ended) {
            return;
        }
        ended = true;
        java.time.Instant at = runStarted.getEventTime().isBefore(started.getEventTime()) ? started.getEventTime()
                : runStarted.getEventTime();
        sink.onEvent(TrainingEvent.newBuilder(lines.completeWholeRun()).setEventTime(at).build());
    }

    /** Ends a start-up still open (the command exited or was stopped before its run_started); null: none is. */
    void fail(String reason) {
        if (started == null || ended || reason == null) {
            return;
        }
        ended = true;
        try {
            lines.failUnfinished(reason).forEach(sink::onEvent);
        } catch (RuntimeException e) {
            publishFailure = publishFailure != null ? publishFailure : e;
        }
    }
}
