// Finishing a QuantResult from accumulated sums and counts (see metrics.hpp).
#include "core/quant/metrics.hpp"

#include "core/quant/formats.hpp"
#include "core/quant/params.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs::quant {

Binner::Binner(double lo_, double hi_, uint32_t bins_) : bins(bins_) {
    lo = float(lo_);
    hi = float(hi_);
    const double width = double(hi) - double(lo);
    inv_width = width > 0 ? float(double(bins) / width) : 0.0f;
}

Histogram Binner::empty_histogram() const {
    Histogram h;
    h.lo = lo;
    h.hi = hi;
    h.counts.assign(bins, 0);
    return h;
}

std::pair<double, double> histogram_range(std::optional<double> lo, std::optional<double> hi, double data_min,
                                          double data_max) {
    double a = lo.value_or(data_min), b = hi.value_or(data_max);
    if (!std::isfinite(a) || !std::isfinite(b)) a = b = 0.0;
    if (a > b) std::swap(a, b);
    if (!(float(b) > float(a))) {  // constant data: a small range around the value
        const double pad = a == 0.0 ? 1.0 : std::fabs(a) * 0.5;
        a -= pad;
        b += pad;
    }
    return {a, b};
}

double error_histogram_halfwidth(std::optional<double> opt, double bound) {
    double e = opt.value_or(bound);
    if (!(e > 0.0) || !std::isfinite(e) || !(float(e) > 0.0f)) e = 1.0;
    return e;
}

void finish_metrics(const ErrorSums& s, QuantResult& r) {
    const double inf = std::numeric_limits<double>::infinity();
    r.mse = s.n ? s.se2 / double(s.n) : 0.0;
    r.sum_sq = s.sx2;
    r.sum_sq_err = s.se2;
    r.max_abs_err = s.max_err;
    if (s.se2 == 0.0) r.sqnr_db = inf;
    else if (s.sx2 == 0.0) r.sqnr_db = -inf;
    else r.sqnr_db = 10.0 * std::log10(s.sx2 / s.se2);
    if (s.sx2 == 0.0 && s.sy2 == 0.0) r.cosine = 1.0;
    else if (s.sx2 == 0.0 || s.sy2 == 0.0) r.cosine = 0.0;
    else r.cosine = s.sxy / std::sqrt(s.sx2 * s.sy2);
    if (s.se2 == 0.0) r.rel_fro_err = 0.0;
    else r.rel_fro_err = s.sx2 == 0.0 ? inf : std::sqrt(s.se2 / s.sx2);
}

CodeSpace code_space(const QuantSpec& s) {
    switch (s.scheme) {
        case Scheme::Int: {
            const IntRange r = int_range(s);
            const uint64_t n = uint64_t(int64_t(r.qmax) - r.qmin + 1);
            return {n, r.qmin, n};
        }
        case Scheme::Fp: {
            const Minifloat f = minifloat_of(s);
            return {f.code_count(), 0, f.finite_codes()};
        }
        case Scheme::MX: {
            const MxFormat m = mx_format(s.mx_element);
            if (m.is_int) return {256, 0, 255};
            return {m.fp.code_count(), 0, m.fp.finite_codes()};
        }
        case Scheme::NF4: return {16, 0, 16};
        case Scheme::KMeans: return {uint64_t(1) << s.bits, 0, uint64_t(1) << s.bits};
        case Scheme::Log2: {
            const uint64_t n = (uint64_t(1) << s.bits) - 1;
            return {n, 0, n};
        }
        case Scheme::Binary: return {2, 0, 2};
        case Scheme::Ternary: return {3, 0, 3};
    }
    return {};
}

void finish_codes(QuantResult& r) {
    uint64_t total = 0, used = 0;
    for (uint64_t c : r.code_hist) {
        total += c;
        used += c > 0;
    }
    r.codes_used = used;
    double h = 0.0;
    if (total > 0)
        for (uint64_t c : r.code_hist)
            if (c > 0) {
                const double p = double(c) / double(total);
                h -= p * std::log2(p);
            }
    r.code_entropy_bits = h;
}

double storage_bits(const QuantSpec& s, uint64_t numel, uint64_t n_groups, uint64_t full_precision) {
    const double scale_bits = scale_storage_bits(s.scale_dtype);
    double bits = double(numel) * s.bits;
    switch (s.scheme) {
        case Scheme::Int:
            bits += double(n_groups) * scale_bits;
            if (!s.symmetric) bits += double(n_groups) * s.bits;  // zero point stored in the code width
            break;
        case Scheme::Fp:
            if (!s.fp_unscaled) bits += double(n_groups) * scale_bits;
            break;
        case Scheme::KMeans: bits += double(n_groups) * double(uint64_t(1) << s.bits) * scale_bits; break;
        default: bits += double(n_groups) * scale_bits; break;  // nf4, mx (e8m0), log2, binary, ternary
    }
    bits += double(full_precision) * 64.0;  // 32-bit index + 32-bit value each
    return bits;
}

void finish_size(const QuantSpec& s, QuantResult& r, uint64_t full_precision) {
    const double bits = storage_bits(s, r.numel, r.n_groups, full_precision);
    r.bits_per_weight = r.numel ? bits / double(r.numel) : 0.0;
    r.bytes = uint64_t(std::ceil(bits / 8.0));
}

double grid_error_factor(Rounding r) {
    return r == Rounding::NearestEven || r == Rounding::HalfAway ? 0.5 : 1.0;
}

}  // namespace qs::quant
