package dev.ampwatch.trainer.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ampwatch.trainer.precision.Precision;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PTX that nvcc built at build time (skipped when the build had no nvcc): every kernel the
 * backend launches is there, the mixed-precision GEMMs are tensor-core instructions of the right
 * input type, and the fp32 GEMM is not (fp32 means no TF32).
 */
class PtxResourcesTest {
    private static Map<String, String> entries; // kernel name -> its PTX body

    @BeforeAll
    static void load() {
        GpuRequirement.assume(PtxModule.allPresent(), PtxModule.MISSING);
        entries = new LinkedHashMap<>();
        for (PtxModule m : PtxModule.values()) {
            String ptx = m.text().orElseThrow();
            String[] parts = ptx.split("\\.entry ");
            for (int i = 1; i < parts.length; i++) {
                String name = parts[i].substring(0, parts[i].indexOf('(')).trim();
                entries.put(name, parts[i]);
            }
        }
    }

    @Test
    void everyModuleTargetsItsArchitectureAndDefinesItsKernels() {
        for (PtxModule m : PtxModule.values()) {
            String ptx = m.text().orElseThrow();
            assertThat(ptx).as(m.fileName()).contains(".target " + m.target());
            assertThat(PtxModule.isaVersion(ptx)).matches("\\d+\\.\\d+");
            for (String k : m.kernels()) {
                assertThat(entries).as(m.fileName()).containsKey(k);
                assertThat(PtxModule.of(k)).isEqualTo(m);
            }
        }
    }

    /**
     * Drivers before R580 refuse PTX ISA 9.0, which nvcc 13 writes; the build lowers the header to 8.0
     * (R535 and newer), which the kernels allow: ptxas 13 assembles all three for sm_75 to sm_120 (checked
     * 2026-11-30 on this machine).
     */
    @Test
    void everyModuleIsPtxIsaEightOrOlderSoR535DriversLoadIt() {
        for (PtxModule m : PtxModule.values()) {
            String[] isa = PtxModule.isaVersion(m.text().orElseThrow()).split("\\.");
            int version = Integer.parseInt(isa[0]) * 10 + Integer.parseInt(isa[1]);
            if (m == PtxModule.FP8) { // FP8 mma needs ISA 8.4 (R550 and newer); optional: a driver that cannot load it runs the rest
                assertThat(version).as(m.fileName()).isEqualTo(84);
                assertThat(DriverSupport.driverTooOld(m.fileName(), "8.4", 12020)).contains("CUDA 12.4").contains("update the NVIDIA driver");
            } else {
                assertThat(version).as(m.fileName()).isLessThanOrEqualTo(80);
            }
        }
    }

    /** FP8: E4M3 with saturation (cvt.rn.satfinite), the FP8 tensor-core mma with FP32 accumulation, no FMA in the float steps. */
    @Test
    void fp8KernelsUseTheFp8TensorCores() {
        assertThat(entries.get("gemm_e4m3_mma")).contains("mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32");
        assertThat(entries.get("quantize_e4m3")).contains("cvt.rn.satfinite.e4m3x2.f32").contains("div.rn.f32");
        assertThat(entries.get("dequant_f32_bias_act")).contains("mul.rn.f32").contains("add.rn.f32").doesNotContain("fma.");
    }

    /** The CPU's order and rounding: col2im and the bias gradient's partial sums add with add.rn, never contracted. */
    @Test
    void convolutionKernelsAddAsTheCpuDoes() {
        assertThat(entries.get("col2im")).contains("add.rn.f32").doesNotContain("fma.");
        assertThat(entries.get("bias_grad_partial")).contains("add.rn.f32").doesNotContain("fma.");
        assertThat(entries.get("im2col")).doesNotContain("add.f32").doesNotContain("fma.");
    }

    @Test
    void everyGemmTheBackendLaunchesExists() {
        for (Precision p : Precision.values()) {
            for (GemmOp op : GemmOp.values()) {
                assertThat(entries).containsKey(KernelLaunch.gemmKernel(p, op));
            }
            String convert = KernelLaunch.conversionKernel(p);
            if (convert != null) {
                assertThat(entries).containsKey(convert);
            }
        }
    }

    @Test
    void fp16GemmsRunOnTensorCoresWithFp32Accumulation() {
        for (GemmOp op : GemmOp.values()) {
            String body = entries.get(KernelLaunch.gemmKernel(Precision.AMP_FP16, op));
            // f16 inputs are implied by m16n16k16 with an f32 accumulator: dtype.ctype = f32.f32
            assertThat(body).contains("wmma.mma.sync.aligned.row.row.m16n16k16.f32.f32")
                    .containsPattern("wmma\\.load\\.a\\.sync\\.aligned\\.row\\.m16n16k16\\.shared\\.f16")
                    .containsPattern("wmma\\.load\\.b\\.sync\\.aligned\\.row\\.m16n16k16\\.shared\\.f16");
        }
    }

    /**
     * gemm_mma.ptx: FP16 and BF16 products on the tensor cores through mma.sync.m16n8k16 with FP32 accumulation, the
     * fragments read by ldmatrix (.trans where the stored layout is the fragment's transpose), the tiles staged by
     * 16-byte cp.async with the zero-filling source size, and no WMMA.
     */
    @Test
    void theMmaGemmsUseMmaSyncLdmatrixAndCpAsync() {
        for (Precision p : new Precision[] {Precision.AMP_FP16, Precision.AMP_BF16}) {
            String type = p == Precision.AMP_FP16 ? "f16" : "bf16";
            for (KernelLaunch.MmaBlock block : KernelLaunch.MmaBlock.values()) {
                for (GemmOp op : GemmOp.values()) {
                    String kernel = block.kernel(p, op);
                    String body = entries.get(kernel);
                    assertThat(body).as(kernel)
                            .contains("mma.sync.aligned.m16n8k16.row.col.f32." + type + "." + type + ".f32")
                            .containsPattern("cp\\.async\\.cg\\.shared\\.global \\[%r\\d+\\], \\[%rd\\d+\\], 16, %r\\d+;")
                            .contains("cp.async.wait_group 1").doesNotContain("wmma")
                            // the pipeline's depth is the launch's dynamic shared memory: waits for 2 to 4 stages
                            .contains("%dynamic_smem_size").contains("cp.async.wait_group 0").contains("cp.async.wait_group 2");
                    // A stored m x k (NN, NT) and B stored n x k (NT) are read as they are; B stored k x n (NN, TN) and A
                    // stored k x m (TN) transposed
                    assertThat(body.contains("ldmatrix.sync.aligned.m8n8.x4.shared.b16")).as(kernel).isEqualTo(op != GemmOp.TN);
                    assertThat(body.contains("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16")).as(kernel).isEqualTo(op != GemmOp.NT);
                }
            }
        }
    }

    /**
     * gemm_mma.ptx's TF32 GEMMs: mma.sync.m16n8k8 with TF32 inputs, no conversion of the fragments (round_f32_tf32
     * rounds every operand first), ldmatrix (not .trans: a 16-byte row of 4 values is one register a lane) where the
     * stored rows run along k (A in NN and NT, B in NT), single-word reads elsewhere, the same cp.async staging.
     */
    @Test
    void theTf32MmaGemmsUseMmaSyncM16n8k8() {
        for (KernelLaunch.MmaBlock block : KernelLaunch.MmaBlock.values()) {
            for (GemmOp op : GemmOp.values()) {
                String kernel = block.kernel(Precision.TF32, op);
                String body = entries.get(kernel);
                assertThat(body).as(kernel)
                        .contains("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32")
                        .doesNotContain("cvt.rna.tf32.f32") // the inputs are TF32 already (round_f32_tf32)
                        .containsPattern("cp\\.async\\.cg\\.shared\\.global \\[%r\\d+\\], \\[%rd\\d+\\], 16, %r\\d+;")
                        .contains("cp.async.wait_group 1").doesNotContain("wmma").doesNotContain(".trans")
                        .contains("%dynamic_smem_size");
                assertThat(body.contains("ldmatrix.sync.aligned.m8n8.x4.shared.b16")).as(kernel).isEqualTo(op != GemmOp.TN);
            }
        }
    }

    @Test
    void bf16GemmsRunOnTensorCoresWithFp32Accumulation() {
        for (GemmOp op : GemmOp.values()) {
            assertThat(entries.get(KernelLaunch.gemmKernel(Precision.AMP_BF16, op)))
                    .contains("wmma.mma.sync.aligned.row.row.m16n16k16.f32.bf16.bf16.f32");
        }
    }

    @Test
    void tf32GemmsRunOnTensorCoresWithFp32Accumulation() {
        for (GemmOp op : GemmOp.values()) {
            assertThat(entries.get(KernelLaunch.gemmKernel(Precision.TF32, op)))
                    .contains("wmma.mma.sync.aligned.row.row.m16n16k8.f32.tf32.tf32.f32");
        }
    }

    @Test
    void fp32GemmsUseFmaAndNoTensorCores() {
        for (GemmOp op : GemmOp.values()) {
            String body = entries.get(KernelLaunch.gemmKernel(Precision.FP32, op));
            assertThat(body).contains("fma.rn.f32").doesNotContain("mma").doesNotContain("tf32");
        }
    }

    /**
     * The INT8 path: dp4a into int32 accumulators, quantization as Java's (float division, rint = cvt.rni), and
     * dequantization in separate roundings, never an FMA, so the logits can equal the CPU's bit for bit.
     */
    @Test
    void int8KernelsUseDp4aAndRoundAsJava() {
        assertThat(entries.get(KernelLaunch.GEMM_S8)).contains("dp4a.s32.s32").doesNotContain(".f32");
        assertThat(entries.get(GpuInt8Mlp.MMA)).contains("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32").doesNotContain(".f32");
        assertThat(entries.get("quantize_s8")).contains("div.rn.f32").contains("cvt.rni.f32.f32").doesNotContain("fma.");
        assertThat(entries.get("dequant_bias_act")).contains("cvt.rn.f32.s32").contains("mul.rn.f32").contains("add.rn.f32")
                .doesNotContain("fma.");
    }

    @Test
    void conversionsRoundToNearestEven() {
        assertThat(entries.get("convert_f32_f16")).contains("cvt.rn.f16.f32");
        // the optimizers must not be contracted into FMAs (they mirror Java's separate roundings)
        assertThat(entries.get("sgd_momentum")).doesNotContain("fma.");
        assertThat(entries.get("adam")).doesNotContain("fma.");
    }
}
