package dev.ampwatch.trainer.cpu;

import dev.ampwatch.trainer.backend.Backend;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import java.util.List;

/**
 * The pure-Java CPU backend: FP32 math on a private pool of {@code threads} worker threads, with
 * reduced-precision modes emulated by rounding GEMM inputs (see
 * {@link dev.ampwatch.trainer.precision.Precision}).
 *
 * <p>Thread-safe to create models from; each model is driven by one thread. {@link #close()}
 * stops the worker pool, after which its models must not be used.
 */
public final class CpuBackend implements Backend {
    private final CpuGemm gemm;

    /** @param threads GEMM worker threads, >= 1 (typically the number of cores) */
    public CpuBackend(int threads) {
        this.gemm = new CpuGemm(threads);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String deviceName() {
        return "cpu (" + gemm.threads() + (gemm.threads() == 1 ? " thread)" : " threads)");
    }

    @Override
    public List<String> devices() {
        return List.of();
    }

    @Override
    public TrainableModel createModel(ModelSpec spec, HyperParameters hyper) {
        return new CpuMlp(spec, hyper, gemm);
    }

    /** Row-parallel work on this backend's threads (inference engines that are not a {@link CpuMlp}, e.g. INT8). */
    public void forEachRowBlock(int rows, CpuGemm.RowRange work) {
        gemm.forEachRowBlock(rows, work);
    }

    @Override
    public void close() {
        gemm.close();
    }
}
