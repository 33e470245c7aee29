package dev.ampwatch.trainer;

import dev.ampwatch.schema.EpochMetrics;
import dev.ampwatch.schema.RunConfig;
import dev.ampwatch.schema.RunPhase;
import dev.ampwatch.schema.host.HostId;
import dev.ampwatch.trainer.backend.Backend;
import dev.ampwatch.trainer.backend.InferenceModel;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.data.Dataset;
import dev.ampwatch.trainer.data.Standardization;
import dev.ampwatch.trainer.gpu.GpuBackend;
import dev.ampwatch.trainer.gpu.GpuInt8Mlp;
import dev.ampwatch.trainer.data.LabeledData;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelFile;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import dev.ampwatch.trainer.quant.Fp8Mlp;
import dev.ampwatch.trainer.quant.Int4Mlp;
import dev.ampwatch.trainer.quant.Int8Mlp;
import dev.ampwatch.trainer.quant.RowLogits;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inference run of a saved model on a backend (the CPU, or the GPU: JCuda): the test split, batch by batch, {@code repeats} times (each
 * pass an epoch of the contract, as the seed paper repeated its test set), in one precision, published as a
 * run with {@code config.phase} INFERENCE. Each pass reports its samples (inferences), throughput, accuracy,
 * mean cross-entropy and the percentiles of the batch times; the analyzer attributes the energy, so the run's
 * {@code joules_per_sample} is energy per inference. INT8 is post-training quantized ({@link Int8Mlp}),
 * calibrated on the validation split before the run starts (on the GPU: the dp4a INT8 GEMM, {@link GpuInt8Mlp}); int4
 * is W4A8, 4-bit weights in groups of 64 inputs with INT8 activations ({@link Int4Mlp}; on the GPU dp4a too);
 * fp16 and bf16 round the GEMM inputs as autocast would (on the GPU: the tensor-core GEMMs); fp8 is E4M3 with
 * per-tensor scales ({@link Fp8Mlp}; on the CPU its numerics, on sm_89+ GPUs the FP8 tensor cores). Not thread-safe.
 */
public final class InferenceJob {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceJob.class);
    /** The precisions an inference run takes. */
    public static final List<String> PRECISIONS = List.of("fp32", "fp16", "bf16", "int8", "int4", "fp8");
    /** Samples per request unless told otherwise. */
    public static final int DEFAULT_BATCH_SIZE = 256;

    /** What to run, and as which run. */
    public record Options(String precision, int batchSize, int repeats, String runId, String experimentId, String host) {
        public Options {
            if (!PRECISIONS.contains(precision)) {
                throw new IllegalArgumentException("inference precision '" + precision + "': one of " + PRECISIONS);
            }
            if (batchSize < 1 || repeats < 1) {
                throw new IllegalArgumentException("batch size and repeats must be >= 1: " + batchSize + ", " + repeats);
            }
            HostId.validate(host);
        }
    }

    /** The logits of a batch of raw features, whatever runs them. */
    private interface Engine extends AutoCloseable {
        void logits(float[] raw, int n, float[] out);

        @Override
        default void close() {}
    }

    private final ModelFile.SavedModel model;
    private final Options options;
    private final Backend backend;
    private final TrainingListener listener;
    private final TrainingEvents events;

    /** A run on {@code backend} (CPU or GPU; the caller owns and closes it), its events stamped by {@code clock}. */
    public InferenceJob(ModelFile.SavedModel model, Options options, Backend backend, InstantSource clock,
            TrainingListener listener) {
        this.model = model;
        this.options = options;
        this.backend = backend;
        this.listener = listener;
        this.events = new TrainingEvents(options.runId(), options.experimentId(), options.host(), backend.devices(), clock);
    }

    /** One run on a CPU backend of {@code threads} threads of its own. */
    public static List<EpochMetrics> runOnCpu(ModelFile.SavedModel model, Options options, int threads, InstantSource clock,
            TrainingListener listener, Dataset data) {
        try (CpuBackend cpu = new CpuBackend(threads)) {
            return new InferenceJob(model, options, cpu, clock, listener).run(data);
        }
    }

    /**
     * One run on the backend {@code device} gives the run's precision ({@link DeviceChoice#pickForInference}: an
     * experiment's {@link DeviceChoice.Resolved#device()}), opened for the run and closed after it.
     *
     * @throws IllegalArgumentException when that device cannot run the precision (a GPU that stopped working)
     */
    public static List<EpochMetrics> run(ModelFile.SavedModel model, Options options, String device, int threads, InstantSource clock,
            TrainingListener listener, Dataset data) {
        try (Backend backend = DeviceChoice.pickForInference(device, options.precision(), threads).backend()) {
            return new InferenceJob(model, options, backend, clock, listener).run(data);
        }
    }

    /**
     * The backend precision an inference precision runs its GEMMs in, and so what a GPU must support for it: fp16
     * and bf16 the AMP GEMMs (tensor cores; bf16 needs sm_80), fp32, int8 and int4 (dp4a) the baseline.
     */
    public static Precision backendPrecision(String inferencePrecision) {
        return switch (inferencePrecision) {
            case "fp16" -> Precision.AMP_FP16;
            case "bf16" -> Precision.AMP_BF16;
            default -> Precision.FP32;
        };
    }

    /** Test samples of each warm-up pass ({@link #warmUp}). */
    static final int WARM_UP_SAMPLES = 2_000;

    /**
     * One short pass per precision (at most {@link #WARM_UP_SAMPLES} test samples), so the first measured run of a
     * precision does not pay for the JIT compiling its code path (the INT8 and FP8 loops, the rounding of FP16 and BF16;
     * on a GPU the module loads and first launches), as training warms up before its first measured run, on
     * {@code device} (an experiment's {@link DeviceChoice.Resolved#device()}). Each pass is a run of
     * {@link WarmUp#experimentId} published to {@code listener}, so its energy is not taken for idle power.
     */
    public static void warmUp(ModelFile.SavedModel model, List<String> precisions, int batchSize, String device, int threads, String host,
                              Dataset data, String experimentId, TrainingListener listener) {
        Dataset slice = new Dataset(data.name(), data.synthetic(), data.classes(), data.train(), data.validation(),
                data.test().rows(0, Math.min(WARM_UP_SAMPLES, data.test().size())), data.task(), data.table());
        for (String precision : precisions) {
            run(model, new Options(precision, batchSize, 1, WarmUp.runId(precision), WarmUp.experimentId(experimentId), host), device,
                    threads, InstantSource.system(), listener, slice);
        }
    }

    /**
     * Runs every pass over {@code data.test()} and returns the passes' metrics; a failure after RUN_STARTED ends the
     * run with RUN_FAILED, one before it (a model that does not fit the data, no backend for the precision) publishes
     * nothing and throws, its reason saying "did not start".
     */
    public List<EpochMetrics> run(Dataset data) {
        boolean started = false;
        try (Engine engine = engine(data)) {
            listener.onEvent(events.runStarted(events.now(), config(data)));
            started = true;
            List<EpochMetrics> passes = new ArrayList<>();
            for (int pass = 1; pass <= options.repeats(); pass++) {
                Instant start = events.now();
                listener.onEvent(events.epochStarted(start, pass));
                EpochMetrics metrics = pass(engine, data.test());
                Instant end = events.now();
                metrics.setDurationMs(Duration.between(start, end).toMillis());
                listener.onEvent(events.epochCompleted(end, pass, metrics));
                LOG.info("inference run {} ({}) pass {}/{}: {} loss {}, {} inferences/s, batch p50 {} ms p99 {} ms",
                        options.runId(), options.precision(), pass, options.repeats(),
                        metrics.getTestRmse() != null ? String.format("RMSE %.4g", metrics.getTestRmse())
                                : String.format("accuracy %.4f", metrics.getTestAccuracy()), String.format("%.4f", metrics.getLoss()),
                        String.format("%.0f", metrics.getSamplesPerSecond()), String.format("%.3f", metrics.getLatencyP50Ms()),
                        String.format("%.3f", metrics.getLatencyP99Ms()));
                passes.add(metrics);
            }
            listener.onEvent(events.runCompleted(events.now()));
            return passes;
        } catch (RuntimeException e) {
            String reason = e instanceof TrainingFailedException f ? f.reason() : e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!started) { // a RUN_FAILED without its RUN_STARTED would only be dead-lettered by the analyzer
                throw new TrainingFailedException(options.runId(), "did not start: " + reason, e);
            }
            try {
                listener.onEvent(events.runFailed(events.now(), reason));
            } catch (RuntimeException publishFailure) {
                e.addSuppressed(publishFailure);
            }
            throw new TrainingFailedException(options.runId(), reason, e);
        }
    }

    private EpochMetrics pass(Engine engine, LabeledData test) {
        if (model.task() == dev.ampwatch.trainer.model.Task.REGRESSION) {
            return regressionPass(engine, test);
        }
        int classes = model.spec().classes();
        double[] lossSum = {0};
        long[] correct = {0};
        Timing timing = batches(engine, test, classes, (logits, from, n) -> {
            for (int r = 0; r < n; r++) {
                int label = test.labels()[from + r];
                lossSum[0] += crossEntropy(logits, r * classes, classes, label);
                if (argmax(logits, r * classes, classes) == label) {
                    correct[0]++;
                }
            }
        });
        return timing.metrics(test.size()).setLoss(lossSum[0] / test.size()).setTestAccuracy((double) correct[0] / test.size())
                .build();
    }

    /**
     * A regression's pass: its outputs read in the target's units through the model's target scaling; RMSE, MAE and R²
     * over the test rows, the loss as in training (squared error of the standardized target).
     */
    private EpochMetrics regressionPass(Engine engine, LabeledData test) {
        Standardization target = model.target();
        double[] sums = new double[3]; // squared and absolute errors in the target's units, squared standardized errors
        Timing timing = batches(engine, test, 1, (outputs, from, n) -> {
            for (int r = 0; r < n; r++) {
                double truth = test.targets()[from + r];
                double error = target.invert(outputs[r]) - truth;
                sums[0] += error * error;
                sums[1] += Math.abs(error);
                double z = outputs[r] - (truth - target.mean()) / target.std();
                sums[2] += z * z;
            }
        });
        double mean = 0;
        for (float t : test.targets()) {
            mean += t;
        }
        mean /= test.size();
        double variance = 0;
        for (float t : test.targets()) {
            variance += (t - mean) * (t - mean);
        }
        return timing.metrics(test.size()).setLoss(sums[2] / test.size()).setTestRmse(Math.sqrt(sums[0] / test.size()))
                .setTestMae(sums[1] / test.size()).setTestR2(variance > 0 ? 1 - sums[0] / variance : null).build();
    }

    /** Told the outputs of each batch: {@code n} rows from test row {@code from}. */
    @FunctionalInterface
    private interface BatchScore {
        void score(float[] outputs, int from, int n);
    }

    /** A pass's timing: each batch's milliseconds, sorted, and the whole pass's seconds. */
    private record Timing(double[] sortedMillis, double seconds) {
        EpochMetrics.Builder metrics(int samples) {
            return EpochMetrics.newBuilder().setSamples(samples).setSamplesPerSecond(samples / seconds).setDurationMs(0)
                    .setLatencyP50Ms(percentile(sortedMillis, 50)).setLatencyP95Ms(percentile(sortedMillis, 95))
                    .setLatencyP99Ms(percentile(sortedMillis, 99));
        }
    }

    /** Every batch of {@code test} through the engine, timed one by one; {@code score} sees each batch's outputs. */
    private Timing batches(Engine engine, LabeledData test, int outputsPerRow, BatchScore score) {
        int features = test.featureCount();
        float[] batch = new float[options.batchSize() * features];
        float[] outputs = new float[options.batchSize() * outputsPerRow];
        int batches = (test.size() + options.batchSize() - 1) / options.batchSize();
        double[] millis = new double[batches];
        long t0 = System.nanoTime();
        for (int b = 0; b < batches; b++) {
            if (Thread.currentThread().isInterrupted()) { // Ctrl-C: the run fails at its next batch, as a training run does
                throw new TrainingFailedException(options.runId(), "interrupted", null);
            }
            int from = b * options.batchSize();
            int n = Math.min(options.batchSize(), test.size() - from);
            System.arraycopy(test.features(), from * features, batch, 0, n * features);
            long started = System.nanoTime();
            engine.logits(batch, n, outputs);
            millis[b] = (System.nanoTime() - started) / 1e6;
            score.score(outputs, from, n);
        }
        double seconds = Math.max(System.nanoTime() - t0, 1_000L) / 1e9;
        Arrays.sort(millis);
        return new Timing(millis, seconds);
    }

    /** numpy's default (linear) percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        double index = p / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(index);
        int hi = (int) Math.ceil(index);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (index - lo);
    }

    private static double crossEntropy(float[] logits, int offset, int classes, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits[offset + c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += Math.exp(logits[offset + c] - max);
        }
        return Math.log(sum) + max - logits[offset + label];
    }

    private static int argmax(float[] v, int offset, int classes) {
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (v[offset + c] > v[offset + best]) {
                best = c;
            }
        }
        return best;
    }

    /**
     * The rows that calibrate INT8, INT4 and FP8: the validation split, held out of training and of the test; a table too
     * small to have one (under 14 rows) calibrates on its training rows, and a file scored whole on its own rows.
     */
    private static dev.ampwatch.trainer.data.LabeledData calibration(Dataset data) {
        return data.validation().size() > 0 ? data.validation() : data.train().size() > 0 ? data.train() : data.test();
    }

    private Engine engine(Dataset data) {
        if (options.precision().equals("fp8")) {
            Fp8Mlp q = Fp8Mlp.quantize(model.spec(), model.input(), model.parameters(), calibration(data));
            if (backend instanceof GpuBackend gpu) { // FP8 tensor cores (sm_89+; GpuBackend.fp8Unavailable says why not)
                return standardizing(gpu.fp8(q));
            }
            return onCpu(q); // E4M3 values held in floats: FP8's numerics, not its speed
        }
        if (options.precision().equals("int8")) {
            Int8Mlp q = Int8Mlp.quantize(model.spec(), model.input(), model.parameters(), calibration(data));
            if (backend instanceof GpuBackend gpu) { // the dp4a INT8 GEMM
                return standardizing(gpu.int8(q));
            }
            return onCpu(q);
        }
        if (options.precision().equals("int4")) {
            Int4Mlp q = Int4Mlp.quantize(model.spec(), model.input(), model.parameters(), calibration(data));
            if (backend instanceof GpuBackend gpu) { // W4A8 through dp4a
                return standardizing(gpu.int4(q));
            }
            return onCpu(q);
        }
        Precision p = backendPrecision(options.precision());
        TrainableModel m = backend.createModel(model.spec(), HyperParameters.of(p, OptimizerKind.SGD_MOMENTUM, 0.01, 1));
        m.setParameters(model.parameters());
        return standardizing(m);
    }

    /** A quantized model on the CPU backend's threads (row blocks of a batch in parallel), or the caller's. */
    private Engine onCpu(RowLogits q) {
        if (backend instanceof CpuBackend cpu) {
            return (raw, n, out) -> cpu.forEachRowBlock(n, (from, to) -> q.logits(raw, from, to, out));
        }
        return (raw, n, out) -> q.logits(raw, 0, n, out);
    }

    /** A model of standardized inputs behind the engine: the raw inputs standardized here. */
    private Engine standardizing(InferenceModel device) {
        float[] standardized = new float[options.batchSize() * model.spec().inputs()];
        return new Engine() {
            @Override
            public void logits(float[] raw, int n, float[] out) {
                model.input().apply(raw, 0, standardized, 0, n * model.spec().inputs());
                device.logits(standardized, n, out);
            }

            @Override
            public void close() {
                device.close();
            }
        };
    }

    private RunConfig config(Dataset data) {
        return RunConfig.newBuilder().setPrecision(options.precision()).setBatchSize(options.batchSize())
                .setHiddenUnits(model.spec().hiddenUnits())
                .setConvLayers(model.spec().convolutions().stream().map(dev.ampwatch.trainer.json.TrainingEventJson::toAvro).toList())
                .setEpochs(options.repeats()).setLearningRate(0)
                .setOptimizer("none").setDataset(data.name() + " (test split)").setDatasetSynthetic(data.synthetic())
                .setTrainSamples(data.test().size()).setParameterCount(model.spec().parameterCount())
                .setFlopsPerSample(2.0 * model.spec().macsPerSample()).setDeviceName(backend.deviceName()).setBackend(backend.name())
                .setPhase(RunPhase.INFERENCE)
                .setTask(model.task() == dev.ampwatch.trainer.model.Task.REGRESSION ? dev.ampwatch.schema.RunTask.REGRESSION
                        : dev.ampwatch.schema.RunTask.CLASSIFICATION).build();
    }
}
