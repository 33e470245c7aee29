package dev.ampwatch.trainer.gpu;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ampwatch.trainer.precision.Precision;

/**
 * Where a GPU test cannot run: skipped on a machine without a GPU (the build never needs one), but a
 * failure with {@code -Dampwatch.requireGpu=true}, so a GPU run cannot pass by skipping (a backend that
 * fails to probe on a GPU machine is a broken backend, not a missing GPU). The GPU smoke script sets it.
 */
final class GpuRequirement {
    static final String PROPERTY = "ampwatch.requireGpu";

    private GpuRequirement() {}

    static boolean required() {
        return Boolean.getBoolean(PROPERTY);
    }

    /** The precisions whose backend probed usable in this JVM: once is enough (a probe opens the device). */
    private static final java.util.Set<Precision> USABLE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The GPU backend at {@code precision} is usable, or the test is skipped (failed when required). */
    static void assumeBackend(Precision precision) {
        if (USABLE.contains(precision)) {
            return;
        }
        GpuProbe probe = GpuBackend.probe(precision);
        assume(probe.available(), "GPU backend for " + precision + " unavailable: " + probe.reason());
        USABLE.add(precision);
    }

    /** The name the fake libcuda (src/test/c/fakecuda) gives its device. */
    static final String FAKE_DEVICE = "ampwatch fake CUDA device";

    /**
     * Whether the GPU is the fake libcuda's, which runs the kernels on the CPU (the fake-cuda profile of
     * trainer-agent/pom.xml): tests may then shrink workloads that only cost time, never what they check.
     */
    static boolean emulated() {
        GpuProbe probe = GpuBackend.probe();
        return probe.available() && probe.deviceName().startsWith(FAKE_DEVICE);
    }

    static void assume(boolean condition, String why) {
        if (!condition && required()) {
            fail(why + " (-D" + PROPERTY + "=true: a GPU test may not skip)");
        }
        assumeTrue(condition, why);
    }
}
