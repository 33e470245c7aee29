package dev.ampwatch.trainer.backend;

import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import java.util.List;

/**
 * Something that can execute training math: the CPU today, a JCuda GPU later. The training loop
 * only talks to a backend through {@link TrainableModel}, whole steps at a time, so a GPU backend
 * can keep weights, activations and optimizer state on the device and copy only batches in and
 * losses/predictions out.
 *
 * <p>Implementations document their own thread-safety; the training loop uses a backend and its
 * models from one thread.
 */
public interface Backend extends AutoCloseable {
    /** What executes the math, as published in {@code RunConfig.backend}: "cpu", "jcuda". */
    String name();

    /** Human-readable device, as in {@code RunConfig.device_name}, e.g. "cpu (8 threads)". */
    String deviceName();

    /** Accelerator ids the backend uses (matching PowerSample.device); empty on the CPU. */
    List<String> devices();

    /** A freshly initialized model (weights from {@code hyper.seed()}). */
    TrainableModel createModel(ModelSpec spec, HyperParameters hyper);

    /** Releases threads or device memory. Idempotent. */
    @Override
    void close();
}
