// Lesson 1 (number formats): decoding, rounding and landmarks of float, integer
// and fixed-point layouts; see number_formats.hpp. All arithmetic is in double,
// which holds every value of every format here exactly.
#include "core/learn/number_formats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace qs::learn {

using quant::FpSpecials;
using quant::Rounding;

NumberFormat float_format(std::string name, int exp_bits, int man_bits, FpSpecials specials) {
    NumberFormat f;
    f.name = std::move(name);
    f.kind = FormatKind::Float;
    f.bits = 1 + exp_bits + man_bits;
    f.exp_bits = exp_bits;
    f.man_bits = man_bits;
    f.bias = (1 << (exp_bits - 1)) - 1;
    f.specials = specials;
    return f;
}

NumberFormat fixed_point(int bits, int frac_bits) {
    bits = std::clamp(bits, 2, 32);
    frac_bits = std::clamp(frac_bits, 0, bits - 1);
    NumberFormat f;
    f.name = fmt::format("Q{}.{}", bits - 1 - frac_bits, frac_bits);
    f.kind = FormatKind::Fixed;
    f.bits = bits;
    f.frac_bits = frac_bits;
    f.note = fmt::format("{}-bit two's complement integer times 2^-{}: evenly spaced, fixed range", bits, frac_bits);
    return f;
}

const std::vector<NumberFormat>& number_formats() {
    static const std::vector<NumberFormat> formats = [] {
        std::vector<NumberFormat> v;
        auto add = [&](NumberFormat f, std::string note) {
            f.note = std::move(note);
            v.push_back(std::move(f));
        };
        add(float_format("FP32", 8, 23, FpSpecials::IEEE), "IEEE 754 binary32: the training default");
        add(float_format("TF32", 8, 10, FpSpecials::IEEE),
            "NVIDIA TensorFloat-32 (Ampere tensor cores): FP32's range, FP16's precision, 19 bits");
        add(float_format("FP16", 5, 10, FpSpecials::IEEE), "IEEE 754 binary16: half precision");
        add(float_format("BF16", 8, 7, FpSpecials::IEEE), "bfloat16 (Google Brain): FP32's range, 8 bits of precision");
        add(float_format("FP8 E4M3", 4, 3, FpSpecials::FN),
            "OCP 8-bit float (2023): no Inf, only S.1111.111 is NaN, max 448; weights and activations");
        add(float_format("FP8 E5M2", 5, 2, FpSpecials::IEEE),
            "OCP 8-bit float: IEEE-style Inf/NaN, max 57344; gradients (more range)");
        add(float_format("FP6 E3M2", 3, 2, FpSpecials::None), "OCP MX 6-bit float: no Inf/NaN, max 28");
        add(float_format("FP6 E2M3", 2, 3, FpSpecials::None), "OCP MX 6-bit float: no Inf/NaN, max 7.5");
        add(float_format("FP4 E2M1", 2, 1, FpSpecials::None), "OCP MX 4-bit float: 15 values, max 6");
        NumberFormat i8;
        i8.name = "INT8";
        i8.kind = FormatKind::TwosComplement;
        i8.bits = 8;
        add(i8, "two's complement: -128..127, one zero; what int8 hardware multiplies");
        NumberFormat sm;
        sm.name = "INT8 sign-magnitude";
        sm.kind = FormatKind::SignMagnitude;
        sm.bits = 8;
        add(sm, "sign bit + 7-bit magnitude: -127..127, two zeros (+0 and -0)");
        NumberFormat q = fixed_point(8, 4);
        add(q, q.note);
        return v;
    }();
    return formats;
}

std::string_view value_class_name(ValueClass c) {
    switch (c) {
        case ValueClass::Zero: return "zero";
        case ValueClass::Subnormal: return "subnormal";
        case ValueClass::Normal: return "normal";
        case ValueClass::Inf: return "infinity";
        case ValueClass::NaN: return "NaN";
        case ValueClass::Integer: return "integer";
    }
    return "?";
}

namespace {

uint32_t mask(int bits) { return bits >= 32 ? 0xFFFFFFFFu : (1u << bits) - 1u; }

// Largest exponent field that holds finite numbers and the largest mantissa there.
uint32_t max_exp_field(const NumberFormat& f) {
    const uint32_t all = mask(f.exp_bits);
    return f.specials == FpSpecials::IEEE ? all - 1 : all;
}
uint32_t max_man_at_top(const NumberFormat& f) {
    const uint32_t all = mask(f.man_bits);
    return f.specials == FpSpecials::FN ? all - 1 : all;
}

double float_max(const NumberFormat& f) {
    const int e = int(max_exp_field(f)) - f.bias;
    return std::ldexp(double((uint64_t(1) << f.man_bits) + max_man_at_top(f)), e - f.man_bits);
}

int64_t int_min(const NumberFormat& f) {
    return f.kind == FormatKind::SignMagnitude ? -int64_t(mask(f.bits - 1)) : -(int64_t(1) << (f.bits - 1));
}
int64_t int_max(const NumberFormat& f) { return int64_t(mask(f.bits - 1)); }
double int_unit(const NumberFormat& f) { return f.kind == FormatKind::Fixed ? std::ldexp(1.0, -f.frac_bits) : 1.0; }

uint32_t int_code(const NumberFormat& f, int64_t q) {
    if (f.kind == FormatKind::SignMagnitude)
        return q < 0 ? (uint32_t(1) << (f.bits - 1)) | uint32_t(-q) : uint32_t(q);
    return uint32_t(q) & mask(f.bits);
}

// Round t >= 0 (in units) to an integer under `mode` for a value of sign `neg`.
double round_units(double t, bool neg, Rounding mode) {
    const double lo = std::floor(t), frac = t - lo;
    if (frac == 0) return lo;
    bool up;
    switch (mode) {
        case Rounding::HalfAway: up = frac >= 0.5; break;
        case Rounding::Floor: up = neg; break;
        case Rounding::Ceil: up = !neg; break;
        default: up = frac > 0.5 || (frac == 0.5 && std::fmod(lo, 2.0) != 0.0); break;
    }
    return up ? lo + 1 : lo;
}

Encoded encode_float(const NumberFormat& f, double x, Rounding mode) {
    Encoded r;
    const uint32_t sign = uint32_t(std::signbit(x)) << (f.bits - 1);
    const uint32_t exp_all = mask(f.exp_bits), man_all = mask(f.man_bits);
    if (std::isnan(x)) {
        if (f.specials == FpSpecials::None) {  // no NaN code: the lesson shows 0 and flags it
            r.overflow = true;
            return r;
        }
        r.code = (exp_all << f.man_bits) | (f.specials == FpSpecials::FN ? man_all : (1u << (f.man_bits - 1)));
        r.value = std::numeric_limits<double>::quiet_NaN();
        return r;
    }
    const bool neg = std::signbit(x);
    const double a = std::fabs(x);
    const double maxf = float_max(f);
    auto overflowed = [&]() {
        r.overflow = true;
        if (f.specials == FpSpecials::IEEE) {
            r.code = sign | (exp_all << f.man_bits);
            r.value = neg ? -INFINITY : INFINITY;
        } else {
            r.code = sign | (max_exp_field(f) << f.man_bits) | max_man_at_top(f);
            r.value = neg ? -maxf : maxf;
        }
        r.error = r.value - x;
        return r;
    };
    if (std::isinf(a)) return overflowed();
    const int emin = 1 - f.bias;
    int E = emin;
    if (a > 0) {
        int k = 0;
        std::frexp(a, &k);
        E = std::max(k - 1, emin);
    }
    const double ulp = std::ldexp(1.0, E - f.man_bits);
    const double mag = round_units(a / ulp, neg, mode) * ulp;
    if (mag > maxf) {
        // IEEE: round-to-nearest overflows to Inf only past max + ulp/2 (already decided
        // by the rounding above); directed modes toward zero stay at max.
        const bool toward_zero = (mode == Rounding::Floor && !neg) || (mode == Rounding::Ceil && neg);
        if (toward_zero) {
            r.code = sign | (max_exp_field(f) << f.man_bits) | max_man_at_top(f);
            r.value = neg ? -maxf : maxf;
            r.error = r.value - x;
            return r;
        }
        return overflowed();
    }
    uint32_t e_field = 0, m_field = 0;
    if (mag > 0) {
        int k = 0;
        std::frexp(mag, &k);
        const int Em = k - 1;
        if (Em < emin) {
            m_field = uint32_t(mag / std::ldexp(1.0, emin - f.man_bits));
        } else {
            e_field = uint32_t(Em + f.bias);
            m_field = uint32_t(mag / std::ldexp(1.0, Em - f.man_bits)) - (1u << f.man_bits);
        }
    }
    r.code = sign | (e_field << f.man_bits) | m_field;
    r.value = neg ? -mag : mag;
    r.error = r.value - x;
    r.underflow = mag == 0 && a > 0;
    return r;
}

}  // namespace

Decoded decode(const NumberFormat& f, uint32_t code) {
    Decoded d;
    code &= mask(f.bits);
    if (f.kind != FormatKind::Float) {
        int64_t q;
        if (f.kind == FormatKind::SignMagnitude) {
            const int64_t m = int64_t(code & mask(f.bits - 1));
            d.negative = (code >> (f.bits - 1)) & 1u;
            q = d.negative ? -m : m;
        } else {
            q = int64_t(code);
            if (code >> (f.bits - 1)) q -= int64_t(1) << f.bits;
            d.negative = q < 0;
        }
        d.value = double(q) * int_unit(f);
        d.cls = q == 0 ? ValueClass::Zero : ValueClass::Integer;
        if (f.kind == FormatKind::Fixed)
            d.formula = fmt::format("{} x 2^-{} = {}", q, f.frac_bits, d.value);
        else if (f.kind == FormatKind::SignMagnitude)
            d.formula = fmt::format("{}{}", d.negative ? "-" : "+", code & mask(f.bits - 1));
        else
            d.formula = fmt::format("{}{} = {}", (code >> (f.bits - 1)) ? fmt::format("-2^{} + ", f.bits - 1) : "",
                                    code & mask(f.bits - 1), q);
        return d;
    }
    d.negative = (code >> (f.bits - 1)) & 1u;
    d.exp_field = (code >> f.man_bits) & mask(f.exp_bits);
    d.man_field = code & mask(f.man_bits);
    const uint32_t exp_all = mask(f.exp_bits);
    const double s = d.negative ? -1.0 : 1.0;
    const int sb = d.negative ? 1 : 0;
    if (f.specials == FpSpecials::IEEE && d.exp_field == exp_all) {
        d.cls = d.man_field == 0 ? ValueClass::Inf : ValueClass::NaN;
        d.value = d.man_field == 0 ? s * INFINITY : std::numeric_limits<double>::quiet_NaN();
        d.formula = d.man_field == 0 ? "exponent all ones, mantissa 0: infinity" : "exponent all ones, mantissa != 0: NaN";
        return d;
    }
    if (f.specials == FpSpecials::FN && d.exp_field == exp_all && d.man_field == mask(f.man_bits)) {
        d.cls = ValueClass::NaN;
        d.value = std::numeric_limits<double>::quiet_NaN();
        d.formula = "S.1111.111: the only NaN (no infinities in E4M3)";
        return d;
    }
    const double frac = std::ldexp(double(d.man_field), -f.man_bits);
    if (d.exp_field == 0) {
        d.exponent = 1 - f.bias;
        d.significand = frac;
        d.cls = d.man_field == 0 ? ValueClass::Zero : ValueClass::Subnormal;
        d.value = s * std::ldexp(frac, d.exponent);
        d.formula = fmt::format("(-1)^{} x 2^(1-{}) x 0.{} = {}", sb, f.bias,
                                fmt::format("{:0{}b}", d.man_field, f.man_bits), d.value);
    } else {
        d.exponent = int(d.exp_field) - f.bias;
        d.significand = 1.0 + frac;
        d.cls = ValueClass::Normal;
        d.value = s * std::ldexp(d.significand, d.exponent);
        d.formula = fmt::format("(-1)^{} x 2^({}-{}) x {} = {}", sb, d.exp_field, f.bias, d.significand, d.value);
    }
    return d;
}

Encoded encode(const NumberFormat& f, double x, Rounding mode) {
    if (f.kind == FormatKind::Float) return encode_float(f, x, mode);
    Encoded r;
    if (std::isnan(x)) {
        r.overflow = true;
        return r;
    }
    const double unit = int_unit(f);
    const bool neg = std::signbit(x);
    const double t = std::fabs(x) / unit;
    double q = std::isinf(t) ? INFINITY : round_units(t, neg, mode);
    if (neg) q = -q;
    const double lo = double(int_min(f)), hi = double(int_max(f));
    if (q < lo || q > hi) r.overflow = true;
    q = std::clamp(q, lo, hi);
    r.code = int_code(f, int64_t(q));
    if (f.kind == FormatKind::SignMagnitude && neg && q == 0) r.code = 1u << (f.bits - 1);  // -0 keeps its sign
    r.value = q * unit;
    r.error = r.value - x;
    r.underflow = q == 0 && x != 0;
    return r;
}

FormatStats format_stats(const NumberFormat& f) {
    FormatStats s;
    s.codes = uint64_t(1) << f.bits;
    if (f.kind == FormatKind::Float) {
        s.max_finite = float_max(f);
        s.min_finite = -s.max_finite;
        s.min_normal = std::ldexp(1.0, 1 - f.bias);
        s.min_subnormal = std::ldexp(1.0, 1 - f.bias - f.man_bits);
        s.has_inf = f.specials == FpSpecials::IEEE;
        const uint64_t man_codes = uint64_t(1) << f.man_bits;
        s.nan_codes = f.specials == FpSpecials::IEEE ? 2 * (man_codes - 1) : f.specials == FpSpecials::FN ? 2 : 0;
        s.finite_codes = s.codes - s.nan_codes - (s.has_inf ? 2 : 0);
        s.distinct_values = s.finite_codes - 1;
        s.decimal_digits = double(f.man_bits + 1) * std::log10(2.0);
    } else {
        const double unit = int_unit(f);
        s.max_finite = double(int_max(f)) * unit;
        s.min_finite = double(int_min(f)) * unit;
        s.min_normal = s.min_subnormal = unit;
        s.finite_codes = s.codes;
        s.distinct_values = f.kind == FormatKind::SignMagnitude ? s.codes - 1 : s.codes;
        s.decimal_digits = double(f.bits - 1) * std::log10(2.0);
    }
    s.epsilon = spacing_at(f, 1.0);
    s.dynamic_range_db = 20.0 * std::log10(s.max_finite / s.min_subnormal);
    return s;
}

double spacing_at(const NumberFormat& f, double x) {
    const double a = std::fabs(x);
    if (f.kind != FormatKind::Float) {
        const double unit = int_unit(f);
        return a >= double(int_max(f)) * unit ? 0.0 : unit;
    }
    if (!(a < float_max(f))) return 0.0;
    const int emin = 1 - f.bias;
    int E = emin;
    if (a > 0) {
        int k = 0;
        std::frexp(a, &k);
        E = std::max(k - 1, emin);
    }
    return std::ldexp(1.0, E - f.man_bits);
}

std::vector<double> all_values(const NumberFormat& f) {
    std::vector<double> v;
    if (f.bits > 16) return v;
    const uint32_t n = 1u << f.bits;
    v.reserve(n);
    for (uint32_t c = 0; c < n; ++c) {
        const Decoded d = decode(f, c);
        if (std::isfinite(d.value)) v.push_back(d.value == 0 ? 0.0 : d.value);
    }
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

std::string bit_string(const NumberFormat& f, uint32_t code) {
    std::string s;
    for (int i = f.bits - 1; i >= 0; --i) {
        s.push_back(((code >> i) & 1u) ? '1' : '0');
        const bool boundary = f.kind == FormatKind::Float ? (i == f.bits - 1 || (i == f.man_bits && f.man_bits > 0))
                              : f.kind == FormatKind::SignMagnitude ? i == f.bits - 1
                              : f.kind == FormatKind::Fixed ? (i == f.frac_bits && i > 0)
                                                            : false;
        if (boundary && i > 0) s.push_back(' ');
    }
    return s;
}

}  // namespace qs::learn
