package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.backend.Backend;
import dev.ampwatch.trainer.backend.TrainableModel;
import dev.ampwatch.trainer.model.HyperParameters;
import dev.ampwatch.trainer.model.ModelSpec;
import dev.ampwatch.trainer.precision.Precision;
import java.util.List;

/**
 * The GPU backend ("jcuda"): the same MLP as the CPU backend, trained on one NVIDIA GPU with kernels
 * written in CUDA C ({@code src/main/cuda}), compiled to PTX by nvcc at build time and loaded through
 * the CUDA driver API (JCuda's {@code jcuda.driver}), so the only library it needs at run time is the
 * driver's {@code libcuda.so.1}: no CUDA toolkit, cuBLAS or NVRTC of a matching version.
 *
 * <p>Precision: fp32 runs an FP32 SIMT GEMM (FMA on CUDA cores, no tensor cores, i.e. TF32 off);
 * tf32, amp-fp16 and amp-bf16 run tensor-core GEMMs (mma.sync on sm_80 and newer, else WMMA) on inputs rounded to TF32, FP16 or BF16
 * (round to nearest even, as the CPU backend rounds), accumulating in FP32. Master weights,
 * optimizer state, bias, activations and loss are FP32; amp-fp16 scales the loss dynamically and
 * skips steps whose gradients overflow.
 *
 * <p>Opening it never crashes a CPU-only JVM: {@link #probe} and {@link #open} report a missing
 * driver, a missing GPU, a GPU too old for the precision, or a build without PTX as a reason.
 *
 * <p>Create models from one thread; each model is driven by one thread at a time. {@link #close()}
 * releases the context; close the models first.
 */
public final class GpuBackend implements Backend {
    private final CudaDevice device;

    private GpuBackend(CudaDevice device) {
        this.device = device;
    }

    /**
     * Opens CUDA device {@code ordinal} for runs in {@code precision} (null: any precision it supports).
     *
     * @throws GpuUnavailableException with the reason when it cannot
     */
    public static GpuBackend open(int ordinal, Precision precision) throws GpuUnavailableException {
        CudaDevice d = CudaDevice.open(ordinal);
        if (precision != null && !d.capability.supports(precision)) {
            String reason = d.name + ": " + d.capability.shortfall(precision);
            d.close();
            throw new GpuUnavailableException(reason);
        }
        return new GpuBackend(d);
    }

    /** Whether device 0 works for any precision; see {@link #probe(int, Precision)}. */
    public static GpuProbe probe() {
        return probe(0, null);
    }

    /** Whether device 0 works for {@code precision}; see {@link #probe(int, Precision)}. */
    public static GpuProbe probe(Precision precision) {
        return probe(0, precision);
    }

    /**
     * Tries the whole path (driver binding, cuInit, the device, its compute capability against
     * {@code precision}, loading every PTX module it can run) and releases it again.
     */
    public static synchronized GpuProbe probe(int ordinal, Precision precision) {
        try (GpuBackend b = open(ordinal, precision)) {
            return new GpuProbe(true, "", ordinal, b.device.name, b.device.capability, b.device.driverVersion);
        } catch (GpuUnavailableException e) {
            return GpuProbe.unavailable(ordinal, e.getMessage());
        }
    }

    @Override
    public String name() {
        return "jcuda";
    }

    /** cuDeviceGetName's answer, e.g. "NVIDIA H100 80GB HBM3". */
    @Override
    public String deviceName() {
        return device.name;
    }

    /**
     * {@code gpu<ordinal>}. The power-agent numbers GPUs as NVML does (PCI bus order); CUDA does too
     * when {@code CUDA_DEVICE_ORDER=PCI_BUS_ID}, and on single-GPU machines either way.
     */
    @Override
    public List<String> devices() {
        return List.of("gpu" + device.ordinal);
    }

    /**
     * The kernels of FP16, BF16 and TF32 GEMMs here: "mma.sync (gemm_mma.ptx)", or "WMMA" and why not mma.sync (a GPU
     * before sm_80, {@code -Dampwatch.gpu.gemm=wmma}, a failed self-check). FP32 runs the SIMT GEMMs either way.
     */
    public String gemmKernels() {
        if (device.gemmFamily() == KernelLaunch.GemmFamily.MMA) {
            return "mma.sync (gemm_mma.ptx)";
        }
        String why = device.missing(PtxModule.GEMM_MMA);
        return "WMMA" + (why == null ? "" : " (" + why + ")");
    }

    public ComputeCapability capability() {
        return device.capability;
    }

    /** The driver's CUDA version, e.g. "13.0". */
    public String driverCudaVersion() {
        return DriverSupport.cudaVersion(device.driverVersion);
    }

    /** @throws IllegalArgumentException when this GPU cannot run the precision's kernels */
    @Override
    public TrainableModel createModel(ModelSpec spec, HyperParameters hyper) {
        if (!device.capability.supports(hyper.precision())) {
            throw new IllegalArgumentException(device.name + ": " + device.capability.shortfall(hyper.precision()));
        }
        return new GpuMlp(device, spec, hyper);
    }

    /**
     * The GPU engine of a quantized model ({@link GpuInt8Mlp}: the integer tensor cores on sm_80 and newer, else dp4a);
     * close it before this backend.
     *
     * @throws IllegalArgumentException when this build or GPU lacks the INT8 kernels
     */
    public GpuInt8Mlp int8(dev.ampwatch.trainer.quant.Int8Mlp model) {
        return new GpuInt8Mlp(device, model);
    }

    /** As {@link #int8(dev.ampwatch.trainer.quant.Int8Mlp)}, choosing the GEMM: the integer tensor cores (sm_80+) or dp4a. */
    public GpuInt8Mlp int8(dev.ampwatch.trainer.quant.Int8Mlp model, boolean tensorCores) {
        return new GpuInt8Mlp(device, model, tensorCores);
    }

    /**
     * The W4A8 engine of a model quantized to INT4 weights ({@link GpuInt4Mlp}: dp4a over the unpacked nibbles); close it
     * before this backend.
     *
     * @throws IllegalArgumentException when this build lacks the kernels, or the model's groups are not the kernel's
     */
    public GpuInt4Mlp int4(dev.ampwatch.trainer.quant.Int4Mlp model) {
        return new GpuInt4Mlp(device, model);
    }

    /**
     * The FP8 tensor-core engine of a quantized model ({@link GpuFp8Mlp}); close it before this backend.
     *
     * @throws IllegalArgumentException when this GPU or driver has no FP8 ({@link #fp8Unavailable()} says why)
     */
    public GpuFp8Mlp fp8(dev.ampwatch.trainer.quant.Fp8Mlp model) {
        return new GpuFp8Mlp(device, model);
    }

    /** Why FP8 inference does not run here (a GPU before sm_89, a driver before R550), or null when it does. */
    public String fp8Unavailable() {
        return device.missing(PtxModule.FP8);
    }

    @Override
    public void close() {
        device.close();
    }
}
