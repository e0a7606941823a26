// The vectorised inner loops of the fused pass, one set per ISA (fused_avx2.cpp,
// fused_avx512.cpp, both instantiating fused_kernels.inl), picked at run time
// after a CPU check. They cover the common case: no NaN/Inf in the tensor, no
// outliers, round-to-nearest-even, and an int grid, a minifloat, or a grid of at
// most 16 levels (NF4, log2, k-means up to 4 bits). Everything else takes the
// scalar path in fused.cpp. Names map to the lecture's: inv = 1/scale, zp =
// zero_point, v = x * inv, q = the integer code, y = x^ (dequantized), e = x - y.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qs::quant::simd {

inline constexpr int kSub = 4;  // interleaved counter sub-tables (see Out)

enum class ElemKind : uint8_t { Int, Grid, Fp };

// Fixed for one call.
struct Setup {
    ElemKind kind = ElemKind::Int;
    // Fp: the minifloat (nearest-even, saturating), see formats.hpp
    int man_bits = 3;
    int exp_bits = 4;
    int bias = 7;
    float maxf = 448.0f;      // largest finite magnitude
    float min_normal = 0.0f;  // 2^(1 - bias)
    float sub_magic = 0.0f;   // 2^(1 - bias - man_bits + 23): (a + magic) - magic rounds to the subnormal step
    float sub_to_code = 0.0f; // 2^(man_bits - 1 + bias): subnormal magnitude -> mantissa code
    // Histograms (bins == 0: none). Tables have bins + 2 slots: [0] below, [bins + 1] above.
    uint32_t bins = 0;
    float e_lo = 0, e_hi = 0, e_inv = 0;  // error histogram binner
    float v_lo = 0, v_hi = 0, v_inv = 0;  // value histogram binner (original, and dequantized when direct)
    bool orig_hist = false;   // bin x into `orig`
    bool direct_deq = false;  // bin y into `deq` per element (else the caller maps code counts to bins)
};

// Fixed for one group.
struct Group {
    float scale = 0, inv = 0, zp = 0, qmin = 0, qmax = 0;  // Int (qmin/qmax as floats); code index = q - qmin
    int n_thr = 0;                // Grid: decision thresholds (v > thr[i]), at most 15
    float thr[16] = {};           // float_below(decision points), unused entries +inf
    float levels[16] = {};        // unscaled levels, ascending
    float lv_lo = 0, lv_hi = 0;   // levels.front(), levels.back()
};

// Per run outputs; the caller zeroes what it wants to start from.
struct Out {
    float* deq = nullptr;          // y per element, or nullptr
    int32_t* codes = nullptr;      // code per element (int: q; fp: bit pattern; grid: index), or nullptr
    // Counters are kSub interleaved sub-tables (lane j uses table j % kSub, the tail
    // table 0): table t of code_counts starts at t * code_stride, of err/orig/deqh at
    // t * hist_stride. The caller sums the tables.
    uint64_t* code_counts = nullptr;  // [code index] += 1
    size_t code_stride = 0;
    size_t hist_stride = 0;
    uint64_t* err = nullptr;       // error histogram (bins + 2)
    uint64_t* orig = nullptr;      // original-value histogram (bins + 2) when setup.orig_hist
    uint64_t* deqh = nullptr;      // dequantized-value histogram (bins + 2) when setup.direct_deq
    double sx2 = 0, se2 = 0, sxy = 0, sy2 = 0;  // sums of x^2, e^2, x*y, y^2 (float partial sums, see fused.cpp)
    float max_err = 0;
    uint64_t n_sat = 0;            // values clamped at an end of the grid
};

struct Kernels {
    // Finite min/max and the count of NaN/Inf of x[0..n).
    void (*minmax)(const float* x, size_t n, float* mn, float* mx, uint64_t* nonfinite);
    // Quantize, dequantize and accumulate one run of x[0..n) with one group's parameters.
    void (*run)(const Setup& s, const Group& g, const float* x, size_t n, Out& out);
};

const Kernels& avx2_kernels();
const Kernels& avx512_kernels();

}  // namespace qs::quant::simd
