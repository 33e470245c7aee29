package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.backend.StepResult;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.model.OptimizerKind;
import dev.ampwatch.trainer.precision.Precision;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The Java steps of {@code benchmarks/gpu-smoke.sh} (a GPU session is short: one command, every step
 * timed, PASS/FAIL/SKIP with numbers):
 * <ul>
 *   <li>{@code probe}: the backend's probe per precision, and how long opening the device (module loads) took;</li>
 *   <li>{@code train PRECISION STEPS [HIDDEN]}: STEPS training steps of a 784-HIDDEN-HIDDEN-10 MLP at batch 512 on
 *       random data (the work, not the learning, is measured): samples/s, achieved TFLOP/s (the model's FLOPs
 *       per sample x samples/s), the last loss and skipped steps. The script reads the GPU's power beside it.</li>
 * </ul>
 *   <li>{@code gemm SIZE SECONDS}: every GEMM kernel on a SIZE^3 product, checked against each other bit for bit and
 *       timed ({@link GemmBench});</li>
 *   <li>{@code infer fp32|fp16|bf16|int8|int8-dp4a|int4|fp8 BATCHES [HIDDEN]}: BATCHES forward passes at batch 4,096 in an
 *       inference precision (int8-dp4a through the dp4a kernels, int4 as W4A8 through dp4a): inferences/s and achieved
 *       TFLOP/s (TOPS).</li>
 * Exit status 0 PASS, 1 FAIL, 2 SKIP (no working GPU backend). Test code: not shipped.
 */
public final class GpuSmoke {
    private GpuSmoke() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** One step: 0 passed, 1 failed, 2 skipped (no GPU for it); what it measured on standard output. */
    static int run(String... args) {
        int code;
        try {
            code = switch (args.length == 0 ? "" : args[0]) {
                case "probe" -> probe();
                case "train" -> train(Precision.fromCliName(args[1]), Integer.parseInt(args[2]),
                        args.length > 3 ? trainedModel(args[3]) : trainedModel("1024"), args.length > 4 ? Double.parseDouble(args[4]) : 0,
                        args.length > 5 ? Integer.parseInt(args[5]) : 512);
                case "infer" -> infer(args[1], Integer.parseInt(args[2]), args.length > 3 ? trainedModel(args[3]) : trainedModel("2048"),
                        args.length > 4 ? Double.parseDouble(args[4]) : 0, args.length > 5 ? Integer.parseInt(args[5]) : 4096);
                case "accuracy" -> accuracy(Precision.fromCliName(args[1]), Integer.parseInt(args[2]), java.nio.file.Path.of(args[3]));
                case "experiment" -> experiment(Integer.parseInt(args[1]), java.nio.file.Path.of(args[2]));
                case "gemm" -> GemmBench.run(Integer.parseInt(args[1]), Double.parseDouble(args[2]));
                default -> {
                    System.out.println("usage: GpuSmoke probe | train PRECISION STEPS [HIDDEN|cnn [MIN_SECONDS [BATCH]]]"
                            + " | infer fp32|fp16|bf16|int8|int8-dp4a|int4|fp8 BATCHES [HIDDEN|cnn [MIN_SECONDS [BATCH]]]"
                            + " | accuracy PRECISION EPOCHS DATASET_DIR"
                            + " | experiment EPOCHS DATASET_DIR | gemm SIZE SECONDS");
                    yield 1;
                }
            };
        } catch (RuntimeException | GpuUnavailableException | java.io.IOException e) {
            System.out.println("FAIL " + e);
            code = 1;
        }
        return code;
    }

    private static int probe() {
        boolean any = false;
        for (Precision p : Precision.values()) {
            long t0 = System.nanoTime();
            GpuProbe probe = GpuBackend.probe(0, p);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf(Locale.ROOT, "%s probe %s: %s (%d ms)%n", probe.available() ? "PASS" : "SKIP", p.cliName(),
                    probe.summary(), ms);
            any |= probe.available();
        }
        String cache = JitCache.problem(System.getenv(), System.getProperty("user.home"));
        System.out.println((cache == null ? "PASS" : "WARN") + " jit cache: " + (cache == null
                ? "writable (" + JitCache.directory(System.getenv(), System.getProperty("user.home")) + ")" : cache));
        return any ? 0 : 2;
    }

    /**
     * BATCHES forward passes of a 784-HIDDEN-HIDDEN-10 MLP at batch 4,096 in an inference precision (int8: the dp4a
     * path, post-training quantized on random calibration data): inferences/s and achieved TFLOP/s (TOPS for int8);
     * the copies in and out are included, as a request would pay them.
     */
    private static int infer(String precision, int batches, ModelSpec spec, double minSeconds, int batch) throws GpuUnavailableException {
        Precision backend = dev.ampwatch.trainer.InferenceJob.backendPrecision(precision.replace("-dp4a", ""));
        GpuProbe probe = GpuBackend.probe(0, backend);
        if (!probe.available()) {
            System.out.println("SKIP infer " + precision + ": " + probe.reason());
            return 2;
        }
        Random rnd = new Random(2);
        float[] x = new float[batch * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        float[] logits = new float[batch * 10];
        dev.ampwatch.trainer.model.ModelParameters parameters = GpuInt8Test.parameters(spec, rnd);
        int calibration = spec.convolutional() ? 200 : 2000; // calibrated on the CPU: a CNN's forward pass costs more there
        try (GpuBackend gpu = GpuBackend.open(0, backend)) {
            java.util.function.Consumer<float[]> forward;
            AutoCloseable engine;
            if (precision.equals("fp8")) {
                if (gpu.fp8Unavailable() != null) {
                    System.out.println("SKIP infer fp8: " + gpu.fp8Unavailable());
                    return 2;
                }
                dev.ampwatch.trainer.quant.Fp8Mlp q = dev.ampwatch.trainer.quant.Fp8Mlp.quantize(spec,
                        new dev.ampwatch.trainer.data.Standardization(0, 1), parameters, GpuInt8Test.data(784, calibration, rnd));
                GpuFp8Mlp g = gpu.fp8(q);
                forward = in -> g.logits(in, batch, logits);
                engine = g;
            } else if (precision.startsWith("int8")) { // int8: the tensor cores where there are some; int8-dp4a: dp4a
                dev.ampwatch.trainer.quant.Int8Mlp q = dev.ampwatch.trainer.quant.Int8Mlp.quantize(spec,
                        new dev.ampwatch.trainer.data.Standardization(0, 1), parameters, GpuInt8Test.data(784, calibration, rnd));
                GpuInt8Mlp g = precision.equals("int8-dp4a") ? gpu.int8(q, false) : gpu.int8(q);
                forward = in -> g.logits(in, batch, logits);
                engine = g;
            } else if (precision.equals("int4")) { // W4A8: packed 4-bit weights through dp4a
                dev.ampwatch.trainer.quant.Int4Mlp q = dev.ampwatch.trainer.quant.Int4Mlp.quantize(spec,
                        new dev.ampwatch.trainer.data.Standardization(0, 1), parameters, GpuInt8Test.data(784, calibration, rnd));
                GpuInt4Mlp g = gpu.int4(q);
                forward = in -> g.logits(in, batch, logits);
                engine = g;
            } else {
                TrainableModel m = gpu.createModel(spec, HyperParameters.of(backend, OptimizerKind.SGD_MOMENTUM, 0.01, 1));
                m.setParameters(parameters);
                forward = in -> m.logits(in, batch, logits);
                engine = m;
            }
            try (engine) {
                for (int i = 0; i < 10; i++) { // warm-up
                    forward.accept(x);
                }
                long from = System.currentTimeMillis();
                long t0 = System.nanoTime();
                int done = 0;
                while (done < batches || System.nanoTime() - t0 < minSeconds * 1e9) {
                    forward.accept(x); // ends with the download: synchronous
                    done++;
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                long to = System.currentTimeMillis();
                double perSecond = (double) done * batch / seconds;
                System.out.printf(Locale.ROOT, "PASS infer %s: %d batches of %d, %s, %.3f s, %.0f inferences/s, %.2f T%s/s, %s,"
                                + " window %d-%d%n",
                        precision, done, batch, describe(spec), seconds, perSecond, perSecond * 2.0 * spec.macsPerSample() / 1e12,
                        precision.startsWith("int") || precision.equals("fp8") ? "OP" : "FLOP", gpu.deviceName(), from, to);
                return Float.isFinite(logits[0]) ? 0 : 1;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** 784-HIDDEN-HIDDEN-10, or {@code cnn}: the {@code --preset cnn} model (convolutions c32k3s1,c64k3s2,c128k3s2, hidden 256). */
    private static ModelSpec trainedModel(String hidden) {
        if (hidden.equals("cnn")) {
            return new ModelSpec(784, List.of(256), 10, dev.ampwatch.trainer.model.ConvLayer.parseList("c32k3s1,c64k3s2,c128k3s2"));
        }
        int h = Integer.parseInt(hidden);
        return new ModelSpec(784, List.of(h, h), 10);
    }

    private static String describe(ModelSpec spec) {
        String conv = dev.ampwatch.trainer.model.ConvLayer.text(spec.convolutions());
        return (conv.isEmpty() ? "784-" : "784-" + conv + "-") + spec.hiddenUnits().stream().map(String::valueOf)
                .collect(java.util.stream.Collectors.joining("-")) + "-10";
    }

    private static int train(Precision precision, int steps, ModelSpec spec, double minSeconds, int batch) throws GpuUnavailableException {
        GpuProbe probe = GpuBackend.probe(0, precision);
        if (!probe.available()) {
            System.out.println("SKIP train " + precision.cliName() + ": " + probe.reason());
            return 2;
        }
        HyperParameters hyper = new HyperParameters(precision, OptimizerKind.SGD_MOMENTUM, 0.01, 1, 65536f, 2000);
        Random rnd = new Random(1);
        float[] x = new float[batch * 784];
        int[] y = new int[batch];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        for (int i = 0; i < batch; i++) {
            y[i] = rnd.nextInt(10);
        }
        try (GpuBackend gpu = GpuBackend.open(0, precision); TrainableModel model = gpu.createModel(spec, hyper)) {
            for (int i = 0; i < 10; i++) { // warm-up: JIT, first launches, allocations
                model.trainStep(x, y, batch);
            }
            model.synchronize();
            int skipped = 0;
            StepResult last = null;
            long from = System.currentTimeMillis();
            long t0 = System.nanoTime();
            int done = 0;
            while (done < steps || System.nanoTime() - t0 < minSeconds * 1e9) {
                last = model.trainStep(x, y, batch);
                skipped += last.applied() ? 0 : 1;
                done++;
            }
            model.synchronize();
            double seconds = (System.nanoTime() - t0) / 1e9;
            long to = System.currentTimeMillis();
            double samplesPerSecond = (double) done * batch / seconds;
            System.out.printf(Locale.ROOT, "PASS train %s: %d steps of batch %d, %s, %.3f s, %.0f samples/s, %.2f TFLOP/s, "
                            + "last loss %.4f, %d skipped, %s, window %d-%d%n", precision.cliName(), done, batch, describe(spec), seconds,
                    samplesPerSecond, samplesPerSecond * spec.flopsPerSample() / 1e12, last.loss(), skipped, gpu.deviceName(), from, to);
            return Double.isFinite(last.loss()) ? 0 : 1;
        }
    }

    /**
     * Trains the default model ({@link dev.ampwatch.trainer.TrainingOptions}' defaults: the demo's MLP, batch, learning
     * rate and seed) on the Fashion-MNIST files in {@code dir} for EPOCHS epochs on the GPU, and prints each epoch's
     * samples/s and the test accuracy: what a precision does to the model, beside what it does to the watts.
     */
    private static int accuracy(Precision precision, int epochs, java.nio.file.Path dir) throws GpuUnavailableException {
        GpuProbe probe = GpuBackend.probe(0, precision);
        if (!probe.available()) {
            System.out.println("SKIP accuracy " + precision.cliName() + ": " + probe.reason());
            return 2;
        }
        dev.ampwatch.trainer.TrainingOptions options = dev.ampwatch.trainer.TrainingOptions.builder().precision(precision)
                .epochs(epochs).datasetDir(dir).runId("gpu-smoke-" + precision.cliName()).build();
        try (GpuBackend gpu = GpuBackend.open(0, precision)) {
            dev.ampwatch.trainer.TrainingResult result = new dev.ampwatch.trainer.TrainingJob(options, gpu,
                    java.time.InstantSource.system(), dev.ampwatch.trainer.TrainingListener.none()).run();
            StringBuilder perEpoch = new StringBuilder();
            for (dev.ampwatch.schema.EpochMetrics m : result.epochs()) {
                perEpoch.append(String.format(Locale.ROOT, " %.0f", m.getSamplesPerSecond()));
            }
            dev.ampwatch.schema.EpochMetrics last = result.last();
            System.out.printf(Locale.ROOT, "PASS accuracy %s: %d epochs of %s at batch %d, test accuracy %.4f, validation %.4f,"
                            + " last loss %.4f, %d skipped steps, samples/s per epoch%s, %s%n", precision.cliName(), epochs,
                    options.hiddenUnits(), options.batchSize(), last.getTestAccuracy(),
                    last.getValidationAccuracy() == null ? Double.NaN : last.getValidationAccuracy(), last.getLoss(),
                    result.epochs().stream().mapToInt(dev.ampwatch.schema.EpochMetrics::getSkippedSteps).sum(), perEpoch, gpu.deviceName());
            return Double.isFinite(last.getLoss()) ? 0 : 1;
        }
    }

    /**
     * What a sweep or the demo does with {@code --device auto}, without Kafka: one device for the experiment
     * ({@link dev.ampwatch.trainer.DeviceChoice#forExperiment} over the four training and the inference precisions, fp8
     * where the GPU has it),
     * an fp32 training run on it that saves its model, then an inference run of that model per inference precision on
     * the same device: each run's device, test accuracy and inferences/s.
     */
    private static int experiment(int epochs, java.nio.file.Path dir) throws java.io.IOException {
        List<String> inference = dev.ampwatch.trainer.InferenceJob.PRECISIONS;
        try (GpuBackend gpu = GpuBackend.open(0, Precision.FP32)) { // FP8 only where the GPU has it (sm_89+), as a user would list
            if (gpu.fp8Unavailable() != null) {
                inference = inference.stream().filter(p -> !p.equals("fp8")).toList();
            }
        } catch (GpuUnavailableException e) {
            // no GPU: the experiment below says so and runs on the CPU
        }
        dev.ampwatch.trainer.DeviceChoice.Resolved device = dev.ampwatch.trainer.DeviceChoice.forExperiment("auto",
                List.of(Precision.values()), inference, 4);
        System.out.println("device: " + device.explanation());
        java.nio.file.Path model = java.nio.file.Files.createTempFile("gpu-smoke", ".ampwmodel");
        dev.ampwatch.trainer.TrainingOptions options = dev.ampwatch.trainer.TrainingOptions.builder().precision(Precision.FP32)
                .epochs(epochs).datasetDir(dir).runId("gpu-smoke-experiment").saveModel(model).build();
        dev.ampwatch.trainer.TrainingResult trained = device.train(options, dev.ampwatch.trainer.TrainingListener.none(),
                dev.ampwatch.trainer.TrainingProgress.none());
        System.out.printf(Locale.ROOT, "trained fp32 on %s: test accuracy %.4f%n", device.device(), trained.last().getTestAccuracy());
        dev.ampwatch.trainer.model.ModelFile.SavedModel saved = dev.ampwatch.trainer.model.ModelFile.read(model);
        dev.ampwatch.trainer.data.Dataset data = dev.ampwatch.trainer.data.DatasetResolver.resolve(options.datasetDir(),
                options.trainLimit(), options.testLimit(), options.seed());
        boolean gpu = device.device().startsWith("gpu");
        for (String precision : inference) {
            List<dev.ampwatch.schema.EpochMetrics> passes = dev.ampwatch.trainer.InferenceJob.run(saved,
                    new dev.ampwatch.trainer.InferenceJob.Options(precision, 4096, 3, "gpu-smoke-" + precision, "gpu-smoke", "gpu-smoke"),
                    device.device(), 4, java.time.InstantSource.system(), dev.ampwatch.trainer.TrainingListener.none(), data);
            dev.ampwatch.schema.EpochMetrics last = passes.get(passes.size() - 1);
            System.out.printf(Locale.ROOT, "%s inference %s on %s: test accuracy %.4f, %.0f inferences/s, batch p50 %.3f ms%n",
                    gpu ? "PASS" : "SKIP", precision, device.device(), last.getTestAccuracy(), last.getSamplesPerSecond(),
                    last.getLatencyP50Ms());
        }
        java.nio.file.Files.deleteIfExists(model);
        return gpu ? 0 : 2;
    }
}
