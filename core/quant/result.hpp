// QuantResult: everything one quantization pass tells us about a tensor under
// a spec. An immutable value once built; the GUI shares it as
// shared_ptr<const QuantResult>.
#pragma once

#include "core/quant/spec.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace qs::quant {

// Equal-width histogram over [lo, hi]; bin i covers [lo + i*w, lo + (i+1)*w), the last bin is closed.
// Values outside [lo, hi] are not in any bin; they are counted in below/above.
struct Histogram {
    double lo = 0.0;
    double hi = 0.0;
    std::vector<uint64_t> counts;
    uint64_t below = 0;                 // values < lo
    uint64_t above = 0;                 // values > hi
    double bin_width() const { return counts.empty() ? 0.0 : (hi - lo) / double(counts.size()); }
};

struct QuantResult {
    QuantSpec spec;
    std::string tensor;                 // tensor name
    std::vector<int64_t> shape;
    uint64_t numel = 0;

    // Error metrics (over finite inputs; x = original, x^ = dequantized)
    double mse = 0.0;                   // mean (x - x^)^2
    double sqnr_db = 0.0;               // 10 log10(sum x^2 / sum (x - x^)^2); +inf when exact
    double max_abs_err = 0.0;           // max |x - x^|
    double cosine = 1.0;                // <x, x^> / (|x| |x^|)
    double rel_fro_err = 0.0;           // |x - x^|_F / |x|_F
    double sum_sq = 0.0;                // sum x^2 (finite x): lets callers pool SQNR over many tensors
    double sum_sq_err = 0.0;            // sum (x - x^)^2

    // Size
    double bits_per_weight = 0.0;       // codes + scales + zero points + codebooks + outliers, per element
    uint64_t bytes = 0;                 // ceil(bits_per_weight * numel / 8)

    // Codes
    uint64_t levels = 0;                // representable levels available (finite codes of the format)
    uint64_t codes_used = 0;            // distinct codes that occur
    std::vector<uint64_t> code_hist;    // count per code (int: q - qmin; fp/mx: bit pattern; nf4/kmeans/log2: level index)
    double code_entropy_bits = 0.0;     // entropy of code_hist, bits per element
    double clipped_fraction = 0.0;      // fraction of finite elements that saturated at the grid's ends
    uint64_t outliers_kept = 0;         // elements kept in full precision
    uint64_t nonfinite = 0;             // NaN/Inf inputs: passed through, excluded from metrics
    int64_t code_offset = 0;            // code_hist[code - code_offset]; int: qmin, else 0

    // Per-group parameters and errors (one entry per channel / group / block)
    uint64_t n_groups = 0;
    std::vector<float> group_scale;
    std::vector<float> group_zero_point;
    std::vector<float> group_mse;
    std::vector<float> group_clip_lo;
    std::vector<float> group_clip_hi;

    // Plotting: original and dequantized share the same bins; the error histogram has
    // as many bins over its own symmetric range. grid = dequantized levels of the first
    // group (per-tensor: the whole grid), ascending, for drawing lines.
    Histogram hist_orig, hist_deq, hist_err;
    std::vector<float> grid;
    double clip_lo = 0.0, clip_hi = 0.0;  // clip range of the first group (per-tensor: the range)

    // On request only (QuantOptions::keep_dequantized / keep_codes)
    std::vector<float> dequantized;     // x^ per element (NaN/Inf and outliers: x itself)
    std::vector<int32_t> codes;         // code per element, kNoCode (INT32_MIN) for outliers and NaN/Inf
};

}  // namespace qs::quant
