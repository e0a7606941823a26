// Lesson 1 (number formats): bit layouts of the formats a quantization lecture
// covers (IEEE FP32/FP16, BF16, TF32, OCP FP8 E4M3/E5M2, FP6 E3M2/E2M3, FP4 E2M1,
// INT8 two's complement and sign-magnitude, signed fixed point), decoding any bit
// pattern, rounding any real number into a format, and the format's landmarks
// (range, smallest normal/subnormal, spacing, every value of a small format).
//
// Written here rather than through quant::Minifloat because the lesson needs
// 32-bit codes (FP32) and exact rounding from a typed double (Minifloat::encode
// takes a float); tests cross-check both on every format Minifloat covers.
#pragma once

#include "core/quant/spec.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs::learn {

enum class FormatKind : uint8_t {
    Float,          // sign | exponent | mantissa
    TwosComplement, // integer, value = -b[n-1] 2^(n-1) + sum b[i] 2^i
    SignMagnitude,  // integer, sign bit then |value| (two zeros)
    Fixed,          // two's complement integer times 2^-frac_bits
};

struct NumberFormat {
    std::string name;              // "FP16", "FP8 E4M3", "Q3.4"
    FormatKind kind = FormatKind::Float;
    int bits = 8;                  // total bits (<= 32)
    int exp_bits = 0, man_bits = 0, bias = 0;      // Float
    quant::FpSpecials specials = quant::FpSpecials::IEEE;
    int frac_bits = 0;             // Fixed
    std::string note;              // one line: who defined it, where it is used
};

// The lesson's formats, in menu order: FP32, TF32, FP16, BF16, FP8 E4M3, FP8 E5M2,
// FP6 E3M2, FP6 E2M3, FP4 E2M1, INT8, INT8 sign-magnitude, Q3.4 (8-bit fixed point).
const std::vector<NumberFormat>& number_formats();
// Signed fixed point with `bits` in total and `frac_bits` after the point (Qm.n,
// m = bits - 1 - frac_bits integer bits), 2 <= bits <= 32, 0 <= frac_bits < bits.
NumberFormat fixed_point(int bits, int frac_bits);
// A float layout 1 + exp_bits + man_bits <= 32, bias 2^(exp_bits-1) - 1 by default.
NumberFormat float_format(std::string name, int exp_bits, int man_bits, quant::FpSpecials specials);

enum class ValueClass : uint8_t { Zero, Subnormal, Normal, Inf, NaN, Integer };
std::string_view value_class_name(ValueClass c);

// What a bit pattern means.
struct Decoded {
    double value = 0;
    ValueClass cls = ValueClass::Zero;
    bool negative = false;
    uint32_t exp_field = 0, man_field = 0;  // Float: raw fields
    int exponent = 0;        // Float: the power of two applied (1 - bias for subnormals)
    double significand = 0;  // Float: 1.m (normal) or 0.m (subnormal)
    std::string formula;     // "(-1)^0 x 2^(15-15) x 1.5 = 1.5"
};
Decoded decode(const NumberFormat& f, uint32_t code);

// Rounding a real number into the format.
struct Encoded {
    uint32_t code = 0;
    double value = 0;        // the decoded code
    double error = 0;        // value - x (0 for NaN)
    bool overflow = false;   // |x| beyond the largest finite: Inf (IEEE floats) or saturated
    bool underflow = false;  // nonzero x rounded to zero
};
// Floats round to nearest even by default and overflow to Inf when the format has
// Inf (IEEE, as numpy/torch casts do) or saturate to the largest finite (OCP FN
// and FP6/FP4, the OCP "saturating" conversion). Integers and fixed point clamp.
// Rounding::Stochastic is taken as NearestEven here (a single cast).
Encoded encode(const NumberFormat& f, double x, quant::Rounding mode = quant::Rounding::NearestEven);

struct FormatStats {
    double max_finite = 0;       // largest finite value
    double min_finite = 0;       // most negative finite value
    double min_normal = 0;       // smallest positive normal (Float) / smallest positive step (Int, Fixed)
    double min_subnormal = 0;    // smallest positive subnormal (Float; = min_normal otherwise)
    double epsilon = 0;          // spacing just above 1 (0 for formats that cannot hold 1... see below)
    double decimal_digits = 0;   // log10(2^(man_bits+1)) for floats, log10(2^(bits-1)) else
    double dynamic_range_db = 0; // 20 log10(max_finite / min_subnormal)
    uint64_t codes = 0;          // 2^bits
    uint64_t finite_codes = 0;   // codes that decode to a finite number
    uint64_t distinct_values = 0;// distinct finite values (+0 and -0 counted once)
    bool has_inf = false;
    uint64_t nan_codes = 0;
};
FormatStats format_stats(const NumberFormat& f);

// Distance from |x| to the next representable magnitude above it (the ulp at x);
// 0 when |x| is at or beyond the largest finite.
double spacing_at(const NumberFormat& f, double x);

// Every distinct finite value, ascending (-0 folded into 0). Refused (empty) for
// formats over 16 bits.
std::vector<double> all_values(const NumberFormat& f);

// "0 01111 1000000000" style: the code's bits, groups separated by spaces.
std::string bit_string(const NumberFormat& f, uint32_t code);

}  // namespace qs::learn
