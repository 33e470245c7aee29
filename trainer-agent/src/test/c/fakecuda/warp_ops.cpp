// The warp-collective instructions the kernels use through inline PTX, emulated for the fake libcuda's fibers
// (kernels.cpp): mma.sync.m16n8k32 with 8-bit inputs (int8.cu, fp8.cu), and mma.sync.m16n8k16 with 16-bit inputs,
// mma.sync.m16n8k8 with TF32 inputs, ldmatrix and cp.async (gemm_mma16.cuh), from the PTX ISA's fragment layouts and semantics (cuda_host.h).
#include "cuda_host.h"
#include "kernels.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

// ---- mma.sync.m16n8k32 (8-bit inputs) ------------------------------------------------------------------------
namespace {
struct WarpExchange {
    unsigned a[32][4];
    unsigned b[32][2];
    float cf[32][4];
    int ci[32][4];
};
WarpExchange exchange[32]; // by warp of the block

unsigned char byteOf(unsigned word, int i) { return (unsigned char) (word >> (8 * i)); }

// A (16 x 32) and B (32 x 8, B[k][n]) of the warp, from its lanes' registers
void gather(const WarpExchange &x, unsigned char A[16][32], unsigned char B[32][8]) {
    for (int lane = 0; lane < 32; lane++) {
        int g = lane / 4, t = lane % 4;
        for (int i = 0; i < 4; i++) {
            A[g][4 * t + i] = byteOf(x.a[lane][0], i);
            A[g + 8][4 * t + i] = byteOf(x.a[lane][1], i);
            A[g][16 + 4 * t + i] = byteOf(x.a[lane][2], i);
            A[g + 8][16 + 4 * t + i] = byteOf(x.a[lane][3], i);
            B[4 * t + i][g] = byteOf(x.b[lane][0], i);
            B[16 + 4 * t + i][g] = byteOf(x.b[lane][1], i);
        }
    }
}

template <typename T, typename Product>
void mma8(T c[4], const unsigned a[4], const unsigned b[2], T (WarpExchange::*cs)[32][4], Product product) {
    WarpExchange &x = exchange[threadIdx.x / 32];
    int lane = threadIdx.x % 32;
    std::memcpy(x.a[lane], a, sizeof x.a[lane]);
    std::memcpy(x.b[lane], b, sizeof x.b[lane]);
    std::memcpy((x.*cs)[lane], c, sizeof(T) * 4);
    fake_cuda_syncwarp();
    unsigned char A[16][32], B[32][8];
    gather(x, A, B);
    int g = lane / 4, t = lane % 4;
    const int rows[4] = {g, g, g + 8, g + 8};
    const int cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
    for (int i = 0; i < 4; i++) {
        T s = c[i];
        for (int k = 0; k < 32; k++) s += product(A[rows[i]][k], B[k][cols[i]]);
        c[i] = s;
    }
    fake_cuda_syncwarp(); // every lane has read the exchange before the warp's next mma overwrites it
}

float e4m3(unsigned char v) {
    __nv_fp8_e4m3 f;
    f.__x = v;
    return (float) f;
}
} // namespace

void fake_cuda_mma_m16n8k32_s8(int c[4], const unsigned a[4], const unsigned b[2]) {
    mma8<int>(c, a, b, &WarpExchange::ci,
              [](unsigned char p, unsigned char q) { return (int) (signed char) p * (int) (signed char) q; });
}

void fake_cuda_mma_m16n8k32_e4m3(float c[4], const unsigned a[4], const unsigned b[2]) {
    mma8<float>(c, a, b, &WarpExchange::cf, [](unsigned char p, unsigned char q) { return e4m3(p) * e4m3(q); });
}

// ---- mma.sync.m16n8k16, ldmatrix, cp.async (gemm_mma16.cuh) -------------------------------------------------
namespace {
// One warp-collective ldmatrix or mma of a warp: its lanes' operands, and the results the first lane past the barrier
// computes for all. A lane is at most one collective ahead of the others (each has a barrier), so two exchanges per
// warp, used by the collectives' parity, need no second barrier: a lane writing collective n + 2's operands into
// collective n's exchange has passed n + 1's barrier, so every lane has read n's results.
struct Exchange16 {
    unsigned long long op; // the collective this exchange holds (per-lane count, from 0 at the block's start)
    bool done;             // d holds its results
    unsigned a[32][4];
    unsigned b[32][2];
    float c[32][4];
    float d[32][4];
    const unsigned char *row[32];
};
Exchange16 exchange16[32][2];          // by warp of the block and the collective's parity
unsigned long long collectives[1024]; // by thread of the block: its warp-collective ldmatrix and mma so far

// this lane's exchange for its next collective
Exchange16 &nextExchange() {
    unsigned long long n = collectives[threadIdx.x]++;
    Exchange16 &x = exchange16[threadIdx.x / 32][n & 1];
    if (x.op != n) { // the first lane of the warp here
        x.op = n;
        x.done = false;
    }
    return x;
}

// every FP16 value as a float (the host's conversion is a software routine, and an mma decodes 384 values)
const std::vector<float> &halfTable() {
    static const std::vector<float> table = [] {
        std::vector<float> t(65536);
        for (unsigned i = 0; i < 65536; i++) {
            __half_raw r;
            r.x = (unsigned short) i;
            t[i] = (float) __half(r);
        }
        return t;
    }();
    return table;
}

float half16(unsigned bits, bool bf16) {
    return bf16 ? __uint_as_float(bits << 16) : halfTable()[bits];
}
float low16(unsigned word, bool bf16) { return half16(word & 0xffffu, bf16); }
float high16(unsigned word, bool bf16) { return half16(word >> 16, bf16); }

// the copies a thread has issued and not yet waited for, oldest first, each with its group: the committed groups are
// the ones before `open`
struct Copy {
    unsigned char *dst;
    unsigned long long group;
    unsigned char data[16];
};
struct ThreadCopies {
    std::vector<Copy> pending; // cleared, not freed, between blocks
    unsigned long long open = 0;
};
ThreadCopies copies[1024]; // by thread of the block
} // namespace

bool fake_cuda_mma16_broken = false;

namespace {
// A warp-collective mma of K products a value: the lanes hand in their registers (B's two swapped where mma16=broken),
// the first lane past the warp barrier gathers the warp's A (16 x K) and B^T (8 x K) from them through `gather`
// (lane l's registers, g = l / 4, t = l % 4) and multiplies for all, each product exact in FP32, summed in k order
// onto C; every lane takes its c from the results.
template <int K, typename Gather> void warpMma(float c[4], const unsigned a[4], const unsigned b[2], Gather gather) {
    Exchange16 &x = nextExchange();
    int lane = threadIdx.x % 32;
    std::memcpy(x.a[lane], a, sizeof x.a[lane]);
    x.b[lane][0] = b[fake_cuda_mma16_broken ? 1 : 0];
    x.b[lane][1] = b[fake_cuda_mma16_broken ? 0 : 1];
    std::memcpy(x.c[lane], c, sizeof x.c[lane]);
    fake_cuda_syncwarp();
    if (!x.done) {
        float A[16][K], Bt[8][K]; // Bt[n][k] = B[k][n]
        for (int l = 0; l < 32; l++) gather(x.a[l], x.b[l], l / 4, l % 4, A, Bt);
        for (int l = 0; l < 32; l++) {
            int g = l / 4, t = l % 4;
            const int rows[4] = {g, g, g + 8, g + 8};
            const int cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
            for (int i = 0; i < 4; i++) {
                float s = x.c[l][i];
                for (int k = 0; k < K; k++) s += A[rows[i]][k] * Bt[cols[i]][k];
                x.d[l][i] = s;
            }
        }
        x.done = true;
    }
    std::memcpy(c, x.d[lane], sizeof x.d[lane]);
}
} // namespace

void fake_cuda_mma_m16n8k16(float c[4], const unsigned a[4], const unsigned b[2], bool bf16) {
    // register r holds values 2t (low half) and 2t + 1 (high half); products exact: 11- or 8-bit significands
    warpMma<16>(c, a, b, [bf16](const unsigned *ra, const unsigned *rb, int g, int t, float (*A)[16], float (*Bt)[16]) {
        A[g][2 * t] = low16(ra[0], bf16), A[g][2 * t + 1] = high16(ra[0], bf16);
        A[g + 8][2 * t] = low16(ra[1], bf16), A[g + 8][2 * t + 1] = high16(ra[1], bf16);
        A[g][8 + 2 * t] = low16(ra[2], bf16), A[g][9 + 2 * t] = high16(ra[2], bf16);
        A[g + 8][8 + 2 * t] = low16(ra[3], bf16), A[g + 8][9 + 2 * t] = high16(ra[3], bf16);
        Bt[g][2 * t] = low16(rb[0], bf16), Bt[g][2 * t + 1] = high16(rb[0], bf16);
        Bt[g][8 + 2 * t] = low16(rb[1], bf16), Bt[g][9 + 2 * t] = high16(rb[1], bf16);
    });
}

void fake_cuda_mma_m16n8k8_tf32(float c[4], const unsigned a[4], const unsigned b[2]) {
    // the tensor cores read a TF32 operand's sign, exponent and 10 mantissa bits: the 13 low bits are dropped;
    // products exact (11-bit significands)
    warpMma<8>(c, a, b, [](const unsigned *ra, const unsigned *rb, int g, int t, float (*A)[8], float (*Bt)[8]) {
        auto tf32 = [](unsigned bits) { return __uint_as_float(bits & 0xffffe000u); };
        A[g][t] = tf32(ra[0]), A[g + 8][t] = tf32(ra[1]);
        A[g][t + 4] = tf32(ra[2]), A[g + 8][t + 4] = tf32(ra[3]);
        Bt[g][t] = tf32(rb[0]), Bt[g][t + 4] = tf32(rb[1]);
    });
}

void fake_cuda_ldmatrix_x4(unsigned r[4], const void *row, bool trans) {
    if ((unsigned long long) row % 16 != 0) { // the PTX ISA: each row's address 16-byte aligned (a GPU faults)
        std::fprintf(stderr, "fake libcuda: ldmatrix row at %p (thread %u): not 16-byte aligned\n", row, threadIdx.x);
        std::abort();
    }
    Exchange16 &x = nextExchange();
    int lane = threadIdx.x % 32;
    x.row[lane] = static_cast<const unsigned char *>(row);
    fake_cuda_syncwarp();
    int g = lane / 4, t = lane % 4;
    for (int j = 0; j < 4; j++) {
        unsigned short lo, hi;
        if (trans) { // rows 2t and 2t + 1 of matrix j, value g of each
            std::memcpy(&lo, x.row[8 * j + 2 * t] + 2 * g, 2);
            std::memcpy(&hi, x.row[8 * j + 2 * t + 1] + 2 * g, 2);
        } else { // row g of matrix j, values 2t and 2t + 1
            std::memcpy(&lo, x.row[8 * j + g] + 4 * t, 2);
            std::memcpy(&hi, x.row[8 * j + g] + 4 * t + 2, 2);
        }
        r[j] = (unsigned) lo | (unsigned) hi << 16;
    }
}

void fake_cuda_cp_async16(void *smem, const void *gmem, int bytes) {
    if (bytes < 0 || bytes > 16) {
        std::fprintf(stderr, "fake libcuda: cp.async of 16 bytes with a source size of %d\n", bytes);
        std::abort();
    }
    if (((unsigned long long) smem | (unsigned long long) gmem) % 16 != 0) {
        std::fprintf(stderr, "fake libcuda: cp.async of 16 bytes from %p to %p: both must be 16-byte aligned\n", gmem, smem);
        std::abort();
    }
    ThreadCopies &t = copies[threadIdx.x];
    t.pending.emplace_back();
    Copy &c = t.pending.back();
    c.dst = static_cast<unsigned char *>(smem);
    c.group = t.open;
    std::memset(c.data, 0, sizeof c.data);
    std::memcpy(c.data, gmem, (size_t) bytes);
    std::memset(c.dst, 0xff, sizeof c.data); // NaN until a wait covers it
}

void fake_cuda_cp_async_commit() { copies[threadIdx.x].open++; }

void fake_cuda_cp_async_wait(int pending) {
    ThreadCopies &t = copies[threadIdx.x];
    // groups before `open - pending` have landed
    unsigned long long landed = t.open > (unsigned long long) pending ? t.open - (unsigned long long) pending : 0;
    size_t i = 0;
    for (; i < t.pending.size() && t.pending[i].group < landed; i++)
        std::memcpy(t.pending[i].dst, t.pending[i].data, sizeof t.pending[i].data);
    t.pending.erase(t.pending.begin(), t.pending.begin() + (long) i);
}

void fake_cuda_warp_ops_reset(unsigned threads) {
    for (unsigned t = 0; t < threads; t++) {
        copies[t].pending.clear();
        copies[t].open = 0;
        collectives[t] = 0;
    }
    for (auto &warp : exchange16)
        for (Exchange16 &x : warp) x.op = ~0ull;
}
