// Error metrics, histograms and size accounting: how a QuantResult's numbers are
// defined. Both the reference and the fused path accumulate the same sums and
// finish them here, so every formula lives in exactly one place.
//
//   mse       = sum (x - x^)^2 / n                      (n = finite elements)
//   sqnr_db   = 10 log10(sum x^2 / sum (x - x^)^2)      (+inf when the error is 0)
//   cosine    = sum x x^ / sqrt(sum x^2 * sum x^^2)     (1 when both are 0, 0 when one is)
//   rel_fro   = sqrt(sum (x - x^)^2 / sum x^2)
//   bits      = numel * bits + groups * scale_bits (+ groups * bits for zero points)
//               (+ groups * 2^bits * scale_bits for k-means codebooks)
//               + (outliers + non-finite) * (32-bit index + 32-bit value)
#pragma once

#include "core/quant/result.hpp"
#include "core/quant/spec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

namespace qs::quant {

// Equal-width binning used for all three histograms. bin(v) is computed in
// float32 exactly as written, so any implementation doing the same operations
// gets the same bin: i = floor(min((v - lo) * inv_width, bins)), v == hi goes to the last bin.
struct Binner {
    float lo = 0.0f, hi = 1.0f;
    float inv_width = 1.0f;  // float(bins / (hi - lo)), computed in double
    uint32_t bins = 0;

    Binner() = default;
    Binner(double lo, double hi, uint32_t bins);
    // -1 below lo, `bins` above hi, else the bin index.
    int64_t bin(float v) const {
        if (!(v >= lo)) return -1;
        if (v > hi) return int64_t(bins);
        const float t = std::min((v - lo) * inv_width, float(bins));  // >= 0; clamped so the cast is defined
        const int64_t i = int64_t(t);                                   // truncation is floor
        return i < int64_t(bins) ? i : int64_t(bins) - 1;
    }
    Histogram empty_histogram() const;
};

// Adds one value to a histogram built by Binner::empty_histogram().
inline void add_to_histogram(Histogram& h, const Binner& b, float v, uint64_t count = 1) {
    const int64_t i = b.bin(v);
    if (i < 0) h.below += count;
    else if (i >= int64_t(b.bins)) h.above += count;
    else h.counts[size_t(i)] += count;
}

// The range the original/dequantized histograms share: the options' fixed range
// or the finite data's [min, max]; a zero-width range is widened (constant tensors).
std::pair<double, double> histogram_range(std::optional<double> lo, std::optional<double> hi, double data_min,
                                          double data_max);
// Symmetric error-histogram half width: the options' value, else `bound` (the
// largest rounding error the groups' grids allow), widened when zero.
double error_histogram_halfwidth(std::optional<double> opt, double bound);

// The sums a pass accumulates over finite elements.
struct ErrorSums {
    uint64_t n = 0;       // finite elements
    double sx2 = 0.0;     // sum x^2
    double se2 = 0.0;     // sum (x - x^)^2
    double sxy = 0.0;     // sum x x^
    double sy2 = 0.0;     // sum x^^2
    double max_err = 0.0; // max |x - x^|
    void merge(const ErrorSums& o) {
        n += o.n; sx2 += o.sx2; se2 += o.se2; sxy += o.sxy; sy2 += o.sy2;
        max_err = std::max(max_err, o.max_err);
    }
};
void finish_metrics(const ErrorSums& s, QuantResult& r);

// Codes: the code space of a spec. code_hist[code - offset] counts a code.
struct CodeSpace {
    uint64_t size = 0;       // entries of code_hist
    int64_t offset = 0;      // int: qmin; otherwise 0
    uint64_t available = 0;  // levels the format can represent (finite codes)
};
CodeSpace code_space(const QuantSpec& s);
// codes_used and code_entropy_bits from code_hist.
void finish_codes(QuantResult& r);

// Storage of the quantized tensor in bits (see the header comment).
double storage_bits(const QuantSpec& s, uint64_t numel, uint64_t n_groups, uint64_t full_precision_elements);
void finish_size(const QuantSpec& s, QuantResult& r, uint64_t full_precision_elements);

// Largest rounding error (in value units, before scaling) the scheme's grid allows
// between neighbouring levels: the half gap for nearest modes, the full gap otherwise.
double grid_error_factor(Rounding r);

}  // namespace qs::quant
