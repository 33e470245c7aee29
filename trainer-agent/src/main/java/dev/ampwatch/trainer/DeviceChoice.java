package dev.ampwatch.trainer;

import dev.ampwatch.trainer.backend.Backend;
import dev.ampwatch.trainer.cpu.CpuBackend;
import dev.ampwatch.trainer.gpu.GpuBackend;
import dev.ampwatch.trainer.gpu.GpuUnavailableException;
import dev.ampwatch.trainer.precision.Precision;
import java.io.PrintStream;
import java.time.InstantSource;
import java.util.Locale;

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
        String d = device == null ? "auto" : device.trim().toLowerCase(Locale.ROOT);
        if (d.equals("cpu")) {
            CpuBackend cpu = new CpuBackend(threads);
            return new DeviceChoice(cpu, cpu.deviceName() + ": chosen with --device cpu");
        }
        if (d.equals("auto")) {
            try {
                GpuBackend gpu = GpuBackend.open(0, precision);
                return new DeviceChoice(gpu, describe(gpu) + "; --device auto: the GPU works for " + precision);
            } catch (GpuUnavailableException e) {
                CpuBackend cpu = new CpuBackend(threads);
                return new DeviceChoice(cpu, cpu.deviceName() + ": no usable GPU for " + precision + " — " + e.getMessage());
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
     * Trains on the backend {@code device} picks, telling {@code out} which one and why, reporting steps to
     * {@code progress}, with the job set up by {@code setup} (e.g. {@link TrainingJob#stoppingAfter}).
     */
    public static TrainingResult train(String device, TrainingOptions options, TrainingListener listener, PrintStream out,
                                       TrainingProgress progress, java.util.function.UnaryOperator<TrainingJob> setup) {
        DeviceChoice choice = pick(device, options.precision(), options.threads());
        out.println(choice.explanation());
        try (Backend backend = choice.backend()) {
            return setup.apply(new TrainingJob(options, backend, InstantSource.system(), listener).withProgress(progress)).run();
        }
    }

    private static String describe(GpuBackend gpu) {
        return gpu.devices().get(0) + ": " + gpu.deviceName() + " (" + gpu.capability() + ", driver CUDA "
                + gpu.driverCudaVersion() + "), backend " + gpu.name() + " (PTX kernels)";
    }
}
