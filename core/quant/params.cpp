// Group parameters from a clip range and the scalar element quantizer (params.hpp).
#include "core/quant/params.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace qs::quant {

IntRange int_range(const QuantSpec& s) {
    const int b = s.bits;
    if (!s.is_signed) return {0, int32_t((int64_t(1) << b) - 1)};
    const int32_t half = int32_t(int64_t(1) << (b - 1));
    if (s.symmetric && s.restricted) return {-(half - 1), half - 1};
    return {-half, half - 1};
}

GroupParams clip_params(const QuantSpec& s, double lo, double hi) {
    GroupParams p;
    const double amax = std::max(std::fabs(lo), std::fabs(hi));
    switch (s.scheme) {
        case Scheme::Int: {
            const IntRange r = int_range(s);
            if (s.symmetric) {
                if (s.is_signed) {
                    const double denom = s.restricted ? double(r.qmax) : (double(r.qmax) - double(r.qmin)) / 2.0;
                    p.scale = store_scale(amax / denom, s.scale_dtype);
                    p.clip_lo = -amax;
                    p.clip_hi = amax;
                } else {
                    const double c = std::max(hi, 0.0);
                    p.scale = store_scale(c / double(r.qmax), s.scale_dtype);
                    p.clip_lo = 0.0;
                    p.clip_hi = c;
                }
            } else {
                const double l = std::min(lo, 0.0), h = std::max(hi, 0.0);
                p.scale = store_scale((h - l) / (double(r.qmax) - double(r.qmin)), s.scale_dtype);
                double zp = std::clamp(0.0, double(r.qmin), double(r.qmax));
                if (p.scale > 0.0f) zp = std::clamp(double(r.qmin) - std::nearbyint(l / double(p.scale)),
                                                    double(r.qmin), double(r.qmax));
                p.zero_point = float(zp);
                p.clip_lo = l;
                p.clip_hi = h;
            }
            break;
        }
        case Scheme::Fp: {
            const double maxf = minifloat_of(s).max_finite();
            if (s.fp_unscaled) {
                p.scale = 1.0f;
                p.clip_lo = -maxf;
                p.clip_hi = maxf;
            } else {
                p.scale = store_scale(amax / maxf, s.scale_dtype);
                p.clip_lo = -amax;
                p.clip_hi = amax;
            }
            break;
        }
        default:  // nf4, log2: the largest level is +-1
            p.scale = store_scale(amax, s.scale_dtype);
            p.clip_lo = -amax;
            p.clip_hi = amax;
            break;
    }
    p.inv_scale = p.scale > 0.0f ? 1.0f / p.scale : 0.0f;
    return p;
}

double error_bound_for_range(const QuantSpec& s, double lo, double hi) {
    if (s.clip_lo && s.clip_hi) {
        lo = *s.clip_lo;
        hi = *s.clip_hi;
    }
    const double factor = s.rounding == Rounding::NearestEven || s.rounding == Rounding::HalfAway ? 0.5 : 1.0;
    const double amax = std::max(std::fabs(lo), std::fabs(hi));
    switch (s.scheme) {
        case Scheme::Int: return clip_params(s, lo, hi).scale * factor;
        case Scheme::Fp: {
            const Minifloat f = minifloat_of(s);
            return std::ldexp(1.0, f.emax() - f.man_bits) * clip_params(s, lo, hi).scale * factor;
        }
        case Scheme::NF4: return (1.0 - double(kNF4Levels[14])) * clip_params(s, lo, hi).scale * factor;
        case Scheme::Log2: return 0.5 * clip_params(s, lo, hi).scale * factor;
        case Scheme::MX: {
            const MxFormat m = mx_format(s.mx_element);
            if (!(amax > 0.0)) return 0.0;
            int k = 0;
            std::frexp(amax, &k);
            const double X = std::ldexp(1.0, std::clamp(k - 1 - m.emax, -127, 127));
            return (m.is_int ? 0.015625 : std::ldexp(1.0, m.fp.emax() - m.fp.man_bits)) * X * factor;
        }
        case Scheme::Binary:
        case Scheme::Ternary: return amax;
        case Scheme::KMeans: return 0.0;
    }
    return 0.0;
}

double kmeans_error_bound(const std::vector<float>& book, double min, double max, Rounding r) {
    if (book.empty()) return 0.0;
    const double factor = r == Rounding::NearestEven || r == Rounding::HalfAway ? 0.5 : 1.0;
    double gap = 0.0;
    for (size_t i = 1; i < book.size(); ++i) gap = std::max(gap, double(book[i]) - double(book[i - 1]));
    return std::max({gap * factor, double(book.front()) - min, max - double(book.back())});
}

ElementQuantizer::ElementQuantizer(const QuantSpec& s) : spec(s) {
    switch (s.scheme) {
        case Scheme::Int: range = int_range(s); break;
        case Scheme::Fp: fp = minifloat_of(s); break;
        case Scheme::MX: mx = mx_format(s.mx_element); fp = mx.fp; break;
        case Scheme::NF4: grid = grid_with_midpoints({kNF4Levels.begin(), kNF4Levels.end()}); break;
        case Scheme::Log2: grid = log2_grid(s.bits); break;
        default: break;
    }
}

float ElementQuantizer::quantize_with_grid(const Grid& g, const GroupParams& p, float x, double u, int32_t* code,
                                           bool* saturated) const {
    const float v = x * p.inv_scale;
    const uint32_t i = round_to_grid(g, v, spec.rounding, u, saturated);
    *code = int32_t(i);
    return g.levels[i] * p.scale;
}

float ElementQuantizer::quantize(const GroupParams& p, float x, double u, int32_t* code, bool* saturated) const {
    switch (spec.scheme) {
        case Scheme::Int: {
            const float v = x * p.inv_scale;
            float q = round_int(v, spec.rounding, u) + p.zero_point;
            *saturated = q < float(range.qmin) || q > float(range.qmax);
            q = std::clamp(q, float(range.qmin), float(range.qmax));
            *code = int32_t(q);
            return (q - p.zero_point) * p.scale;
        }
        case Scheme::Fp: {
            const uint32_t c = fp.encode(x * p.inv_scale, spec.rounding, u, saturated);
            *code = int32_t(c);
            return fp.decode(c) * p.scale;
        }
        case Scheme::MX: {
            if (mx.is_int) {
                const float w = (x * p.inv_scale) * 64.0f;
                float q = round_int(w, spec.rounding, u);
                *saturated = q < -127.0f || q > 127.0f;
                q = std::clamp(q, -127.0f, 127.0f);
                *code = int32_t(q) & 0xFF;  // two's complement byte
                return (q * 0.015625f) * p.scale;
            }
            const uint32_t c = fp.encode(x * p.inv_scale, spec.rounding, u, saturated);
            *code = int32_t(c);
            return fp.decode(c) * p.scale;
        }
        case Scheme::NF4:
        case Scheme::Log2: return quantize_with_grid(grid, p, x, u, code, saturated);
        case Scheme::Binary:
            *saturated = false;
            *code = x >= 0.0f ? 1 : 0;
            return x >= 0.0f ? p.scale : -p.scale;
        case Scheme::Ternary: {
            *saturated = false;
            const double ax = std::fabs(double(x));
            if (ax > p.threshold) {
                *code = x > 0.0f ? 2 : 0;
                return x > 0.0f ? p.scale : -p.scale;
            }
            *code = 1;
            return 0.0f;
        }
        case Scheme::KMeans: break;  // needs the group's codebook: quantize_with_grid
    }
    *code = 0;
    *saturated = false;
    return 0.0f;
}

}  // namespace qs::quant
