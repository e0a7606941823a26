// Number formats the quantizers round to: minifloats of any exponent/mantissa/
// bias/special-value layout (FP8 E4M3 and E5M2 per the OCP 8-bit spec, FP6
// E3M2/E2M3, FP4 E2M1), the E8M0 shared scale, the NF4 table, MX element formats,
// and rounding onto a sorted grid of levels (NF4, k-means codebooks, log2).
// Definitions follow docs/quantspec.md; formats.md section 7 lists the tables.
#pragma once

#include "core/quant/spec.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace qs::quant {

// A code that was not produced by the quantizer: the element was kept in full
// precision (an outlier) or was NaN/Inf and passed through unchanged.
inline constexpr int32_t kNoCode = INT32_MIN;

// ---------------------------------------------------------------------------
// Rounding of one real value v that lies between two neighbouring levels.
// u is the element's uniform draw in [0, 1) (used by Rounding::Stochastic only).
// ---------------------------------------------------------------------------

// Uniform in [0, 1) for element `index` under `seed`: a counter-based hash
// (splitmix64), so the draw depends only on (seed, index), never on threading.
double stochastic_uniform(uint64_t seed, uint64_t index);

// Round to an integer under `mode`. NearestEven matches std::nearbyint in the
// default environment (and torch.fake_quantize); stochastic rounds up with
// probability equal to the fractional part: up iff u < v - floor(v).
float round_int(float v, Rounding mode, double u);

// ---------------------------------------------------------------------------
// Minifloats: sign, exp_bits exponent, man_bits mantissa, exponent bias.
// value = (-1)^s * 2^(e - bias) * (1 + m / 2^man_bits)   for exponent field e >= 1
//       = (-1)^s * 2^(1 - bias) * (m / 2^man_bits)       for e == 0 (subnormal)
// specials: IEEE = exponent all ones is Inf (m == 0) / NaN; FN = only S.1..1.1..1 is
// NaN, no Inf (OCP E4M3); None = every code is a finite number (FP6, FP4).
// Codes are bit patterns: sign << (exp_bits + man_bits) | e << man_bits | m.
// ---------------------------------------------------------------------------
struct Minifloat {
    int exp_bits = 4;
    int man_bits = 3;
    int bias = 7;
    FpSpecials specials = FpSpecials::FN;

    int bits() const { return 1 + exp_bits + man_bits; }
    uint32_t code_count() const { return 1u << bits(); }
    double max_finite() const;     // 448 for E4M3, 57344 for E5M2, 6 for E2M1
    double min_normal() const;     // 2^(1 - bias)
    double min_subnormal() const;  // 2^(1 - bias - man_bits)
    int emax() const;              // floor(log2(max_finite)): 8 for E4M3 (the OCP MX "emax_elem")
    bool is_nan(uint32_t code) const;
    bool is_inf(uint32_t code) const;
    bool is_finite(uint32_t code) const { return !is_nan(code) && !is_inf(code); }
    uint32_t finite_codes() const;  // codes that decode to a finite value (both zeros counted)
    float decode(uint32_t code) const;  // NaN/Inf for special codes

    // Rounds a finite v to this format under `mode`, saturating at +-max_finite
    // (OCP "saturating" conversion). *saturated is set when the rounded magnitude
    // would have exceeded max_finite. The sign of v is kept (so -tiny -> -0).
    uint32_t encode(float v, Rounding mode, double u, bool* saturated) const;
};

inline constexpr Minifloat kE4M3{4, 3, 7, FpSpecials::FN};
inline constexpr Minifloat kE5M2{5, 2, 15, FpSpecials::IEEE};
inline constexpr Minifloat kE3M2{3, 2, 3, FpSpecials::None};
inline constexpr Minifloat kE2M3{2, 3, 1, FpSpecials::None};
inline constexpr Minifloat kE2M1{2, 1, 1, FpSpecials::None};

// The element format of an fp spec (exp_bits, man_bits, exp_bias, fp_specials).
Minifloat minifloat_of(const QuantSpec& s);

// ---------------------------------------------------------------------------
// E8M0: an unsigned power of two, value = 2^(code - 127); code 0xFF is NaN.
// ---------------------------------------------------------------------------
float e8m0_decode(uint8_t code);
// Exponent clamped to the representable [-127, 127].
uint8_t e8m0_encode_exponent(int exponent);

// ---------------------------------------------------------------------------
// NF4 (QLoRA, bitsandbytes): 16 levels in [-1, 1], code 7 is exactly 0.
// ---------------------------------------------------------------------------
inline constexpr std::array<float, 16> kNF4Levels{
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
    -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
    0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
    0.7229568362236023f, 1.0f};

// ---------------------------------------------------------------------------
// OCP MX element formats. A block of k values shares X = 2^(floor(log2 amax) - emax);
// element i stores P_i = round(x_i / X) in the element format, value X * P_i.
// MXINT8 elements are int8 read as fixed point times 2^-6 (max 127/64).
// ---------------------------------------------------------------------------
struct MxFormat {
    MxElement element;
    int bits;         // element bits
    int emax;         // exponent of the element's largest power of two (8, 15, 4, 2, 2, 0)
    bool is_int;      // MXINT8
    Minifloat fp;     // element minifloat (unused for INT8)
    double max_value; // largest element magnitude (448, 57344, 28, 7.5, 6, 127/64)
};
MxFormat mx_format(MxElement e);

// ---------------------------------------------------------------------------
// Rounding onto a sorted grid of levels (NF4, k-means codebooks, log2 levels).
// `decision[i]` separates levels i and i+1 for the nearest modes (the midpoint
// for NF4 and k-means, the geometric mean for log2 levels); a value exactly on a
// decision point goes to the lower level (NearestEven, as bitsandbytes' `x > t`
// tests: the code is the number of decision points below v) or away from zero
// (HalfAway). Floor/Ceil take the level below/above;
// Stochastic goes up with probability (v - lo) / (hi - lo). Values outside
// [levels.front(), levels.back()] take the end level and set *saturated.
// ---------------------------------------------------------------------------
struct Grid {
    std::vector<float> levels;     // ascending
    std::vector<double> decision;  // levels.size() - 1 decision points
};
Grid grid_with_midpoints(std::vector<float> levels);
uint32_t round_to_grid(const Grid& g, float v, Rounding mode, double u, bool* saturated);

// The log2 grid for `bits`: 0 and +-2^-k for k = 0 .. 2^(bits-1) - 2 (so 2^bits - 1
// levels), with decision points at the geometric means 2^-(k + 1/2) and, between 0
// and the smallest power, at its half.
Grid log2_grid(int bits);

// Largest float <= d (for turning a double decision point into a float compare:
// for float v, v > d  <=>  v > float_below(d)).
float float_below(double d);

// Round a scale for storage: fp32 (round to nearest), fp16/bf16 (via fp32, round
// to nearest even, fp16 saturating at 65504), e8m0 (up to the next power of two,
// so no value clips). Returns 0 for a scale that is zero, below the smallest
// normal float (2^-126) after rounding, or not finite.
float store_scale(double scale, ScaleDType dtype);
int scale_storage_bits(ScaleDType dtype);
// Round a signed value (a k-means codebook entry) to fp32/fp16/bf16 storage,
// saturating at the type's largest finite value. (e8m0 has no sign: not allowed.)
float store_value(double v, ScaleDType dtype);

}  // namespace qs::quant
