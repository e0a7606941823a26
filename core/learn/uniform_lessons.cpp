// Lessons 2-6: see uniform_lessons.hpp. Every parameter comes from core/quant
// (calibrate, clip_params, ElementQuantizer, quantize); this file only arranges
// the intermediate numbers the lessons display.
#include "core/learn/uniform_lessons.hpp"

#include "core/nn/rng.hpp"
#include "core/quant/formats.hpp"
#include "core/quant/params.hpp"
#include "core/quant/quantize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace qs::learn {

using quant::QuantSpec;
using quant::Rounding;

std::vector<float> normal_sample(size_t n, uint64_t seed, double sigma) {
    nn::Rng rng = nn::Rng::derived(seed, 11);
    std::vector<float> v(n);
    for (auto& e : v) e = float(sigma * rng.normal());
    return v;
}

std::vector<float> relu_normal_sample(size_t n, uint64_t seed) {
    auto v = normal_sample(n, seed);
    for (auto& e : v) e = std::max(e, 0.0f);
    return v;
}

std::vector<float> heavy_tailed_sample(size_t n, uint64_t seed, double outlier_fraction, double outlier_scale) {
    nn::Rng rng = nn::Rng::derived(seed, 12);
    std::vector<float> v(n);
    for (auto& e : v) {
        const double u = rng.uniform() - 0.5;  // Laplace(0, 1) by inversion
        e = float(-std::copysign(1.0, u) * std::log(1.0 - 2.0 * std::fabs(u)));
    }
    const size_t k = size_t(std::llround(outlier_fraction * double(n)));
    for (size_t i = 0; i < k; ++i) {
        const size_t j = size_t(rng.below(n));
        v[j] = float((rng.rademacher()) * outlier_scale * (0.5 + rng.uniform()));
    }
    return v;
}

std::vector<float> outlier_channel_matrix(int64_t rows, int64_t cols, int64_t outlier_row, double factor,
                                          uint64_t seed) {
    auto v = normal_sample(size_t(rows * cols), seed, 0.05);
    if (outlier_row >= 0 && outlier_row < rows)
        for (int64_t c = 0; c < cols; ++c) v[size_t(outlier_row * cols + c)] *= float(factor);
    return v;
}

// ---- lesson 2 -------------------------------------------------------------------

Result<ScaleTrace> trace_quantization(std::span<const float> x, QuantSpec spec) {
    if (spec.scheme != quant::Scheme::Int) return make_error("the scale/zero-point trace needs an int spec");
    if (x.empty()) return make_error("the vector is empty");
    for (float v : x)
        if (!std::isfinite(v)) return make_error("the vector holds a non-finite value");
    spec.granularity = quant::Granularity::PerTensor;
    QS_TRY(quant::validate(spec));
    ScaleTrace t;
    t.spec = spec;
    const quant::ClipRange mm = quant::calib_minmax(x);
    t.r_min = mm.lo;
    t.r_max = mm.hi;
    std::vector<float> scratch;
    const quant::ClipRange c = quant::calibrate(spec, x, mm, scratch);
    const quant::IntRange r = quant::int_range(spec);
    t.qmin = r.qmin;
    t.qmax = r.qmax;
    const quant::GroupParams p = quant::clip_params(spec, c.lo, c.hi);
    t.clip = {p.clip_lo, p.clip_hi};
    t.scale = p.scale;
    t.zero_point = p.zero_point;
    const double span = p.clip_hi - p.clip_lo;
    if (spec.symmetric && spec.is_signed)
        t.scale_exact = p.clip_hi / (spec.restricted ? double(r.qmax) : (double(r.qmax) - double(r.qmin)) / 2.0);
    else if (spec.symmetric)
        t.scale_exact = p.clip_hi / double(r.qmax);
    else
        t.scale_exact = span / (double(r.qmax) - double(r.qmin));

    const quant::ElementQuantizer eq(spec);
    double se = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        TraceRow row;
        row.x = x[i];
        row.scaled = x[i] * p.inv_scale;
        row.rounded = quant::round_int(row.scaled, spec.rounding, quant::stochastic_uniform(spec.seed, i));
        row.shifted = row.rounded + p.zero_point;
        const float q = std::clamp(row.shifted, float(r.qmin), float(r.qmax));
        row.clamped = q != row.shifted;
        row.q = int32_t(q);
        row.dequantized = (q - p.zero_point) * p.scale;
        // The lesson's arithmetic must be the quantizer's own: check against it.
        int32_t code = 0;
        bool sat = false;
        const float ref = eq.quantize(p, x[i], quant::stochastic_uniform(spec.seed, i), &code, &sat);
        if (ref != row.dequantized || code != row.q) return make_error("internal: trace disagrees with the quantizer");
        row.error = row.dequantized - row.x;
        se += double(row.error) * double(row.error);
        t.rows.push_back(row);
    }
    t.mse = se / double(x.size());

    auto& f = t.formulas;
    f.push_back(fmt::format("range: r_min = {:.6g}, r_max = {:.6g}", t.r_min, t.r_max));
    if (spec.symmetric && spec.is_signed) {
        f.push_back(fmt::format("symmetric: alpha = max(|r_min|, |r_max|) = {:.6g}; Z = 0", p.clip_hi));
        f.push_back(fmt::format("S = alpha / {} = {:.6g} / {} = {:.6g}", spec.restricted ? "qmax" : "((qmax - qmin) / 2)",
                                p.clip_hi, spec.restricted ? double(r.qmax) : (double(r.qmax) - double(r.qmin)) / 2.0,
                                t.scale_exact));
    } else if (spec.symmetric) {
        f.push_back(fmt::format("unsigned symmetric: alpha = max(r_max, 0) = {:.6g}; Z = 0", p.clip_hi));
        f.push_back(fmt::format("S = alpha / qmax = {:.6g} / {} = {:.6g}", p.clip_hi, r.qmax, t.scale_exact));
    } else {
        f.push_back(fmt::format("asymmetric: [alpha, beta] = [{:.6g}, {:.6g}] (widened to contain 0)", p.clip_lo,
                                p.clip_hi));
        f.push_back(fmt::format("S = (beta - alpha) / (qmax - qmin) = {:.6g} / {} = {:.6g}", span,
                                int64_t(r.qmax) - int64_t(r.qmin), t.scale_exact));
        f.push_back(fmt::format("Z = qmin - round(alpha / S) = {} - round({:.6g}) = {}", r.qmin,
                                p.clip_lo / double(p.scale), p.zero_point));
    }
    if (double(p.scale) != t.scale_exact)
        f.push_back(fmt::format("stored as {}: S = {:.9g}", quant::scale_dtype_name(spec.scale_dtype), p.scale));
    f.push_back(fmt::format("q = clamp(round(x / S) + Z, {}, {})", r.qmin, r.qmax));
    f.push_back("x^ = S * (q - Z)");
    return t;
}

// ---- lesson 3 ---------------------------------------------------------------------

Result<LevelUsage> level_usage(std::span<const float> x, QuantSpec spec) {
    if (spec.scheme != quant::Scheme::Int) return make_error("level usage needs an int spec");
    if (x.empty()) return make_error("the tensor is empty");
    spec.granularity = quant::Granularity::PerTensor;
    const int64_t shape[1] = {int64_t(x.size())};
    quant::QuantOptions o;
    o.hist_bins = 0;
    o.threads = 1;
    auto res_r = quant::quantize({x, shape, "x"}, spec, o);
    if (!res_r) return res_r.error();
    auto& res = *res_r;
    LevelUsage u;
    u.spec = spec;
    u.levels = res.levels;
    u.used = res.codes_used;
    u.mse = res.mse;
    u.sqnr_db = res.sqnr_db;
    u.scale = res.group_scale.empty() ? 0.0f : res.group_scale[0];
    u.zero_point = res.group_zero_point.empty() ? 0.0f : res.group_zero_point[0];
    u.clip_lo = res.clip_lo;
    u.clip_hi = res.clip_hi;
    u.grid = res.grid;
    u.code_hist = res.code_hist;
    const quant::ClipRange mm = quant::calib_minmax(x);
    const double half = 0.5 * double(u.scale);
    for (float g : u.grid)
        if (double(g) < mm.lo - half || double(g) > mm.hi + half) ++u.unreachable;
    return u;
}

// ---- lesson 4 ---------------------------------------------------------------------

ClipPoint clip_split(std::span<const float> x, int bits, double alpha) {
    QuantSpec s;
    s.bits = bits;
    s.granularity = quant::Granularity::PerTensor;
    const quant::GroupParams p = quant::clip_params(s, -alpha, alpha);
    const quant::ElementQuantizer eq(s);
    ClipPoint c;
    c.clip = alpha;
    double sc = 0, sr = 0;
    uint64_t nclip = 0;
    for (float v : x) {
        int32_t code;
        bool sat;
        const double e = double(eq.quantize(p, v, 0.0, &code, &sat)) - double(v);
        if (std::fabs(double(v)) > double(p.clip_hi)) {
            sc += e * e;
            ++nclip;
        } else {
            sr += e * e;
        }
    }
    const double n = double(std::max<size_t>(x.size(), 1));
    c.mse_clip = sc / n;
    c.mse_round = sr / n;
    c.mse = c.mse_clip + c.mse_round;
    c.clipped_fraction = double(nclip) / n;
    return c;
}

Result<ClipSweep> clip_sweep(std::span<const float> x, int bits, int n_points, double percentile) {
    if (x.empty()) return make_error("the tensor is empty");
    if (bits < 2 || bits > 16) return make_error("bits must be in 2..16, got {}", bits);
    n_points = std::clamp(n_points, 2, 2000);
    ClipSweep sw;
    const quant::ClipRange mm = quant::calib_minmax(x);
    sw.amax = std::max(std::fabs(mm.lo), std::fabs(mm.hi));
    if (!(sw.amax > 0)) return make_error("the tensor is all zeros");
    for (int i = 1; i <= n_points; ++i) sw.points.push_back(clip_split(x, bits, sw.amax * double(i) / n_points));
    sw.best = *std::min_element(sw.points.begin(), sw.points.end(),
                                [](const ClipPoint& a, const ClipPoint& b) { return a.mse < b.mse; });
    QuantSpec s;
    s.bits = bits;
    s.granularity = quant::Granularity::PerTensor;
    std::vector<float> scratch;
    struct M {
        const char* name;
        quant::Calibration c;
        double param;
    };
    for (const M& m : {M{"minmax", quant::Calibration::MinMax, 0}, M{"percentile", quant::Calibration::Percentile, percentile},
                       M{"MSE search", quant::Calibration::MSE, 0}, M{"KL (entropy)", quant::Calibration::KL, 2048}}) {
        s.calibration = m.c;
        s.calib_param = m.param;
        const quant::ClipRange c = quant::calibrate(s, x, mm, scratch);
        ClipMark mark;
        mark.name = m.c == quant::Calibration::Percentile ? fmt::format("percentile {:g}", percentile) : m.name;
        mark.clip = std::max(std::fabs(c.lo), std::fabs(c.hi));
        mark.at = clip_split(x, bits, mark.clip);
        sw.marks.push_back(mark);
    }
    return sw;
}

// ---- lesson 5 ---------------------------------------------------------------------

Result<std::vector<RoundingRow>> rounding_stats(std::span<const float> x, int bits, int draws, uint64_t seed) {
    if (x.empty()) return make_error("the tensor is empty");
    draws = std::clamp(draws, 1, 10000);
    const int64_t shape[1] = {int64_t(x.size())};
    quant::QuantOptions o;
    o.hist_bins = 0;
    o.keep_dequantized = true;
    o.threads = 1;
    std::vector<RoundingRow> rows;
    for (Rounding mode : {Rounding::NearestEven, Rounding::Floor, Rounding::Ceil, Rounding::Stochastic}) {
        QuantSpec s;
        s.bits = bits;
        s.granularity = quant::Granularity::PerTensor;
        s.rounding = mode;
        const int n_draws = mode == Rounding::Stochastic ? draws : 1;
        std::vector<double> sum(x.size(), 0.0), sum2(x.size(), 0.0);
        RoundingRow row;
        row.mode = mode;
        double se = 0, be = 0;
        for (int d = 0; d < n_draws; ++d) {
            s.seed = seed + uint64_t(d);
            auto r_r = quant::quantize({x, shape, "x"}, s, o);
            if (!r_r) return r_r.error();
            auto& r = *r_r;
            double db = 0;
            for (size_t i = 0; i < x.size(); ++i) {
                const double y = r.dequantized[i], e = y - double(x[i]);
                sum[i] += y;
                sum2[i] += y * y;
                se += e * e;
                db += e;
            }
            if (d == 0) row.sum_error = db;
            be += db;
            if (mode == Rounding::Stochastic) row.draw_bias.push_back(db / double(x.size()));
        }
        const double n = double(x.size()), nd = double(n_draws);
        row.bias = be / (n * nd);
        row.mse = se / (n * nd);
        double var = 0, exp2 = 0;
        for (size_t i = 0; i < x.size(); ++i) {
            const double m = sum[i] / nd;
            var += std::max(0.0, sum2[i] / nd - m * m);
            exp2 += (m - double(x[i])) * (m - double(x[i]));
        }
        row.draw_std = mode == Rounding::Stochastic ? std::sqrt(var / n) : 0.0;
        row.expected_rmse = std::sqrt(exp2 / n);
        rows.push_back(std::move(row));
    }
    return rows;
}

// ---- lesson 6 ---------------------------------------------------------------------

Result<std::vector<GranularityRow>> compare_granularity(std::span<const float> w, int64_t rows, int64_t cols, int bits,
                                                        int group_size, bool symmetric) {
    if (rows <= 0 || cols <= 0 || size_t(rows * cols) != w.size())
        return make_error("granularity: {} values do not make a {} x {} matrix", w.size(), rows, cols);
    const int64_t shape[2] = {rows, cols};
    quant::QuantOptions o;
    o.hist_bins = 0;
    o.keep_dequantized = true;
    o.threads = 1;
    std::vector<GranularityRow> out;
    struct G {
        quant::Granularity g;
        std::string label;
    };
    for (const G& g : {G{quant::Granularity::PerTensor, "per-tensor"}, G{quant::Granularity::PerChannel, "per-channel"},
                       G{quant::Granularity::PerGroup, fmt::format("per-group {}", group_size)}}) {
        QuantSpec s;
        s.bits = bits;
        s.symmetric = symmetric;
        s.granularity = g.g;
        s.axis = 0;
        s.group_size = group_size;
        QS_TRY(quant::validate(s, shape));
        auto r_r = quant::quantize({w, shape, "w"}, s, o);
        if (!r_r) return r_r.error();
        auto& r = *r_r;
        GranularityRow row;
        row.label = g.label;
        row.spec = s;
        row.mse = r.mse;
        row.sqnr_db = r.sqnr_db;
        row.bits_per_weight = r.bits_per_weight;
        row.overhead_bpw = r.bits_per_weight - double(bits);
        row.groups = r.n_groups;
        row.channel_mse.assign(size_t(rows), 0.0);
        for (int64_t i = 0; i < rows; ++i) {
            double se = 0;
            for (int64_t j = 0; j < cols; ++j) {
                const size_t k = size_t(i * cols + j);
                const double e = double(r.dequantized[k]) - double(w[k]);
                se += e * e;
            }
            row.channel_mse[size_t(i)] = se / double(cols);
        }
        out.push_back(std::move(row));
    }
    return out;
}

}  // namespace qs::learn
