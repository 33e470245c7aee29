package dev.ampwatch.trainer;

import dev.ampwatch.trainer.backend.Backend;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.gpu.GpuBackend;
import dev.ampwatch.trainer.gpu.GpuUnavailableException;
import dev.ampwatch.trainer.precision.Precision;
import java.io.PrintStream;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code --device auto|cpu|gpu|gpuN}: the backend a training run uses, and a one-line explanation
 * of the pick for the user. {@code auto} takes GPU 0 when it works for the run's precision (driver,
 * device, compute capability, PTX kernels: {@link GpuBackend#open}) and otherwise the CPU, saying why;
 * {@code gpu}/{@code gpuN} insist on the GPU and fail with the reason instead of falling back.
 *
 * @param backend the opened backend, owned by the caller (close it after the run)
 * @param explanation e.g. "gpu0: NVIDIA H100 80GB HBM3 (sm_90, driver CUDA 13.0), backend jcuda (PTX kernels); --device auto: the GPU works for amp-bf16"
 */
public record DeviceChoice(Backend backend, String explanation) {
    /**
     * Opens the backend {@code device} asks for.
     *
     * @throws IllegalArgumentException for an unknown device, or a GPU asked for by name that does not work
     */
    public static DeviceChoice pick(String device, Precision precision, int threads) {
        return pick(device, precision, threads, precision.toString());
    }

    /** Whether {@code device} is one of auto, cpu, gpu, gpuN (any case, surrounding blanks ignored). */
    public static boolean valid(String device) {
        return device != null && device.trim().toLowerCase(Locale.ROOT).matches("auto|cpu|gpu\\d*");
    }

    /** As {@link #pick(String, Precision, int)}, its messages naming the work as {@code what} (e.g. "int8 inference"). */
    private static DeviceChoice pick(String device, Precision precision, int threads, String what) {
        String d = device == null ? "auto" : device.trim().toLowerCase(Locale.ROOT);
        if (d.equals("cpu")) {
            CpuBackend cpu = new CpuBackend(threads);
            return new DeviceChoice(cpu, cpu.deviceName() + ": chosen with --device cpu");
        }
        if (d.equals("auto")) {
            try {
                GpuBackend gpu = GpuBackend.open(0, precision);
                return new DeviceChoice(gpu, describe(gpu) + "; --device auto: the GPU works for " + what);
            } catch (GpuUnavailableException e) {
                CpuBackend cpu = new CpuBackend(threads);
                return new DeviceChoice(cpu, cpu.deviceName() + ": no usable GPU for " + what + " — " + e.getMessage());
            }
        }
        if (d.matches("gpu\\d*")) {
            int ordinal = d.length() == 3 ? 0 : Integer.parseInt(d.substring(3));
            try {
                GpuBackend gpu = GpuBackend.open(ordinal, precision);
                return new DeviceChoice(gpu, describe(gpu) + "; chosen with --device " + d);
            } catch (GpuUnavailableException e) {
                throw new IllegalArgumentException("--device " + d + ": " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("--device " + device + ": expected auto, cpu, gpu or gpuN (e.g. gpu1)");
    }

    /**
     * The backend an inference run in {@code inferencePrecision} (fp32, fp16, bf16, int8, fp8) uses: as {@link #pick}
     * for the GEMMs it runs, and for fp8 the FP8 tensor cores (sm_89+, a driver that loads them): {@code auto} falls back
     * to FP8's numerics on the CPU, saying why; {@code gpu}/{@code gpuN} fail with the reason.
     *
     * @throws IllegalArgumentException as {@link #pick}, or for fp8 on a GPU asked for by name that has none
     */
    public static DeviceChoice pickForInference(String device, String inferencePrecision, int threads) {
        DeviceChoice choice = pick(device, InferenceJob.backendPrecision(inferencePrecision), threads, inferencePrecision + " inference");
        if (!inferencePrecision.equals("fp8") || !(choice.backend() instanceof GpuBackend gpu) || gpu.fp8Unavailable() == null) {
            return choice;
        }
        String why = gpu.fp8Unavailable();
        gpu.close();
        String d = device == null ? "auto" : device.trim().toLowerCase(Locale.ROOT);
        if (!d.equals("auto")) {
            throw new IllegalArgumentException("--device " + device + ": no FP8 here: " + why);
        }
        CpuBackend cpu = new CpuBackend(threads);
        return new DeviceChoice(cpu, cpu.deviceName() + ": --device auto: the GPU has no FP8 (" + why + "), so FP8's numerics on the CPU");
    }

    /**
     * The device of a whole experiment (a sweep, the demo): {@code device} for every training precision in
     * {@code training} and every inference precision in {@code inference}, so that the configurations compare on one
     * device. {@code auto} takes GPU 0 only when it works for all of them, else the CPU for all, saying which precision
     * kept it off the GPU and why; {@code gpu}/{@code gpuN} must work for all of them; {@code cpu} is the CPU. Each
     * run then opens its backend with {@link #pick}/{@link #pickForInference} of {@link Resolved#device()}.
     *
     * @throws IllegalArgumentException as {@link #pick}, naming the precision a GPU asked for by name cannot run
     */
    public static Resolved forExperiment(String device, Collection<Precision> training, Collection<String> inference,
                                         int threads) {
        String d = device == null ? "auto" : device.trim().toLowerCase(Locale.ROOT);
        if (d.equals("cpu")) {
            return new Resolved("cpu", "cpu: chosen with --device cpu");
        }
        List<Supplier<DeviceChoice>> picks = new ArrayList<>();
        for (Precision p : new LinkedHashSet<>(training)) {
            picks.add(() -> pick(d, p, threads));
        }
        for (String p : new LinkedHashSet<>(inference)) {
            picks.add(() -> pickForInference(d, p, threads));
        }
        String gpuId = null; // the GPU every precision so far works on, and what it is
        String described = null;
        for (Supplier<DeviceChoice> next : picks) {
            DeviceChoice choice = next.get();
            try (Backend backend = choice.backend()) {
                if (!(backend instanceof GpuBackend gpu)) { // auto fell back for this precision: all on the CPU
                    return new Resolved("cpu", choice.explanation() + "; so every run of the experiment is on the CPU,"
                            + " to compare its configurations on one device");
                }
                if (gpuId == null) {
                    gpuId = gpu.devices().get(0);
                    described = describe(gpu);
                }
            }
        }
        if (gpuId == null) { // no precision at all: nothing will open a backend
            return new Resolved(d.equals("auto") ? "cpu" : d, "nothing to run");
        }
        return new Resolved(gpuId, described + "; every run of the experiment on it ("
                + (d.equals("auto") ? "--device auto" : "--device " + d) + ": it works for every precision)");
    }

    /** The device every run of an experiment uses ({@code cpu} or {@code gpuN}), and why. */
    public record Resolved(String device, String explanation) {
        /**
         * Trains on this device (said once for the experiment, so not again per run).
         *
         * @throws IllegalArgumentException when the device no longer works for the run's precision (a GPU lost mid-experiment)
         */
        public TrainingResult train(TrainingOptions options, TrainingListener listener, TrainingProgress progress) {
            return pick(device, options.precision(), options.threads()).train(options, listener, progress, job -> job);
        }
    }

    /**
     * Trains on the backend {@code device} picks, telling {@code out} which one and why, reporting steps to
     * {@code progress}, with the job set up by {@code setup} (e.g. {@link TrainingJob#stoppingAfter}).
     */
    public static TrainingResult train(String device, TrainingOptions options, TrainingListener listener, PrintStream out,
                                       TrainingProgress progress, java.util.function.UnaryOperator<TrainingJob> setup) {
        DeviceChoice choice = pick(device, options.precision(), options.threads());
        out.println(choice.explanation());
        return choice.train(options, listener, progress, setup);
    }

    /** Trains on this choice's backend, then closes it. */
    private TrainingResult train(TrainingOptions options, TrainingListener listener, TrainingProgress progress,
                                 java.util.function.UnaryOperator<TrainingJob> setup) {
        try (Backend b = backend) {
            return setup.apply(new TrainingJob(options, b, InstantSource.system(), listener).withProgress(progress)).run();
        }
    }

    private static String describe(GpuBackend gpu) {
        return gpu.devices().get(0) + ": " + gpu.deviceName() + " (" + gpu.capability() + ", driver CUDA "
                + gpu.driverCudaVersion() + "), backend " + gpu.name() + " (PTX kernels)";
    }
}
