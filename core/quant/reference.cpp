// The scalar reference quantizer (reference.hpp). Each scheme is one function
// that reads like the lecture: compute the scale (and zero point) from the clip
// range, then for every value q = clamp(round(x / scale) + zero_point, qmin, qmax)
// and x^ = scale * (q - zero_point), or the scheme's equivalent. No tricks: the
// fused path is where speed lives, and it must agree with this file.
//
// [SECTION] index
//   1. scheme functions (int, fp, nf4, log2, mx, k-means, binary, ternary)
//   2. the whole tensor: outliers, groups, metrics, histograms
#include "core/quant/reference.hpp"

#include "core/quant/layout.hpp"
#include "core/quant/metrics.hpp"
#include "core/util/checked.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qs::quant::reference {

// ===========================================================================
// [SECTION] 1. scheme functions
// ===========================================================================

namespace {

std::vector<float> sorted_unique(std::vector<float> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

void resize_outputs(GroupOutput& out, size_t n) {
    out.codes.resize(n);
    out.dequantized.resize(n);
    out.saturated.resize(n);
}

}  // namespace

GroupOutput quantize_int_group(const QuantSpec& s, std::span<const float> values, std::span<const uint64_t> index,
                               ClipRange clip) {
    // Integer grid with 2^b levels.
    //   symmetric, signed, restricted: qmin = -(2^(b-1) - 1), qmax = 2^(b-1) - 1
    //   symmetric, signed, full:       qmin = -2^(b-1),       qmax = 2^(b-1) - 1
    //   unsigned (or asymmetric unsigned): qmin = 0, qmax = 2^b - 1
    //   asymmetric, signed:            qmin = -2^(b-1),       qmax = 2^(b-1) - 1
    const int b = s.bits;
    int64_t qmin, qmax;
    if (!s.is_signed) {
        qmin = 0;
        qmax = (int64_t(1) << b) - 1;
    } else if (s.symmetric && s.restricted) {
        qmax = (int64_t(1) << (b - 1)) - 1;
        qmin = -qmax;
    } else {
        qmin = -(int64_t(1) << (b - 1));
        qmax = (int64_t(1) << (b - 1)) - 1;
    }

    GroupOutput out;
    double scale, zero_point = 0.0;
    if (s.symmetric && s.is_signed) {
        // Symmetric (absmax): the clip range is [-alpha, alpha], alpha = max(|lo|, |hi|),
        // zero maps to code 0. Restricted: scale = alpha / qmax; full range spreads the
        // 2^b levels over [-alpha, alpha]: scale = alpha / ((qmax - qmin) / 2).
        const double alpha = std::max(std::fabs(clip.lo), std::fabs(clip.hi));
        scale = s.restricted ? alpha / double(qmax) : alpha / ((double(qmax) - double(qmin)) / 2.0);
        out.params.clip_lo = -alpha;
        out.params.clip_hi = alpha;
    } else if (s.symmetric) {
        // Unsigned symmetric: codes 0..qmax cover [0, alpha]; negative values clip to 0.
        const double alpha = std::max(clip.hi, 0.0);
        scale = alpha / double(qmax);
        out.params.clip_lo = 0.0;
        out.params.clip_hi = alpha;
    } else {
        // Asymmetric (zero point): first widen [lo, hi] to contain 0, so that 0 is exact,
        // then scale = (hi - lo) / (qmax - qmin) and the zero point is the code of 0,
        // nudged to an integer: zero_point = qmin - round(lo / scale).
        const double lo = std::min(clip.lo, 0.0), hi = std::max(clip.hi, 0.0);
        scale = (hi - lo) / (double(qmax) - double(qmin));
        out.params.clip_lo = lo;
        out.params.clip_hi = hi;
    }
    // The scale is stored in the spec's scale dtype (fp32, fp16, bf16, e8m0); that
    // stored value is what dequantization uses.
    const float stored = store_scale(scale, s.scale_dtype);
    if (!s.symmetric) {
        zero_point = stored > 0.0f ? double(qmin) - std::nearbyint(out.params.clip_lo / double(stored))
                                   : 0.0;  // a zero group: every value dequantizes to 0
        zero_point = std::clamp(zero_point, double(qmin), double(qmax));
    }
    out.params.scale = stored;
    out.params.inv_scale = stored > 0.0f ? 1.0f / stored : 0.0f;
    out.params.zero_point = float(zero_point);

    // q = clamp(round(x * (1/scale)) + zero_point, qmin, qmax);  x^ = (q - zero_point) * scale
    resize_outputs(out, values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        const float x_over_scale = values[i] * out.params.inv_scale;
        const double u = stochastic_uniform(s.seed, index[i]);
        const float q_unclamped = round_int(x_over_scale, s.rounding, u) + out.params.zero_point;
        const float q = std::clamp(q_unclamped, float(qmin), float(qmax));
        out.saturated[i] = q != q_unclamped;
        out.codes[i] = int32_t(q);
        out.dequantized[i] = (q - out.params.zero_point) * out.params.scale;
    }
    for (int64_t q = qmin; q <= qmax; ++q) out.grid.push_back((float(q) - out.params.zero_point) * out.params.scale);
    out.grid = sorted_unique(std::move(out.grid));
    return out;
}

GroupOutput quantize_fp_group(const QuantSpec& s, std::span<const float> values, std::span<const uint64_t> index,
                              ClipRange clip) {
    // A minifloat grid (sign, exponent, mantissa) times a scale. Scaled: the clip
    // magnitude maps to the format's largest finite value, scale = clip / max_finite.
    // Unscaled: a direct cast (scale 1).
    const Minifloat f = minifloat_of(s);
    GroupOutput out;
    double scale = 1.0;
    if (!s.fp_unscaled) {
        const double alpha = std::max(std::fabs(clip.lo), std::fabs(clip.hi));
        scale = alpha / f.max_finite();
        out.params.clip_lo = -alpha;
        out.params.clip_hi = alpha;
        out.params.scale = store_scale(scale, s.scale_dtype);
    } else {
        out.params.clip_lo = -f.max_finite();
        out.params.clip_hi = f.max_finite();
        out.params.scale = 1.0f;
    }
    out.params.inv_scale = out.params.scale > 0.0f ? 1.0f / out.params.scale : 0.0f;

    // code = nearest minifloat to x / scale (saturating);  x^ = value(code) * scale
    resize_outputs(out, values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        bool sat = false;
        const uint32_t code = f.encode(values[i] * out.params.inv_scale, s.rounding,
                                       stochastic_uniform(s.seed, index[i]), &sat);
        out.codes[i] = int32_t(code);
        out.dequantized[i] = f.decode(code) * out.params.scale;
        out.saturated[i] = sat;
    }
    for (uint32_t c = 0; c < f.code_count(); ++c)
        if (f.is_finite(c)) out.grid.push_back(f.decode(c) * out.params.scale);
    out.grid = sorted_unique(std::move(out.grid));
    // the widest gap is in the top binade: 2^(emax - man_bits)
    return out;
}

namespace {

// Shared by NF4 and log2: levels in [-1, 1] times scale = absmax.
GroupOutput quantize_unit_grid(const QuantSpec& s, const Grid& grid, std::span<const float> values,
                               std::span<const uint64_t> index, ClipRange clip) {
    GroupOutput out;
    const double absmax = std::max(std::fabs(clip.lo), std::fabs(clip.hi));
    out.params.scale = store_scale(absmax, s.scale_dtype);
    out.params.inv_scale = out.params.scale > 0.0f ? 1.0f / out.params.scale : 0.0f;
    out.params.clip_lo = -absmax;
    out.params.clip_hi = absmax;
    resize_outputs(out, values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        bool sat = false;
        const uint32_t code = round_to_grid(grid, values[i] * out.params.inv_scale, s.rounding,
                                            stochastic_uniform(s.seed, index[i]), &sat);
        out.codes[i] = int32_t(code);
        out.dequantized[i] = grid.levels[code] * out.params.scale;
        out.saturated[i] = sat;
    }
    for (float l : grid.levels) out.grid.push_back(l * out.params.scale);
    out.grid = sorted_unique(std::move(out.grid));
    return out;
}

}  // namespace

GroupOutput quantize_nf4_group(const QuantSpec& s, std::span<const float> values, std::span<const uint64_t> index,
                               ClipRange clip) {
    // NF4 (QLoRA): normalise by the block's absmax, take the nearest of 16 levels
    // (quantiles of a normal distribution, rescaled to [-1, 1]); x^ = level * absmax.
    return quantize_unit_grid(s, grid_with_midpoints({kNF4Levels.begin(), kNF4Levels.end()}), values, index, clip);
}

GroupOutput quantize_log2_group(const QuantSpec& s, std::span<const float> values, std::span<const uint64_t> index,
                                ClipRange clip) {
    // Logarithmic (power-of-two) quantization: x^ = sign * scale * 2^-k, rounded in the
    // log domain (decision at 2^-(k+1/2)), with 0 below half the smallest power.
    return quantize_unit_grid(s, log2_grid(s.bits), values, index, clip);
}

GroupOutput quantize_mx_group(const QuantSpec& s, std::span<const float> values, std::span<const uint64_t> index) {
    // OCP MX: the block shares X = 2^(floor(log2 amax) - emax_elem), stored as E8M0
    // (exponent clamped to [-127, 127]); each element is P = x / X rounded to the
    // element format (saturating at its max); x^ = X * P.
    const MxFormat m = mx_format(s.mx_element);
    GroupOutput out;
    double amax = 0.0;
    for (float x : values) amax = std::max(amax, double(std::fabs(x)));
    int shared_exp = -127;
    if (amax > 0.0) {
        int k = 0;
        std::frexp(amax, &k);  // amax = f * 2^k, f in [0.5, 1): floor(log2 amax) = k - 1
        shared_exp = std::clamp(k - 1 - m.emax, -127, 127);
    }
    out.params.scale = e8m0_decode(e8m0_encode_exponent(shared_exp));
    out.params.inv_scale = std::ldexp(1.0f, -shared_exp);
    out.params.clip_lo = -m.max_value * out.params.scale;
    out.params.clip_hi = m.max_value * out.params.scale;
    resize_outputs(out, values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        const double u = stochastic_uniform(s.seed, index[i]);
        const float p = values[i] * out.params.inv_scale;
        if (m.is_int) {
            // MXINT8: P = q / 64 with q an int8 in [-127, 127]
            const float q_unclamped = round_int(p * 64.0f, s.rounding, u);
            const float q = std::clamp(q_unclamped, -127.0f, 127.0f);
            out.codes[i] = int32_t(q) & 0xFF;
            out.dequantized[i] = (q * 0.015625f) * out.params.scale;
            out.saturated[i] = q != q_unclamped;
        } else {
            bool sat = false;
            const uint32_t code = m.fp.encode(p, s.rounding, u, &sat);
            out.codes[i] = int32_t(code);
            out.dequantized[i] = m.fp.decode(code) * out.params.scale;
            out.saturated[i] = sat;
        }
    }
    if (m.is_int) {
        for (int q = -127; q <= 127; ++q) out.grid.push_back((float(q) * 0.015625f) * out.params.scale);
    } else {
        for (uint32_t c = 0; c < m.fp.code_count(); ++c)
            if (m.fp.is_finite(c)) out.grid.push_back(m.fp.decode(c) * out.params.scale);
    }
    out.grid = sorted_unique(std::move(out.grid));
    return out;
}

std::vector<double> kmeans_1d(std::span<const float> values, int k, int max_iters) {
    std::vector<double> c(size_t(k), 0.0);
    if (values.empty()) return c;
    // Sort once; clusters of a 1-D k-means are then runs of the sorted values.
    std::vector<float> v(values.begin(), values.end());
    std::sort(v.begin(), v.end());
    std::vector<double> prefix(v.size() + 1, 0.0);
    for (size_t i = 0; i < v.size(); ++i) prefix[i + 1] = prefix[i] + double(v[i]);

    // Linear initialisation between min and max (Deep Compression found it best for weights).
    const double lo = v.front() + 0.0, hi = v.back() + 0.0;  // + 0.0: -0 -> +0
    for (int i = 0; i < k; ++i) c[size_t(i)] = k == 1 ? lo : lo + (hi - lo) * i / (k - 1);

    std::vector<size_t> start(size_t(k) + 1, 0), prev;
    for (int it = 0; it < max_iters; ++it) {
        // Assignment: value v belongs to cluster j when t[j-1] < v <= t[j], t = midpoints.
        size_t pos = 0;
        for (int j = 0; j < k; ++j) {
            start[size_t(j)] = pos;
            if (j + 1 < k) {
                const double t = 0.5 * (c[size_t(j)] + c[size_t(j) + 1]);
                while (pos < v.size() && double(v[pos]) <= t) ++pos;
            } else {
                pos = v.size();
            }
        }
        start[size_t(k)] = v.size();
        if (start == prev) break;  // no assignment changed: converged
        prev = start;
        // Update: each centroid moves to the mean of its cluster.
        for (int j = 0; j < k; ++j) {
            const size_t a = start[size_t(j)], b = start[size_t(j) + 1];
            if (b > a) c[size_t(j)] = (prefix[b] - prefix[a]) / double(b - a);
        }
    }
    return c;
}

GroupOutput quantize_kmeans_group(const QuantSpec& s, std::span<const float> values,
                                  std::span<const uint64_t> index) {
    // A learned codebook: 2^b centroids from 1-D k-means; each value takes the code of
    // its nearest centroid; x^ = codebook[code]. Codebook entries are stored in the
    // spec's scale dtype.
    const int k = 1 << s.bits;
    const std::vector<double> centroids = kmeans_1d(values, k, s.kmeans_iters);
    std::vector<float> book;
    for (double c : centroids) book.push_back(store_value(c, s.scale_dtype));
    std::sort(book.begin(), book.end());
    const Grid grid = grid_with_midpoints(book);

    GroupOutput out;
    out.params.scale = 1.0f;
    out.params.inv_scale = 1.0f;
    out.params.clip_lo = book.front();
    out.params.clip_hi = book.back();
    resize_outputs(out, values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        bool sat = false;
        const uint32_t code = round_to_grid(grid, values[i], s.rounding, stochastic_uniform(s.seed, index[i]), &sat);
        out.codes[i] = int32_t(code);
        out.dequantized[i] = grid.levels[code];
        out.saturated[i] = 0;  // values beyond the end centroids are not clipped: there is no clip range
    }
    out.grid = sorted_unique(book);
    return out;
}

GroupOutput quantize_binary_group(const QuantSpec& s, std::span<const float> values) {
    // Binary (XNOR-Net): x^ = alpha * sign(x) with alpha = mean |x|, which minimises
    // the squared error for a fixed sign pattern. sign(0) = +1.
    double sum_abs = 0.0;
    for (float x : values) sum_abs += std::fabs(double(x));
    const double alpha = values.empty() ? 0.0 : sum_abs / double(values.size());
    GroupOutput out;
    out.params.scale = store_scale(alpha, s.scale_dtype);
    out.params.inv_scale = out.params.scale > 0.0f ? 1.0f / out.params.scale : 0.0f;
    out.params.clip_lo = -double(out.params.scale);
    out.params.clip_hi = out.params.scale;
    resize_outputs(out, values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        const bool positive = values[i] >= 0.0f;
        out.codes[i] = positive ? 1 : 0;
        out.dequantized[i] = positive ? out.params.scale : -out.params.scale;
        out.saturated[i] = 0;
    }
    out.grid = sorted_unique({-out.params.scale, out.params.scale});
    double amax = 0.0;
    for (float x : values) amax = std::max(amax, double(std::fabs(x)));  // |x - x^| <= |x| + alpha
    return out;
}

GroupOutput quantize_ternary_group(const QuantSpec& s, std::span<const float> values) {
    // Ternary weight networks: threshold delta = 0.7 * mean |x|; values above it in
    // magnitude become +-alpha with alpha = mean of those |x|; the rest become 0.
    double sum_abs = 0.0;
    for (float x : values) sum_abs += std::fabs(double(x));
    const double delta = values.empty() ? 0.0 : 0.7 * (sum_abs / double(values.size()));
    double sum_big = 0.0;
    uint64_t n_big = 0;
    for (float x : values)
        if (std::fabs(double(x)) > delta) {
            sum_big += std::fabs(double(x));
            ++n_big;
        }
    const double alpha = n_big ? sum_big / double(n_big) : 0.0;
    GroupOutput out;
    out.params.scale = store_scale(alpha, s.scale_dtype);
    out.params.inv_scale = out.params.scale > 0.0f ? 1.0f / out.params.scale : 0.0f;
    out.params.threshold = delta;
    out.params.clip_lo = -double(out.params.scale);
    out.params.clip_hi = out.params.scale;
    resize_outputs(out, values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        const double ax = std::fabs(double(values[i]));
        int q = 0;
        if (ax > delta) q = values[i] > 0.0f ? 1 : -1;
        out.codes[i] = q + 1;
        out.dequantized[i] = q == 0 ? 0.0f : (q > 0 ? out.params.scale : -out.params.scale);
        out.saturated[i] = 0;
    }
    out.grid = sorted_unique({-out.params.scale, 0.0f, out.params.scale});
    double amax = 0.0;
    for (float x : values) amax = std::max(amax, double(std::fabs(x)));
    return out;
}

// ===========================================================================
// [SECTION] 2. the whole tensor
// ===========================================================================

Result<QuantResult> quantize(const TensorView& x, const QuantSpec& spec, const QuantOptions& opts) {
    const std::string name(x.name);
    if (auto st = validate(spec, x.shape); !st) return make_error("tensor '{}': {}", name, st.message());
    const auto numel = checked_numel(x.shape);
    if (!numel || *numel != x.data.size())
        return make_error("tensor '{}': shape has {} elements but {} values were given", name,
                          numel ? std::to_string(*numel) : std::string("an invalid number of"), x.data.size());
    if (opts.hist_bins < 0 || opts.hist_bins > (1 << 24))
        return make_error("histogram bins must be 0..16777216, not {}", opts.hist_bins);

    const Layout layout = make_layout(x.shape, spec);
    const uint64_t n = layout.numel;

    QuantResult r;
    r.spec = spec;
    r.tensor = name;
    r.shape.assign(x.shape.begin(), x.shape.end());
    r.numel = n;
    r.n_groups = layout.n_groups;

    // 1. Which elements are not quantized: NaN/Inf pass through; outliers stay in
    //    full precision (dense-and-sparse). Top fraction f keeps every finite value with
    //    |x| >= the k-th largest |x|, k = floor(f * finite count) (ties all kept).
    std::vector<uint8_t> finite(n), outlier(n, 0);
    uint64_t n_finite = 0;
    for (uint64_t i = 0; i < n; ++i) {
        finite[i] = std::isfinite(x.data[i]);
        n_finite += finite[i];
    }
    if (spec.outliers == OutlierMode::Threshold) {
        for (uint64_t i = 0; i < n; ++i)
            outlier[i] = finite[i] && double(std::fabs(x.data[i])) > spec.outlier_param;
    } else if (spec.outliers == OutlierMode::TopFraction) {
        const uint64_t k = uint64_t(std::floor(spec.outlier_param * double(n_finite)));
        if (k > 0) {
            std::vector<float> mags;
            for (uint64_t i = 0; i < n; ++i)
                if (finite[i]) mags.push_back(std::fabs(x.data[i]));
            std::nth_element(mags.begin(), mags.begin() + int64_t(k - 1), mags.end(), std::greater<float>());
            const float threshold = mags[k - 1];
            for (uint64_t i = 0; i < n; ++i) outlier[i] = finite[i] && std::fabs(x.data[i]) >= threshold;
        }
    }

    // 2. The members of each group (quantized elements only), in C order.
    std::vector<std::vector<uint64_t>> members(layout.n_groups);
    for (uint64_t i = 0; i < n; ++i)
        if (finite[i] && !outlier[i]) members[layout.group_of(i)].push_back(i);

    // 3. Each group: calibrate, then run its scheme function.
    std::vector<int32_t> codes(n, kNoCode);
    std::vector<float> deq(x.data.begin(), x.data.end());  // pass-through unless quantized
    uint64_t n_clipped = 0;
    double err_bound = 0.0;
    std::vector<float> scratch;
    r.group_scale.resize(layout.n_groups);
    r.group_zero_point.resize(layout.n_groups);
    r.group_clip_lo.resize(layout.n_groups);
    r.group_clip_hi.resize(layout.n_groups);
    for (uint64_t g = 0; g < layout.n_groups; ++g) {
        std::vector<float> values;
        for (uint64_t i : members[g]) values.push_back(x.data[i]);
        ClipRange clip = calib_minmax(values);
        if (uses_clip_range(spec)) clip = calibrate(spec, values, clip, scratch);

        GroupOutput out;
        switch (spec.scheme) {
            case Scheme::Int: out = quantize_int_group(spec, values, members[g], clip); break;
            case Scheme::Fp: out = quantize_fp_group(spec, values, members[g], clip); break;
            case Scheme::NF4: out = quantize_nf4_group(spec, values, members[g], clip); break;
            case Scheme::Log2: out = quantize_log2_group(spec, values, members[g], clip); break;
            case Scheme::MX: out = quantize_mx_group(spec, values, members[g]); break;
            case Scheme::KMeans: out = quantize_kmeans_group(spec, values, members[g]); break;
            case Scheme::Binary: out = quantize_binary_group(spec, values); break;
            case Scheme::Ternary: out = quantize_ternary_group(spec, values); break;
        }
        for (size_t j = 0; j < values.size(); ++j) {
            codes[members[g][j]] = out.codes[j];
            deq[members[g][j]] = out.dequantized[j];
            n_clipped += out.saturated[j];
        }
        r.group_scale[g] = out.params.scale;
        r.group_zero_point[g] = out.params.zero_point;
        r.group_clip_lo[g] = float(out.params.clip_lo);
        r.group_clip_hi[g] = float(out.params.clip_hi);
        if (spec.scheme == Scheme::KMeans)  // the error histogram's width comes from the codebooks
            err_bound = std::max(err_bound, kmeans_error_bound(out.grid, calib_minmax(values).lo,
                                                               calib_minmax(values).hi, spec.rounding));
        if (g == 0) {
            r.grid = out.grid;
            r.clip_lo = out.params.clip_lo;
            r.clip_hi = out.params.clip_hi;
        }
    }

    // 4. Metrics over finite elements, per group and in total; codes; histograms.
    const CodeSpace cs = code_space(spec);
    r.code_offset = cs.offset;
    r.levels = cs.available;
    r.code_hist.assign(cs.size, 0);
    double data_min = 0.0, data_max = 0.0;
    bool any = false;
    for (uint64_t i = 0; i < n; ++i)
        if (finite[i]) {
            data_min = any ? std::min(data_min, double(x.data[i])) : x.data[i];
            data_max = any ? std::max(data_max, double(x.data[i])) : x.data[i];
            any = true;
        }
    // the error histogram's width: the step of the grid over the range of all quantized values
    if (spec.scheme != Scheme::KMeans) {
        double qlo = 0.0, qhi = 0.0;
        bool anyq = false;
        for (uint64_t i = 0; i < n; ++i)
            if (finite[i] && !outlier[i]) {
                qlo = anyq ? std::min(qlo, double(x.data[i])) : x.data[i];
                qhi = anyq ? std::max(qhi, double(x.data[i])) : x.data[i];
                anyq = true;
            }
        err_bound = error_bound_for_range(spec, qlo, qhi);
    }
    const auto [hlo, hhi] = histogram_range(opts.hist_lo, opts.hist_hi, data_min, data_max);
    const double ew = error_histogram_halfwidth(opts.err_hist_halfwidth, err_bound);
    const uint32_t bins = uint32_t(opts.hist_bins);
    const Binner value_bins(hlo, hhi, bins), error_bins(-ew, ew, bins);
    if (bins > 0) {
        r.hist_orig = value_bins.empty_histogram();
        r.hist_deq = value_bins.empty_histogram();
        r.hist_err = error_bins.empty_histogram();
    }

    ErrorSums sums;
    std::vector<double> group_se(layout.n_groups, 0.0);
    std::vector<uint64_t> group_n(layout.n_groups, 0);
    for (uint64_t i = 0; i < n; ++i) {
        if (!finite[i]) {
            ++r.nonfinite;
            continue;
        }
        const float xi = x.data[i], yi = deq[i];
        const float e = xi - yi;
        sums.n += 1;
        sums.sx2 += double(xi) * double(xi);
        sums.se2 += double(e) * double(e);
        sums.sxy += double(xi) * double(yi);
        sums.sy2 += double(yi) * double(yi);
        sums.max_err = std::max(sums.max_err, double(std::fabs(e)));
        if (layout.n_groups) {
            const uint64_t g = layout.group_of(i);
            group_se[g] += double(e) * double(e);
            group_n[g] += 1;
        }
        if (outlier[i]) ++r.outliers_kept;
        else r.code_hist[uint64_t(int64_t(codes[i]) - cs.offset)] += 1;
        if (bins > 0) {
            add_to_histogram(r.hist_orig, value_bins, xi);
            add_to_histogram(r.hist_deq, value_bins, yi);
            add_to_histogram(r.hist_err, error_bins, e);
        }
    }
    finish_metrics(sums, r);
    finish_codes(r);
    r.clipped_fraction = sums.n ? double(n_clipped) / double(sums.n) : 0.0;
    r.group_mse.resize(layout.n_groups);
    for (uint64_t g = 0; g < layout.n_groups; ++g)
        r.group_mse[g] = group_n[g] ? float(group_se[g] / double(group_n[g])) : 0.0f;
    finish_size(spec, r, r.outliers_kept + r.nonfinite);

    if (opts.keep_dequantized) r.dequantized = std::move(deq);
    if (opts.keep_codes) r.codes = std::move(codes);
    return r;
}

}  // namespace qs::quant::reference
