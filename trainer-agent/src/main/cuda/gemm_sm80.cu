// WMMA tensor-core GEMMs that need compute capability 8.0 (Ampere) or newer, built as PTX compute_80: BF16 inputs
// (amp-bf16) and TF32 inputs (tf32), both with FP32 accumulation. The fallback of the mma.sync GEMMs (gemm_mma.cu):
// they run where those do not load, fail their self-check or -Dampwatch.gpu.gemm=wmma says so.
#include "gemm_wmma.cuh"

// TF32: FP32 storage, the tensor cores read 10 mantissa bits (m16n16k8 fragments)
template <> struct WmmaInput<float> {
    typedef wmma::precision::tf32 frag_t;
    static const int K = 8;
    // the API wants __float_to_tf32 on loaded elements; on values round_f32_tf32 already rounded to
    // nearest even it changes nothing
    template <typename Frag> __device__ static void fix(Frag &f) {
        for (int t = 0; t < f.num_elements; t++) f.x[t] = wmma::__float_to_tf32(f.x[t]);
    }
};

WMMA_GEMM_ENTRIES(gemm_bf16, __nv_bfloat16)
WMMA_GEMM_ENTRIES(gemm_tf32, float)
