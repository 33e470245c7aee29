package dev.ampwatch.trainer.gpu;

import dev.ampwatch.trainer.precision.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import jcuda.driver.CUdeviceptr;

/**
 * The smoke script's {@code gemm} step ({@code GpuSmoke gemm SIZE SECONDS}): every GEMM kernel family on one square
 * product, so the kernels are compared with each other on the same GPU in the same run. First each kernel computes
 * the product once per transpose (NN, TN, NT), and every result must equal the FP32 SIMT kernel's of the same
 * transpose bit for bit: the
 * inputs are multiples of 1/4 in [-1, 1], so for SIZE up to 16,384 every sum is exact whatever the order (as in
 * GemmMatrixTest), which checks the tensor-core kernels at a size the unit tests do not reach. Then each kernel's NN
 * product is timed for at least SECONDS (0: the correctness pass alone, e.g. under compute-sanitizer): TFLOP/s at
 * 2 SIZE^3 per product. Kernels: fp32 (SIMT FMA, tiles of 64 and 128), tf32, f16 and bf16 through WMMA and through mma.sync in
 * each block (64; 128 in 8 warps; 128 in 4 warps; where gemm_mma.ptx loaded: sm_80 and newer), each mma.sync block
 * in the pipeline depth the device chose (MmaStages) and then, for half the time, in every other depth that fits.
 */
final class GemmBench {
    private GemmBench() {
    }

    /** One kernel family: FP32 SIMT in a tile of 64 or 128, a WMMA one (block null, tile 0), an mma.sync block. */
    private record Variant(String label, Precision precision, KernelLaunch.MmaBlock block, int simtTile) {
        Variant(String label, Precision precision, KernelLaunch.MmaBlock block) {
            this(label, precision, block, 0);
        }

        /** The kernel of that transpose, and its grid for size x size in one slice. */
        KernelLaunch launch(GemmOp op, int size) {
            if (block != null) {
                return block.launch(precision, op, size, size, 1);
            }
            if (simtTile > 0) {
                String kernel = simtTile == KernelLaunch.GEMM_TILE ? "gemm_fp32_" : "gemm_fp32_simt128_";
                return new KernelLaunch(kernel + op.suffix(), KernelLaunch.ceilDiv(size, simtTile), KernelLaunch.ceilDiv(size, simtTile),
                        1, KernelLaunch.SIMT_THREADS);
            }
            return KernelLaunch.gemm(precision, op, size, size, size); // the WMMA family's
        }
    }

    static int run(int size, double seconds) throws GpuUnavailableException {
        if (size < 1 || size > 16384) {
            System.out.println("FAIL gemm: SIZE must be in [1, 16384] (exact sums), not " + size);
            return 1;
        }
        GpuProbe probe = GpuBackend.probe(0, null);
        if (!probe.available()) {
            System.out.println("SKIP gemm: " + probe.reason());
            return 2;
        }
        Random rnd = new Random(size);
        float[] a = GemmSelfCheck.quarters(rnd, size * size);
        float[] b = GemmSelfCheck.quarters(rnd, size * size);
        try (CudaDevice dev = CudaDevice.open(0)) {
            dev.makeCurrent();
            List<Variant> variants = new ArrayList<>();
            variants.add(new Variant("fp32-simt64", Precision.FP32, null, KernelLaunch.GEMM_TILE));
            variants.add(new Variant("fp32-simt128", Precision.FP32, null, KernelLaunch.MMA_LARGE_TILE));
            for (Precision p : List.of(Precision.TF32, Precision.AMP_FP16, Precision.AMP_BF16)) {
                if (dev.capability.supports(p)) {
                    variants.add(new Variant(KernelLaunch.gemmKernel(p, GemmOp.NN).replace("gemm_", "").replace("_nn", "") + "-wmma",
                            p, null));
                }
            }
            for (Precision p : KernelLaunch.MMA_PRECISIONS) {
                for (KernelLaunch.MmaBlock block : KernelLaunch.MmaBlock.values()) {
                    String nn = block.kernel(p, GemmOp.NN);
                    if (dev.hasKernel(nn)) {
                        variants.add(new Variant(nn.replace("gemm_", "").replace("_nn", "").replace('_', '-'), p, block));
                    }
                }
            }
            long n2 = (long) size * size;
            CUdeviceptr c = dev.alloc(4 * n2);
            java.util.Map<GemmOp, float[]> reference = new java.util.EnumMap<>(GemmOp.class); // fp32 SIMT's, per transpose
            StringBuilder out = new StringBuilder();
            boolean wrong = false;
            for (Variant v : variants) {
                CUdeviceptr da = GemmSelfCheck.upload(dev, v.precision(), a);
                CUdeviceptr db = GemmSelfCheck.upload(dev, v.precision(), b);
                try {
                    for (GemmOp op : GemmOp.values()) {
                        dev.launch(v.launch(op, size), da, db, c, size, size, size, size);
                        dev.synchronize();
                        float[] got = new float[(int) n2];
                        dev.download(got, c, got.length);
                        if (v.precision() == Precision.FP32) {
                            reference.putIfAbsent(op, got); // the first: the 64-tile SIMT kernel
                        }
                        String diff = firstDifference(reference.get(op), got, size);
                        if (diff != null) {
                            out.append(String.format(Locale.ROOT, "; %s %s WRONG: %s", v.label(), op, diff));
                            wrong = true;
                        }
                    }
                    if (seconds > 0) {
                        KernelLaunch nn = v.launch(GemmOp.NN, size);
                        int shared = dev.dynamicShared(nn.kernel());
                        out.append(String.format(Locale.ROOT, "; %s %.2f TFLOP/s", v.label(), tflops(dev, nn, shared, da, db, c, size, seconds)));
                        if (v.block() != null) { // the mma.sync pipeline at each depth that fits, the device's choice first
                            int stageBytes = v.block().stageBytes(v.precision(), GemmOp.NN);
                            out.append(String.format(Locale.ROOT, " (%d stages", MmaStages.stages(dev, v.block(), v.precision(), GemmOp.NN)));
                            for (int stages = 2; stages <= KernelLaunch.MMA_MAX_STAGES; stages++) {
                                if (stages * stageBytes != shared && stages * stageBytes <= maxShared(dev)) {
                                    out.append(String.format(Locale.ROOT, "; %d: %.2f", stages,
                                            tflops(dev, nn, stages * stageBytes, da, db, c, size, seconds / 2)));
                                }
                            }
                            out.append(')');
                        }
                    }
                } finally {
                    dev.free(da);
                    dev.free(db);
                }
            }
            dev.free(c);
            // on sm_80 and newer training runs the mma.sync kernels unless told not to; anything else is a failure to look at
            boolean fellBack = dev.capability.compareTo(ComputeCapability.AMPERE) >= 0 && dev.gemmFamily() != KernelLaunch.GemmFamily.MMA
                    && !GemmSelfCheck.setting(System.getProperty("ampwatch.gpu.gemm"), System.getenv("AMPWATCH_GPU_GEMM")).equals("wmma");
            String family = dev.gemmFamily() == KernelLaunch.GemmFamily.MMA ? "mma.sync" : "WMMA (" + dev.missing(PtxModule.GEMM_MMA) + ")";
            System.out.printf(Locale.ROOT, "%s gemm %d^3 on %s, %d kernels x NN/TN/NT %s the exact product; FP16/BF16/TF32 training on %s%s%n",
                    wrong || fellBack ? "FAIL" : "PASS", size, dev.name, variants.size(), wrong ? "NOT all" : "all", family, out);
            return wrong || fellBack ? 1 : 0;
        }
    }

    /** TFLOP/s of {@code launch} (size^3) with that much dynamic shared memory, over at least {@code seconds}. */
    private static double tflops(CudaDevice dev, KernelLaunch launch, int shared, CUdeviceptr a, CUdeviceptr b, CUdeviceptr c,
            int size, double seconds) {
        int launches = 0;
        long t0 = System.nanoTime();
        while (launches < 3 || System.nanoTime() - t0 < seconds * 1e9) {
            dev.launchWithShared(launch, shared, a, b, c, size, size, size, size);
            launches++;
            if (launches % 8 == 0) {
                dev.synchronize(); // bounds the queue; the clock stops only after the last one
            }
        }
        dev.synchronize();
        double s = (System.nanoTime() - t0) / 1e9;
        return 2.0 * size * size * size * launches / s / 1e12;
    }

    /** The most dynamic shared memory the mma.sync kernels may be launched with here (MmaStages allows up to 4 stages). */
    private static int maxShared(CudaDevice dev) {
        try {
            return dev.attribute(jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        } catch (GpuUnavailableException e) {
            return 48 * 1024;
        }
    }

    /** Where {@code got} first differs from the FP32 SIMT kernel's product of the same transpose, or null. */
    private static String firstDifference(float[] reference, float[] got, int size) {
        if (reference == null) {
            return "no fp32 reference";
        }
        for (int i = 0; i < got.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(reference[i])) {
                return "C[" + i / size + "][" + i % size + "] = " + got[i] + ", fp32 SIMT " + reference[i];
            }
        }
        return null;
    }
}
