// Activation calibration and fake-quantization (see act_quant.hpp).
#include "core/nn/act_quant.hpp"

#include "core/nn/net.hpp"
#include "core/nn/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs::nn {

Result<std::vector<float>> apply_overrides(const Model& model, const WeightOverrides& overrides) {
    std::vector<float> theta = model.theta;
    for (const auto& [name, data] : overrides) {
        const ParamInfo* p = model.arch.find_param(name);
        if (!p) return make_error("override for '{}': the model has no such parameter", name);
        if (data.size() != p->size)
            return make_error("override for '{}': {} values, the parameter has {}", name, data.size(), p->size);
        std::copy(data.begin(), data.end(), theta.begin() + ptrdiff_t(p->offset));
    }
    return theta;
}

std::string_view calibration_name(ActCalibration c) {
    switch (c) {
        case ActCalibration::MinMax: return "minmax";
        case ActCalibration::Percentile: return "percentile";
        case ActCalibration::KL: return "kl";
    }
    return "?";
}

AffineParams affine_params(float lo, float hi, int bits) {
    AffineParams p;
    p.qmin = 0;
    p.qmax = (1 << bits) - 1;
    // The grid must contain real 0 (zero padding and ReLU outputs are exact).
    const double l = std::min(double(lo), 0.0), h = std::max(double(hi), 0.0);
    if (!(h > l)) return {1.0f, 0, p.qmin, p.qmax};  // all zeros (or NaN range): any scale works
    p.scale = float((h - l) / double(p.qmax - p.qmin));
    // zero_point = qmin - lo / scale, nudged to the nearest integer in [qmin, qmax].
    const double zp = double(p.qmin) - l / double(p.scale);
    p.zero_point = int32_t(std::clamp(std::round(zp), double(p.qmin), double(p.qmax)));
    return p;
}

namespace {

// round(x / scale) clamped to [lo, hi] (lo = qmin - zero_point, hi = qmax - zero_point),
// rounding half away from zero; NaN maps to lo. Written without calls so the
// loop in fake_quant_affine vectorises: clamp first (so the int conversion is
// defined), truncate, then step away from zero when the remainder is >= 1/2.
inline float round_clamped(float x, float scale, float lo, float hi) {
    float v = x / scale;
    v = v > lo - 1.0f ? v : lo - 1.0f;
    v = v < hi + 1.0f ? v : hi + 1.0f;
    float t = float(int32_t(v));
    const float d = v - t;
    t += float(d >= 0.5f) - float(d <= -0.5f);
    t = t > lo ? t : lo;
    return t < hi ? t : hi;
}

}  // namespace

int32_t quantize_affine(float x, const AffineParams& p) {
    const float lo = float(p.qmin - p.zero_point), hi = float(p.qmax - p.zero_point);
    return int32_t(round_clamped(x, p.scale, lo, hi)) + p.zero_point;
}

void fake_quant_affine(std::span<float> x, const AffineParams& p) {
    const float lo = float(p.qmin - p.zero_point), hi = float(p.qmax - p.zero_point), scale = p.scale;
    float* v = x.data();
    const size_t n = x.size();
    for (size_t i = 0; i < n; ++i) v[i] = scale * round_clamped(v[i], scale, lo, hi);
}

const ActRange* ActCalibrationTable::find(int layer) const {
    for (const auto& r : ranges)
        if (r.layer == layer) return &r;
    return nullptr;
}

namespace {

std::pair<float, float> minmax_of(std::span<const float> v) {
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (float x : v) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
    }
    if (lo > hi) return {0.0f, 0.0f};
    return {lo, hi};
}

// The q-quantile (0 <= q <= 1) of a copy, nearest rank.
float quantile(std::vector<float>& v, double q) {
    const size_t k = size_t(std::llround(q * double(v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + ptrdiff_t(k), v.end());
    return v[k];
}

// Adds eps to empty bins and takes the same total from the others, so that
// KL(P || Q) stays finite (MXNet's _smooth_distribution, eps = 1e-4 counts).
void smooth(std::vector<double>& h) {
    constexpr double eps = 1e-4;
    size_t zeros = 0;
    for (double v : h) zeros += v == 0;
    const size_t nonzeros = h.size() - zeros;
    if (nonzeros == 0) return;
    const double eps1 = eps * double(zeros) / double(nonzeros);
    for (double& v : h) v = v == 0 ? eps : v - eps1;
}

// KL(P || Q) threshold search over a histogram of magnitudes (TensorRT's entropy
// calibration; MXNet's _get_optimal_threshold). For each candidate edge i:
// P = hist[0, i) with the clipped mass hist[i, bins) added to its last bin;
// Q = hist[0, i) (without that mass) merged into `levels` groups, group j being
// bins [j*i/levels, (j+1)*i/levels), each group's mass spread evenly over the
// bins where P is non-zero. Both smoothed, KL of the normalised P and Q.
// Returns the i with the smallest divergence.
int kl_best_edge(const std::vector<double>& hist, int levels) {
    const int bins = int(hist.size());
    if (levels >= bins) return bins;
    double best = std::numeric_limits<double>::infinity();
    int best_i = bins;
    std::vector<double> p, q;
    double tail = 0;
    for (int i = bins - 1; i >= levels; --i) tail += hist[size_t(i)];
    for (int i = levels; i <= bins; ++i) {
        // here tail = sum hist[i, bins)
        p.assign(hist.begin(), hist.begin() + i);
        p[size_t(i - 1)] += tail;
        q.assign(size_t(i), 0.0);
        for (int j = 0; j < levels; ++j) {
            const int b = int(int64_t(j) * i / levels), e = int(int64_t(j + 1) * i / levels);
            double mass = 0;
            int nonzero = 0;
            for (int t = b; t < e; ++t) {
                mass += hist[size_t(t)];
                nonzero += p[size_t(t)] > 0;
            }
            if (nonzero == 0) continue;
            for (int t = b; t < e; ++t)
                if (p[size_t(t)] > 0) q[size_t(t)] = mass / nonzero;
        }
        smooth(p);
        smooth(q);
        double ps = 0, qs = 0;
        for (int t = 0; t < i; ++t) {
            ps += p[size_t(t)];
            qs += q[size_t(t)];
        }
        double kl = 0;
        for (int t = 0; t < i; ++t) {
            const double pn = p[size_t(t)] / ps, qn = q[size_t(t)] / qs;
            if (pn > 0 && qn > 0) kl += pn * std::log(pn / qn);
        }
        if (kl < best) {
            best = kl;
            best_i = i;
        }
        if (i < bins) tail -= hist[size_t(i)];
    }
    return best_i;
}

}  // namespace

namespace {

// calibrate_range on a buffer it may reorder (percentile selection works in place).
std::pair<float, float> calibrate_range_inplace(std::vector<float>& values, ActCalibration method, int bits,
                                                double percentile, int kl_bins) {
    if (values.empty()) return {0.0f, 0.0f};
    const auto [lo, hi] = minmax_of(values);
    switch (method) {
        case ActCalibration::MinMax: return {lo, hi};
        case ActCalibration::Percentile: {
            const double p = std::clamp(percentile, 50.0, 100.0) / 100.0;
            const float qhi = quantile(values, p), qlo = quantile(values, 1.0 - p);
            return {qlo, qhi};
        }
        case ActCalibration::KL: {
            // Non-negative data (post-ReLU): all 2^bits levels cover [0, T].
            // Signed data: a symmetric threshold on |x| with 2^(bits-1) levels per side.
            const bool nonneg = lo >= 0.0f;
            const float amax = std::max(std::abs(lo), std::abs(hi));
            if (amax == 0.0f) return {0.0f, 0.0f};
            const int bins = std::max(kl_bins, 16);
            std::vector<double> hist(size_t(bins), 0.0);
            const double width = double(amax) / bins;
            for (float x : values) {
                const double a = std::abs(double(x));
                hist[size_t(std::min<int64_t>(bins - 1, int64_t(a / width)))] += 1;
            }
            const int levels = nonneg ? (1 << bits) : (1 << (bits - 1));
            const float t = float(width * kl_best_edge(hist, levels));
            if (nonneg) return {lo, std::min(hi, t)};
            return {std::max(lo, -t), std::min(hi, t)};
        }
    }
    return {lo, hi};
}

}  // namespace

std::pair<float, float> calibrate_range(std::span<const float> values, ActCalibration method, int bits,
                                        double percentile, int kl_bins) {
    std::vector<float> v(values.begin(), values.end());
    return calibrate_range_inplace(v, method, bits, percentile, kl_bins);
}

Result<ActCalibrationTable> calibrate_activations(const Model& model, const Dataset& data,
                                                  const CalibrationOptions& opts, const WeightOverrides& overrides) {
    if (opts.bits < 2 || opts.bits > 16) return make_error("activation bits {} outside 2..16", opts.bits);
    auto theta = apply_overrides(model, overrides);
    if (!theta) return theta.error();
    const Arch& arch = model.arch;
    const int64_t n = opts.max_samples > 0 ? std::min(opts.max_samples, data.n) : data.n;
    Batch batch{std::span<const float>(data.x).first(size_t(std::max<int64_t>(n, 0) * data.features)), {}, n};
    QS_TRY(check_batch(arch, batch, false));
    const int64_t chunk = 128;
    const size_t nchunks = size_t((n + chunk - 1) / chunk);
    const size_t nl = arch.layers.size();
    // MinMax needs only per-chunk extremes; the others need every value, written
    // straight into one buffer per layer (no per-chunk copies to concatenate).
    const bool keep_values = opts.method != ActCalibration::MinMax;
    std::vector<std::vector<float>> values(nl);
    std::vector<std::vector<std::pair<float, float>>> extremes(nchunks, std::vector<std::pair<float, float>>(nl));
    for (size_t l = 0; l < nl; ++l)
        if (keep_values && arch.layers[l].has_params()) values[l].resize(size_t(n * arch.size_at(l)));
    parallel_for(nchunks, opts.threads, [&](size_t c) {
        Tape<float> tape;
        const int64_t b = int64_t(c) * chunk, len = std::min(chunk, n - b);
        forward_chunk(arch, theta->data(), batch.x.data() + b * arch.input_size(), len, tape);
        for (size_t l = 0; l < nl; ++l) {
            if (!arch.layers[l].has_params()) continue;
            if (keep_values) std::copy(tape.a[l].begin(), tape.a[l].end(), values[l].begin() + b * arch.size_at(l));
            else extremes[c][l] = minmax_of(tape.a[l]);
        }
    });
    ActCalibrationTable table;
    table.method = opts.method;
    table.bits = opts.bits;
    table.percentile = opts.percentile;
    for (size_t l = 0; l < nl; ++l) {
        if (!arch.layers[l].has_params()) continue;
        std::pair<float, float> range;
        if (keep_values) {
            range = calibrate_range_inplace(values[l], opts.method, opts.bits, opts.percentile, opts.kl_bins);
            std::vector<float>().swap(values[l]);
        } else {
            range = extremes[0][l];
            for (size_t c = 1; c < nchunks; ++c)
                range = {std::min(range.first, extremes[c][l].first), std::max(range.second, extremes[c][l].second)};
        }
        table.ranges.push_back({int(l), arch.layers[l].name, range.first, range.second});
    }
    return table;
}

}  // namespace qs::nn
