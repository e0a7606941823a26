// Derived plot series for a QuantResult; see analysis.hpp.
#include "app/worker/analysis.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

namespace qs::app {

Envelope make_envelope(std::span<const float> values, size_t max_buckets, std::span<const uint64_t> order) {
    Envelope e;
    e.n = values.size();
    if (values.empty() || max_buckets == 0) return e;
    e.per_bucket = (e.n + max_buckets - 1) / max_buckets;
    const size_t nb = size_t((e.n + e.per_bucket - 1) / e.per_bucket);
    e.lo.assign(nb, std::numeric_limits<float>::quiet_NaN());
    e.hi.assign(nb, std::numeric_limits<float>::quiet_NaN());
    e.arg_hi.assign(nb, 0);
    e.min = std::numeric_limits<float>::infinity();
    e.max = -std::numeric_limits<float>::infinity();
    for (size_t b = 0; b < nb; ++b) {
        const size_t i0 = b * e.per_bucket, i1 = std::min<size_t>(e.n, i0 + e.per_bucket);
        float lo = std::numeric_limits<float>::infinity(), hi = -lo;
        uint64_t arg = order.empty() ? i0 : order[i0];
        for (size_t i = i0; i < i1; ++i) {
            const float v = values[i];
            if (!std::isfinite(v)) continue;
            lo = std::min(lo, v);
            if (v > hi) {
                hi = v;
                arg = order.empty() ? i : order[i];
            }
        }
        if (lo <= hi) {
            e.lo[b] = lo;
            e.hi[b] = hi;
            e.min = std::min(e.min, lo);
            e.max = std::max(e.max, hi);
        }
        e.arg_hi[b] = arg;
    }
    if (e.min > e.max) e.min = e.max = 0.0f;
    return e;
}

Envelope make_sorted_envelope(std::span<const float> values, size_t max_buckets) {
    std::vector<uint64_t> order(values.size());
    std::iota(order.begin(), order.end(), uint64_t(0));
    // NaN last, then descending.
    std::stable_sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) {
        const float x = values[a], y = values[b];
        if (std::isnan(x) != std::isnan(y)) return std::isnan(y);
        return x > y;
    });
    std::vector<float> sorted(values.size());
    for (size_t i = 0; i < order.size(); ++i) sorted[i] = values[order[i]];
    return make_envelope(sorted, max_buckets, order);
}

uint64_t Analysis::approx_bytes() const {
    uint64_t b = sizeof(Analysis);
    if (result) {
        const auto& r = *result;
        b += (r.group_scale.size() + r.group_zero_point.size() + r.group_mse.size() + r.group_clip_lo.size() +
              r.group_clip_hi.size() + r.grid.size() + r.dequantized.size()) * sizeof(float);
        b += (r.codes.size()) * sizeof(int32_t);
        b += (r.hist_orig.counts.size() * 3 + r.code_hist.size()) * sizeof(uint64_t);
    }
    for (const SeriesPair* s : {&group_mse, &group_scale, &group_zero_point})
        b += (s->in_order.buckets() + s->sorted.buckets()) * (2 * sizeof(float) + sizeof(uint64_t));
    return b;
}

namespace {

SeriesPair make_pair(const std::vector<float>& v) {
    return {make_envelope(v, kEnvelopeBuckets), make_sorted_envelope(v, kEnvelopeBuckets)};
}

}  // namespace

Result<std::shared_ptr<const Analysis>> analyze(const io::FloatTensor& tensor, const quant::QuantSpec& spec,
                                                const quant::QuantOptions& opts, const QuantizeFn& quantize,
                                                const Progress& progress) {
    const quant::TensorView view{tensor.data, tensor.shape, tensor.name};
    const auto t0 = std::chrono::steady_clock::now();
    auto r = quantize(view, spec, opts, progress);
    const auto t1 = std::chrono::steady_clock::now();
    if (!r) return r.error();
    // A result that completed despite a cancel is still valid: the caller may cache it.
    auto a = std::make_shared<Analysis>();
    a->quantize_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (float v : tensor.data)
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    a->tensor_min = lo <= hi ? lo : 0.0;
    a->tensor_max = lo <= hi ? hi : 0.0;
    auto res = std::make_shared<quant::QuantResult>(std::move(*r));
    a->group_mse = make_pair(res->group_mse);
    a->group_scale = make_pair(res->group_scale);
    a->group_zero_point = make_pair(res->group_zero_point);
    a->result = std::move(res);
    return std::shared_ptr<const Analysis>(std::move(a));
}

}  // namespace qs::app
