// Per-group quantization parameters from a clip range, and the scalar element
// quantizer that uses them. Shared by the fused path and the calibration search
// (calibrate.cpp); the reference (reference.cpp) derives the same numbers with
// its own lecture-style code, and tests hold the two bit-identical.
//
// Every scheme quantizes v = x * inv_scale (inv_scale = 1/scale computed once in
// float32, exactly as torch.fake_quantize does) and dequantizes level * scale.
#pragma once

#include "core/quant/formats.hpp"
#include "core/quant/spec.hpp"

#include <cstdint>
#include <vector>

namespace qs::quant {

// Integer code range of an int spec.
//   signed, symmetric, restricted: [-(2^(b-1) - 1), 2^(b-1) - 1]
//   signed otherwise:              [-2^(b-1),       2^(b-1) - 1]
//   unsigned:                      [0,               2^b - 1]
struct IntRange {
    int32_t qmin, qmax;
};
IntRange int_range(const QuantSpec& s);

struct GroupParams {
    float scale = 0.0f;       // stored scale (0: a zero group, every value dequantizes to 0)
    float inv_scale = 0.0f;   // 1.0f / scale, 0 for a zero group
    float zero_point = 0.0f;  // int asymmetric: an integer in [qmin, qmax]
    double clip_lo = 0.0;     // the range this group represents, in data units
    double clip_hi = 0.0;
    double threshold = 0.0;   // ternary: |x| > threshold -> +-scale, else 0
};

// int, fp, nf4, log2: parameters for the clip range [lo, hi] (already calibrated).
//   int symmetric signed:  clip = max(|lo|, |hi|), scale = clip / qmax (restricted)
//                          or clip / ((qmax - qmin) / 2) (full range)
//   int symmetric unsigned: clip = max(hi, 0), scale = clip / qmax
//   int asymmetric: widen to include 0, scale = (hi - lo) / (qmax - qmin),
//                   zero_point = clamp(qmin - round(lo / scale), qmin, qmax)
//   fp:   scale = clip / max_finite (1 when unscaled)
//   nf4, log2: scale = clip (the largest level is +-1)
// Scales are rounded to the spec's scale dtype (store_scale) before use.
GroupParams clip_params(const QuantSpec& s, double lo, double hi);

// Half-width of the error histogram, known before any group is quantized: the
// largest rounding error a group's grid can have, bounded by the grid of the whole
// tensor's range [lo, hi] of quantized values (or the manual clip): the step of that
// grid (times 1/2 for nearest rounding). Group scales never exceed the tensor-level
// one, so errors of values that did not saturate fall inside. Binary/ternary: amax.
// k-means uses kmeans_error_bound per group instead (its codebooks come first).
double error_bound_for_range(const QuantSpec& s, double lo, double hi);
// k-means: the (half) widest gap of a sorted codebook, or the distance from the end
// centroids to the group's min/max, whichever is larger.
double kmeans_error_bound(const std::vector<float>& sorted_book, double min, double max, Rounding r);

// Everything the element quantizer needs besides the group's parameters.
struct ElementQuantizer {
    QuantSpec spec;
    IntRange range{0, 0};
    Minifloat fp;   // fp and MX float elements
    MxFormat mx{};
    Grid grid;      // nf4, log2 (k-means: set per group)

    explicit ElementQuantizer(const QuantSpec& s);

    // Quantize one finite x with group parameters p: returns the dequantized value,
    // writes the code and whether it saturated. u is the stochastic draw.
    // Handles int, fp, nf4, log2, mx (p.scale = X), binary, ternary, and k-means
    // through quantize_with_grid (the group's codebook as the grid, scale 1).
    float quantize(const GroupParams& p, float x, double u, int32_t* code, bool* saturated) const;
    float quantize_with_grid(const Grid& g, const GroupParams& p, float x, double u, int32_t* code,
                             bool* saturated) const;
};

}  // namespace qs::quant
