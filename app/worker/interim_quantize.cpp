// STAND-IN integer quantizer; see interim_quantize.hpp. Formulas as in the
// lecture: sym: scale = max|x| / qmax, q = clamp(round(x/scale), qmin, qmax);
// asym: scale = (hi - lo) / (qmax - qmin), zero_point = round(qmin - lo/scale).
#include "app/worker/interim_quantize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace qs::app {

namespace {

double round_mode(double v, quant::Rounding r) {
    switch (r) {
        case quant::Rounding::HalfAway: return std::round(v);
        case quant::Rounding::Floor: return std::floor(v);
        case quant::Rounding::Ceil: return std::ceil(v);
        default: return std::nearbyint(v);
    }
}

}  // namespace

Result<quant::QuantResult> interim_quantize(const quant::TensorView& x, const quant::QuantSpec& spec,
                                            const quant::QuantOptions& opts, const Progress& progress) {
    using namespace quant;
    if (spec.scheme != Scheme::Int) return Error{"only the int scheme is available until core quantize() lands"};
    if (spec.bits < 1 || spec.bits > 16) return Error{"bits must be in 1..16"};
    if (spec.granularity == Granularity::PerBlock) return Error{"per-block needs core quantize()"};
    const uint64_t n = x.data.size();
    QuantResult r;
    r.spec = spec;
    r.tensor = std::string(x.name);
    r.shape.assign(x.shape.begin(), x.shape.end());
    r.numel = n;
    if (n == 0) return r;

    // Groups: contiguous runs of `glen` elements (per-channel axis 0 = one run per outer index).
    const int64_t last = x.shape.empty() ? 1 : x.shape.back();
    uint64_t glen = n;
    if (spec.granularity == Granularity::PerChannel && !x.shape.empty()) {
        if (spec.axis != 0) return Error{"the stand-in quantizer supports axis 0 only"};
        glen = n / uint64_t(std::max<int64_t>(1, x.shape[0]));
    } else if (spec.granularity == Granularity::PerGroup) {
        if (spec.group_size <= 0) return Error{"group_size must be positive"};
        if (last % spec.group_size != 0) return Error{"group_size must divide the last dimension"};
        glen = uint64_t(spec.group_size);
    }
    const uint64_t ngroups = (n + glen - 1) / glen;

    int64_t qmin, qmax;
    const bool sym = spec.symmetric && spec.is_signed;
    if (spec.is_signed) {
        qmax = (int64_t(1) << (spec.bits - 1)) - 1;
        qmin = (sym && spec.restricted) ? -qmax : -qmax - 1;
        if (spec.bits == 1) qmin = -1, qmax = 0;
    } else {
        qmin = 0;
        qmax = (int64_t(1) << spec.bits) - 1;
    }
    r.levels = uint64_t(qmax - qmin + 1);

    float tmin = std::numeric_limits<float>::infinity(), tmax = -tmin;
    for (float v : x.data)
        if (std::isfinite(v)) tmin = std::min(tmin, v), tmax = std::max(tmax, v);
    if (tmin > tmax) tmin = tmax = 0.0f;

    r.n_groups = ngroups;
    r.group_scale.resize(ngroups);
    r.group_zero_point.resize(ngroups);
    r.group_mse.resize(ngroups);
    r.group_clip_lo.resize(ngroups);
    r.group_clip_hi.resize(ngroups);
    if (opts.keep_dequantized) r.dequantized.resize(n);
    if (opts.keep_codes) r.codes.resize(n);
    r.code_hist.assign(r.levels <= 65536 ? r.levels : 0, 0);

    const int bins = std::max(1, opts.hist_bins);
    const double hlo = opts.hist_lo.value_or(tmin), hhi = opts.hist_hi.value_or(tmax);
    r.hist_orig = {hlo, hhi, std::vector<uint64_t>(size_t(bins), 0)};
    r.hist_deq = r.hist_orig;
    auto bin_of = [&](double v) -> int64_t {
        if (!(hhi > hlo)) return 0;
        const double t = (v - hlo) / (hhi - hlo) * bins;
        if (t < 0 || t > bins) return -1;
        return std::min<int64_t>(bins - 1, int64_t(t));
    };

    std::vector<float> err(n);
    double sx2 = 0, se2 = 0, sxy = 0, sy2 = 0, maxe = 0;
    uint64_t clipped = 0;
    progress.set_total(n);
    for (uint64_t g = 0; g < ngroups; ++g) {
        const uint64_t i0 = g * glen, i1 = std::min(n, i0 + glen);
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (uint64_t i = i0; i < i1; ++i)
            if (std::isfinite(x.data[i])) lo = std::min(lo, double(x.data[i])), hi = std::max(hi, double(x.data[i]));
        if (lo > hi) lo = hi = 0;
        if (spec.clip_lo) lo = *spec.clip_lo;
        if (spec.clip_hi) hi = *spec.clip_hi;
        double scale, zp = 0;
        if (sym) {
            const double amax = std::max(std::fabs(lo), std::fabs(hi));
            scale = qmax > 0 ? amax / double(qmax) : amax;
            lo = double(qmin) * scale;
            hi = double(qmax) * scale;
        } else {
            lo = std::min(lo, 0.0);
            hi = std::max(hi, 0.0);
            scale = (hi - lo) / double(qmax - qmin);
            zp = scale > 0 ? std::clamp(std::nearbyint(double(qmin) - lo / scale), double(qmin), double(qmax)) : 0.0;
        }
        if (!(scale > 0)) scale = 1.0;
        double gse = 0;
        for (uint64_t i = i0; i < i1; ++i) {
            const double v = x.data[i];
            double q = round_mode(v / scale, spec.rounding) + zp;
            if (q < qmin || q > qmax) ++clipped;
            q = std::clamp(q, double(qmin), double(qmax));
            const double d = scale * (q - zp);
            const double e = v - d;
            err[i] = float(e);
            gse += e * e;
            sx2 += v * v;
            sy2 += d * d;
            sxy += v * d;
            maxe = std::max(maxe, std::fabs(e));
            if (!r.code_hist.empty()) ++r.code_hist[size_t(int64_t(q) - qmin)];
            if (opts.keep_dequantized) r.dequantized[i] = float(d);
            if (opts.keep_codes) r.codes[i] = int32_t(q);
            if (auto b = bin_of(v); b >= 0) ++r.hist_orig.counts[size_t(b)];
            if (auto b = bin_of(d); b >= 0) ++r.hist_deq.counts[size_t(b)];
        }
        se2 += gse;
        r.group_scale[g] = float(scale);
        r.group_zero_point[g] = float(zp);
        r.group_mse[g] = float(gse / double(i1 - i0));
        r.group_clip_lo[g] = float(scale * (double(qmin) - zp));
        r.group_clip_hi[g] = float(scale * (double(qmax) - zp));
        if (g == 0) {
            r.clip_lo = r.group_clip_lo[0];
            r.clip_hi = r.group_clip_hi[0];
            if (r.levels <= 65536)
                for (int64_t q = qmin; q <= qmax; ++q) r.grid.push_back(float(scale * (double(q) - zp)));
        }
        if ((g & 255) == 0 && !progress.update(i1)) return Error{"cancelled"};
    }
    r.mse = se2 / double(n);
    r.sqnr_db = se2 > 0 ? 10.0 * std::log10(sx2 / se2) : std::numeric_limits<double>::infinity();
    r.max_abs_err = maxe;
    r.cosine = (sx2 > 0 && sy2 > 0) ? sxy / std::sqrt(sx2 * sy2) : 1.0;
    r.rel_fro_err = sx2 > 0 ? std::sqrt(se2 / sx2) : 0.0;
    r.clipped_fraction = double(clipped) / double(n);
    const double param_bits = 32.0 * (sym ? 1 : 2);
    r.bits_per_weight = double(spec.bits) + param_bits * double(ngroups) / double(n);
    r.bytes = uint64_t(std::ceil(r.bits_per_weight * double(n) / 8.0));
    double ent = 0;
    for (uint64_t c : r.code_hist)
        if (c) {
            ++r.codes_used;
            const double p = double(c) / double(n);
            ent -= p * std::log2(p);
        }
    r.code_entropy_bits = ent;
    const double emax = maxe > 0 ? maxe : 1.0;
    r.hist_err = {-emax, emax, std::vector<uint64_t>(size_t(bins), 0)};
    for (float e : err) {
        const double t = (double(e) + emax) / (2 * emax) * bins;
        ++r.hist_err.counts[size_t(std::clamp<int64_t>(int64_t(t), 0, bins - 1))];
    }
    return r;
}

}  // namespace qs::app
