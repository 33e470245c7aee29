package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.precision.Precision;
import java.util.Map;
import jcuda.driver.CUdevice_attribute;

/**
 * The pipeline depth of the mma.sync GEMMs on a device: each kernel of {@code gemm_mma.ptx} takes its stage count from
 * the dynamic shared memory it is launched with (gemm_mma16.cuh), so this sets, per kernel, as many stages as let the
 * block's share of an SM hold ({@link KernelLaunch#mmaStages}), and allows each kernel up to {@link
 * KernelLaunch#MMA_MAX_STAGES} (tests run every count). Deeper pipelines keep more k-steps of copies in flight, which a
 * GPU with HBM needs to hide its memory latency; the sums are the same whatever the count.
 */
final class MmaStages {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CudaDevice.class);

    private MmaStages() {
    }

    /**
     * Sets the dynamic shared memory of every mma.sync kernel on {@code dev} where gemm_mma.ptx loaded (not in {@code
     * missing}); where the GPU refuses it, puts the reason in {@code missing}, so the WMMA GEMMs run.
     */
    static void configure(CudaDevice dev, Map<PtxModule, String> missing) {
        if (missing.containsKey(PtxModule.GEMM_MMA)) {
            return;
        }
        try {
            int perSm = dev.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR);
            int optin = dev.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
            for (Precision p : KernelLaunch.MMA_PRECISIONS) {
                for (KernelLaunch.MmaBlock block : KernelLaunch.MmaBlock.values()) {
                    for (GemmOp op : GemmOp.values()) {
                        int stageBytes = block.stageBytes(p, op);
                        int stages = KernelLaunch.mmaStages(stageBytes, block.blocksPerSm(), perSm, optin);
                        if (stages == 0) {
                            refuse(dev, missing, block.kernel(p, op) + " needs " + 2 * stageBytes
                                    + " bytes of shared memory a block; " + dev.name + " allows " + optin);
                            return;
                        }
                        int most = Math.min(KernelLaunch.MMA_MAX_STAGES, optin / stageBytes);
                        dev.setDynamicShared(block.kernel(p, op), stages * stageBytes, most * stageBytes);
                    }
                }
            }
        } catch (GpuUnavailableException | RuntimeException e) {
            refuse(dev, missing, "its shared memory could not be set: " + e.getMessage());
        }
    }

    private static void refuse(CudaDevice dev, Map<PtxModule, String> missing, String why) {
        missing.put(PtxModule.GEMM_MMA, why);
        LOG.warn("{}: the mma.sync GEMMs (gemm_mma.ptx) cannot run, so FP16, BF16 and TF32 run on the WMMA GEMMs"
                + " (slower): {}", dev.name, why);
    }

    /** The stage count {@code kernel} runs with on {@code dev} (its dynamic shared memory / a stage's bytes). */
    static int stages(CudaDevice dev, KernelLaunch.MmaBlock block, Precision precision, GemmOp op) {
        return dev.dynamicShared(block.kernel(precision, op)) / block.stageBytes(precision, op);
    }
}
