// What the GUI shows for one (tensor, spec): the QuantResult plus plot-ready
// series derived from it on the worker (per-group error and scale, in order
// and sorted, as min/max envelopes), so views only draw.
// Envelopes keep each bucket's min and max: a chart narrower than the series
// still shows every outlier (it never skips points).
#pragma once

#include "app/worker/quantize_fn.hpp"
#include "core/io/tensor_cache.hpp"
#include "core/quant/result.hpp"

#include <memory>
#include <span>
#include <vector>

namespace qs::app {

struct Envelope {
    uint64_t n = 0;                 // points in the series
    uint64_t per_bucket = 1;        // consecutive points per bucket (the last bucket may hold fewer)
    std::vector<float> lo, hi;      // min and max per bucket
    std::vector<uint64_t> arg_hi;   // per bucket: the original index (channel/group) of its max point
    float min = 0.0f, max = 0.0f;   // over the whole series (finite values)
    size_t buckets() const { return lo.size(); }
};

// In the given order. `order` (optional) maps position -> original index.
Envelope make_envelope(std::span<const float> values, size_t max_buckets, std::span<const uint64_t> order = {});
// Sorted descending (largest first); arg_hi names the original index.
Envelope make_sorted_envelope(std::span<const float> values, size_t max_buckets);

struct SeriesPair {
    Envelope in_order;
    Envelope sorted;
};

struct Analysis {
    std::shared_ptr<const quant::QuantResult> result;
    SeriesPair group_mse;        // per channel/group mean squared error
    SeriesPair group_scale;      // per channel/group scale
    SeriesPair group_zero_point;
    double tensor_min = 0.0, tensor_max = 0.0;  // finite range of the input
    double quantize_ms = 0.0;    // wall time of quantize() on the worker
    uint64_t approx_bytes() const;
};

inline constexpr size_t kEnvelopeBuckets = 2048;

// Runs `quantize` on `tensor` and derives the series. Progress is the cancel check.
Result<std::shared_ptr<const Analysis>> analyze(const io::FloatTensor& tensor, const quant::QuantSpec& spec,
                                                const quant::QuantOptions& opts, const QuantizeFn& quantize,
                                                const Progress& progress);

}  // namespace qs::app
