// The FP16 and BF16 GEMMs on the tensor cores through mma.sync.m16n8k16, cp.async and ldmatrix (gemm_mma16.cuh),
// built as PTX compute_80 into gemm_mma.ptx: an optional module. Where it does not load, or its self-check at open
// fails (GemmSelfCheck), or -Dampwatch.gpu.gemm=wmma says so, the WMMA GEMMs of gemm_sm75.cu / gemm_sm80.cu run.
// Tiles of 64 (4 warps) and 128 (8 warps); KernelLaunch#gemm picks one by the GEMM's shape.
#include "gemm_mma16.cuh"

MMA16_GEMM_ENTRIES(gemm_f16, __half)
MMA16_GEMM_ENTRIES(gemm_bf16, __nv_bfloat16)
