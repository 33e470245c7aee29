package dev.ampwatch.trainer;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.trainer.backend.Backend;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.model.Task;
import dev.ampwatch.schema.RunTask;
import dev.ampwatch.trainer.data.DatasetResolver;
import dev.ampwatch.trainer.model.ModelFile;
import dev.ampwatch.trainer.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run: loads the data, builds the model on a {@link Backend}, trains for the
 * configured epochs, evaluates train, validation and test accuracy after each, and reports every step to a
 * {@link TrainingListener}. Knows nothing of Kafka.
 *
 * <p>Timing: EPOCH_STARTED is stamped before the first batch; EPOCH_COMPLETED after the backend is
 * synchronized and the accuracies are evaluated, so the energy of the epoch's evaluation falls
 * inside the epoch. {@code duration_ms} is the whole epoch (the time between the two events);
 * {@code samples_per_second} counts the training phase only.
 *
 * <p>A job runs once, on the calling thread; interrupting that thread fails the run at the next
 * batch. Not thread-safe.
 */
public final class TrainingJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingJob.class);
    private final TrainingOptions options;
    private final Backend backend;
    private final InstantSource clock;
    private final TrainingListener listener;
    private final TrainingEvents events;
    private TrainingProgress progress = TrainingProgress.none();
    private int stopAfterEpochs = Integer.MAX_VALUE;
    private String stopReason;
    /** Whether this run's RUN_STARTED went out: only then is a failure published as RUN_FAILED. */
    private boolean started;

    /** @param backend owned by the caller, who closes it after the run */
    public TrainingJob(TrainingOptions options, Backend backend, InstantSource clock, TrainingListener listener) {
        this.options = Objects.requireNonNull(options);
        this.backend = Objects.requireNonNull(backend);
        this.clock = Objects.requireNonNull(clock);
        this.listener = Objects.requireNonNull(listener);
        // stamped through the listener, so a publisher's progress promises never cover an event still on its way
        this.events = new TrainingEvents(options, backend.devices(), listener.stampClock(clock));
    }

    /** Runs on a fresh {@link CpuBackend} of {@code options.threads()} threads with the system clock. */
    public static TrainingResult runOnCpu(TrainingOptions options, TrainingListener listener) {
        return runOnCpu(options, listener, TrainingProgress.none());
    }

    /** As {@link #runOnCpu(TrainingOptions, TrainingListener)}, telling {@code progress} after every step. */
    public static TrainingResult runOnCpu(TrainingOptions options, TrainingListener listener, TrainingProgress progress) {
        try (CpuBackend cpu = new CpuBackend(options.threads())) {
            return new TrainingJob(options, cpu, InstantSource.system(), listener).withProgress(progress).run();
        }
    }

    /** Sets who is told after every training step (a progress bar); returns this job. */
    /**
     * Stops the run once its first {@code epochs} epochs are complete, with RUN_FAILED and {@code reason}
     * (short profiling: its configuration keeps the planned epochs, which the analyzer forecasts). The job
     * then returns the epochs it trained.
     */
    public TrainingJob stoppingAfter(int epochs, String reason) {
        if (epochs < 1) {
            throw new IllegalArgumentException("a run stops after 1 epoch or more, not " + epochs);
        }
        this.stopAfterEpochs = epochs;
        this.stopReason = java.util.Objects.requireNonNull(reason, "reason");
        return this;
    }

    public TrainingJob withProgress(TrainingProgress newProgress) {
        this.progress = Objects.requireNonNull(newProgress);
        return this;
    }

    /** Loads the dataset the options name (see {@link DatasetResolver}) and trains on it. */
    public TrainingResult run() {
        return run(null);
    }

    /**
     * Trains on {@code dataset}, or on the options' dataset when null.
     *
     * @throws TrainingFailedException if anything fails: after emitting RUN_FAILED once the run has started; before
     *     that (a bad dataset or model shape, no memory for the model) without any event, its reason saying
     *     "did not start"
     */
    public TrainingResult run(Dataset dataset) {
        started = false;
        try {
            if (options.modelFile().isPresent()) {
                ModelFile.checkWritable(options.modelFile().get()); // now, not after the run's hours of training
            }
            Dataset data = dataset != null ? dataset : DatasetResolver.resolveTable(options.datasetDir(), options.tableColumns(),
                    options.task(), options.trainLimit(), options.testLimit(), options.seed());
            if (data.task() != options.task()) {
                throw new IllegalArgumentException("the dataset " + data.name() + " is for " + data.task()
                        + ", the run is a " + options.task());
            }
            ModelSpec spec = new ModelSpec(data.featureCount(), options.hiddenUnits(), data.classes(), options.convLayers());
            try (TrainableModel model = backend.createModel(spec, options.hyperParameters())) {
                return train(data, spec, model);
            }
        } catch (Exception | OutOfMemoryError e) {
            String reason = e instanceof TrainingFailedException tfe ? tfe.reason()
                    : e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!started) {
                // nothing was published: a RUN_FAILED for a run that never started would only be dead-lettered by the
                // analyzer (and raise its alert); the caller reports the failure
                LOG.error("training run {} did not start: {}", options.runId(), reason,
                        e instanceof IllegalArgumentException || e instanceof java.io.IOException ? null : e);
                if (e instanceof OutOfMemoryError oom) {
                    throw oom;
                }
                throw e instanceof TrainingFailedException tfe ? tfe
                        : new TrainingFailedException(options.runId(), "did not start: " + reason, e);
            }
            // a failure the trainer itself diagnosed (a diverging loss, bad input) is its message; a stack trace only for
            // the unexpected, or with -Dampwatch.debug=true
            boolean diagnosed = e instanceof TrainingFailedException || e instanceof IllegalArgumentException
                    || e instanceof java.io.IOException;
            LOG.error("training run {} failed: {}", options.runId(), reason,
                    diagnosed && !Boolean.getBoolean("ampwatch.debug") ? null : e);
            try {
                listener.onEvent(events.runFailed(events.now(), reason));
            } catch (RuntimeException publishFailure) {
                e.addSuppressed(publishFailure); // the original failure matters more
            }
            if (e instanceof OutOfMemoryError oom) {
                throw oom;
            }
            throw e instanceof TrainingFailedException tfe ? tfe : new TrainingFailedException(options.runId(), reason, e);
        }
    }

    private TrainingResult train(Dataset data, ModelSpec spec, TrainableModel model) {
        listener.onEvent(events.runStarted(events.now(), runConfig(data, spec)));
        started = true;
        EpochRunner runner = new EpochRunner(model, data, options.batchSize(), options.seed(), this::checkInterrupted,
                options.learningRateSchedule(), options.learningRate(), options.epochs());
        List<EpochMetrics> history = new ArrayList<>();
        for (int epoch = 1; epoch <= options.epochs(); epoch++) {
            Instant start = events.now();
            listener.onEvent(events.epochStarted(start, epoch));
            int current = epoch;
            long perEpoch = data.train().size();
            long startNanos = System.nanoTime(); // progress is for people: wall time, not the event clock
            EpochRunner.Pass pass = runner.trainEpoch((done, lossSum) -> progress.onStep(new TrainingProgress.Step(
                    options.runId(), options.precision().cliName(), current, options.epochs(), done, perEpoch,
                    lossSum / done, done / Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9))));
            model.synchronize();
            if (!Double.isFinite(pass.meanLoss())) { // every later number would be NaN too: say so, and stop
                throw new TrainingFailedException(options.runId(), "the loss diverged to " + pass.meanLoss() + " in epoch "
                        + epoch + " (learning rate " + options.learningRate() + "): a lower --learning-rate may train", null);
            }
            Instant trained = events.now();
            EpochMetrics.Builder scores = EpochMetrics.newBuilder();
            String quality = data.task() == Task.REGRESSION ? regressionScores(runner, data, scores)
                    : classificationScores(runner, data, scores);
            model.synchronize();
            Instant end = events.now();
            EpochMetrics metrics = scores
                    .setLoss(pass.meanLoss())
                    .setSamples(pass.samples())
                    .setSamplesPerSecond(pass.samples() / seconds(start, trained))
                    .setDurationMs(Duration.between(start, end).toMillis())
                    .setSkippedSteps(pass.skippedSteps())
                    .build();
            LOG.info("run {} epoch {}/{}: loss {} {} ({} samples/s, {} TFLOP/s, {} skipped steps, "
                    + "loss scale {})", options.runId(), epoch, options.epochs(), String.format("%.4f", pass.meanLoss()),
                    quality,
                    String.format("%.0f", metrics.getSamplesPerSecond()),
                    String.format("%.3f", metrics.getSamplesPerSecond() * spec.flopsPerSample() / 1e12), pass.skippedSteps(),
                    model.lossScale());
            history.add(metrics);
            listener.onEvent(events.epochCompleted(end, epoch, metrics));
            if (epoch >= stopAfterEpochs && epoch < options.epochs()) {
                LOG.info("run {} stopped after {} of {} epochs: {}", options.runId(), epoch, options.epochs(), stopReason);
                listener.onEvent(events.runFailed(events.now(), stopReason));
                return new TrainingResult(options.runId(), history, spec.parameterCount(), spec.flopsPerSample());
            }
        }
        if (options.modelFile().isPresent()) {
            save(options.modelFile().get(), spec, runner, model, history.get(history.size() - 1), data);
        }
        listener.onEvent(events.runCompleted(events.now()));
        return new TrainingResult(options.runId(), history, spec.parameterCount(), spec.flopsPerSample());
    }

    /** Accuracy on the three splits into {@code scores}; what to log. */
    private static String classificationScores(EpochRunner runner, Dataset data, EpochMetrics.Builder scores) {
        double train = runner.accuracy(data.train());
        Double validation = data.validation().size() > 0 ? runner.accuracy(data.validation()) : null;
        double test = runner.accuracy(data.test());
        scores.setTrainAccuracy(train).setValidationAccuracy(validation).setTestAccuracy(test);
        return String.format(java.util.Locale.ROOT, "train %.4f validation %s test %.4f", train,
                validation == null ? "-" : String.format(java.util.Locale.ROOT, "%.4f", validation), test);
    }

    /** A regression's RMSE on the three splits, MAE and R² on the test split, into {@code scores}; what to log. */
    private static String regressionScores(EpochRunner runner, Dataset data, EpochMetrics.Builder scores) {
        EpochRunner.Fit train = runner.fit(data.train());
        EpochRunner.Fit validation = data.validation().size() > 0 ? runner.fit(data.validation()) : null;
        EpochRunner.Fit test = runner.fit(data.test());
        scores.setTrainRmse(finite(train.rmse())).setValidationRmse(validation == null ? null : finite(validation.rmse()))
                .setTestRmse(finite(test.rmse())).setTestMae(finite(test.mae())).setTestR2(finite(test.r2()));
        return String.format(java.util.Locale.ROOT, "RMSE train %.4g validation %s test %.4g (MAE %.4g, R² %.4f)",
                train.rmse(), validation == null ? "-" : String.format(java.util.Locale.ROOT, "%.4g", validation.rmse()),
                test.rmse(), test.mae(), test.r2());
    }

    /** Null for NaN or an infinity (a diverged model, an empty split): the events carry numbers or nothing. */
    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** The trained model and where it came from; a failure fails the run (it was asked for). */
    private void save(Path file, ModelSpec spec, EpochRunner runner, TrainableModel model, EpochMetrics last, Dataset data) {
        Map<String, String> trained = new LinkedHashMap<>();
        trained.put("run_id", options.runId());
        trained.put("experiment_id", options.experimentId());
        trained.put("precision", options.precision().cliName());
        trained.put("optimizer", options.optimizer().cliName());
        trained.put("learning_rate", Double.toString(options.learningRate()));
        trained.put("learning_rate_schedule", options.learningRateSchedule().cliName());
        trained.put("epochs", Integer.toString(options.epochs()));
        trained.put("batch_size", Integer.toString(options.batchSize()));
        trained.put("seed", Long.toString(options.seed()));
        trained.put("backend", backend.name());
        trained.put("device_name", backend.deviceName());
        if (last.getValidationAccuracy() != null) {
            trained.put("validation_accuracy", Double.toString(last.getValidationAccuracy()));
        }
        if (last.getTestAccuracy() != null) {
            trained.put("test_accuracy", Double.toString(last.getTestAccuracy()));
        }
        if (last.getTestRmse() != null) {
            trained.put("test_rmse", Double.toString(last.getTestRmse()));
        }
        trained.put("dataset", data.name());
        trained.put("train_limit", Integer.toString(options.trainLimit()));
        trained.put("test_limit", Integer.toString(options.testLimit()));
        trained.put("saved_at", events.now().toString());
        try {
            ModelFile.write(file, new ModelFile.SavedModel(spec, runner.input(), model.parameters(), trained, data.task(),
                    runner.target(), data.table()));
        } catch (IOException | RuntimeException e) {
            throw new TrainingFailedException(options.runId(), "cannot save the model to " + file + ": " + e.getMessage(), e);
        }
        LOG.info("run {}: model saved to {}", options.runId(), file);
    }

    private RunConfig runConfig(Dataset data, ModelSpec spec) {
        return RunConfig.newBuilder()
                .setPrecision(options.precision().cliName())
                .setBatchSize(options.batchSize())
                .setHiddenUnits(options.hiddenUnits())
                .setConvLayers(options.convLayers().stream().map(dev.ampwatch.trainer.json.TrainingEventJson::toAvro).toList())
                .setEpochs(options.epochs())
                .setLearningRate(options.learningRate())
                .setLearningRateSchedule(options.learningRateSchedule().cliName())
                .setOptimizer(options.optimizer().cliName())
                .setDataset(data.name())
                .setDatasetSynthetic(data.synthetic())
                .setTask(data.task() == Task.REGRESSION ? RunTask.REGRESSION : RunTask.CLASSIFICATION)
                .setTrainSamples(data.train().size())
                .setValidationSamples(data.validation().size() > 0 ? (long) data.validation().size() : null)
                .setParameterCount(spec.parameterCount())
                .setFlopsPerSample(spec.flopsPerSample())
                .setDeviceName(backend.deviceName())
                .setBackend(backend.name())
                .setSeed(options.seed())
                .build();
    }

    private void checkInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new TrainingFailedException(options.runId(), "interrupted", null);
        }
    }

    /** Seconds between two instants, at least one microsecond so throughput stays finite. */
    private static double seconds(Instant from, Instant to) {
        return Math.max(Duration.between(from, to).toNanos(), 1_000L) / 1e9;
    }
}
