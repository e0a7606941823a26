// Number formats: exact minifloat encode/decode in double arithmetic (every
// float32 and every minifloat level is exact in a double, so the rounding
// decisions below are exact), E8M0, MX element descriptors, grid rounding and
// scale storage. Written for clarity; the fused kernels have their own
// vectorised versions that tests hold bit-identical to these.
#include "core/quant/formats.hpp"

#include "core/util/half.hpp"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <limits>

namespace qs::quant {

double stochastic_uniform(uint64_t seed, uint64_t index) {
    // splitmix64 of (seed, index): a well-mixed 64-bit value; keep 53 bits.
    uint64_t z = seed * 0x9E3779B97F4A7C15ull + index + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return double(z >> 11) * 0x1.0p-53;
}

float round_int(float v, Rounding mode, double u) {
    switch (mode) {
        case Rounding::NearestEven: return std::nearbyint(v);
        case Rounding::HalfAway: return std::round(v);
        case Rounding::Floor: return std::floor(v);
        case Rounding::Ceil: return std::ceil(v);
        case Rounding::Stochastic: {
            const float lo = std::floor(v);
            const float frac = v - lo;  // exact: the fractional bits of v
            return u < double(frac) ? lo + 1.0f : lo;
        }
    }
    return std::nearbyint(v);
}

// ----- minifloats -----

double Minifloat::max_finite() const {
    const int top = (1 << exp_bits) - 1;  // all-ones exponent field
    const double man_max = std::ldexp(1.0, man_bits);
    switch (specials) {
        case FpSpecials::IEEE:  // top exponent reserved
            return std::ldexp((2.0 * man_max - 1.0) / man_max, top - 1 - bias);
        case FpSpecials::FN:  // top exponent usable except mantissa all ones
            if (man_bits == 0) return std::ldexp(1.0, top - 1 - bias);  // S.1..1 is NaN, previous binade
            return std::ldexp((2.0 * man_max - 2.0) / man_max, top - bias);
        case FpSpecials::None: return std::ldexp((2.0 * man_max - 1.0) / man_max, top - bias);
    }
    return 0.0;
}

double Minifloat::min_normal() const { return std::ldexp(1.0, 1 - bias); }
double Minifloat::min_subnormal() const { return std::ldexp(1.0, 1 - bias - man_bits); }

int Minifloat::emax() const {
    int e = 0;
    std::frexp(max_finite(), &e);  // max = f * 2^e, f in [0.5, 1)
    return e - 1;
}

bool Minifloat::is_nan(uint32_t code) const {
    const uint32_t mag = code & ((1u << (exp_bits + man_bits)) - 1u);
    const uint32_t e = mag >> man_bits, m = mag & ((1u << man_bits) - 1u);
    const uint32_t top = (1u << exp_bits) - 1u;
    switch (specials) {
        case FpSpecials::IEEE: return e == top && m != 0;
        case FpSpecials::FN: return mag == (1u << (exp_bits + man_bits)) - 1u;
        case FpSpecials::None: return false;
    }
    return false;
}

bool Minifloat::is_inf(uint32_t code) const {
    if (specials != FpSpecials::IEEE) return false;
    const uint32_t mag = code & ((1u << (exp_bits + man_bits)) - 1u);
    return mag == ((1u << exp_bits) - 1u) << man_bits;
}

uint32_t Minifloat::finite_codes() const {
    uint32_t n = 0;
    for (uint32_t c = 0; c < code_count(); ++c) n += is_finite(c);
    return n;
}

float Minifloat::decode(uint32_t code) const {
    const bool neg = (code >> (exp_bits + man_bits)) & 1u;
    if (is_nan(code)) return std::numeric_limits<float>::quiet_NaN();
    if (is_inf(code)) return neg ? -INFINITY : INFINITY;
    const uint32_t e = (code >> man_bits) & ((1u << exp_bits) - 1u);
    const uint32_t m = code & ((1u << man_bits) - 1u);
    double mag = e == 0 ? std::ldexp(double(m), 1 - bias - man_bits)
                        : std::ldexp(double((1u << man_bits) + m), int(e) - bias - man_bits);
    return float(neg ? -mag : mag);
}

uint32_t Minifloat::encode(float v, Rounding mode, double u, bool* saturated) const {
    const bool neg = std::signbit(v);
    const uint32_t sign_bit = uint32_t(neg) << (exp_bits + man_bits);
    const double a = std::fabs(double(v));
    const double maxf = max_finite();
    if (saturated) *saturated = false;
    if (!std::isfinite(a)) {  // x * inv_scale overflowed: saturate
        if (saturated) *saturated = true;
        return encode(neg ? -float(maxf) : float(maxf), mode, u, nullptr);
    }

    // 1. The two neighbouring representable magnitudes lo_mag <= a <= hi_mag.
    //    Spacing in the binade of a: ulp = 2^(E - man_bits), E = max(floor(log2 a), emin).
    const int emin = 1 - bias;
    int E = emin;
    if (a > 0) {
        int k = 0;
        std::frexp(a, &k);  // a = f * 2^k, f in [0.5, 1)  =>  floor(log2 a) = k - 1
        E = std::max(k - 1, emin);
    }
    const double ulp = std::ldexp(1.0, E - man_bits);
    const double t = a / ulp;  // exact (power-of-two scaling)
    const double steps = std::floor(t);
    const double frac = t - steps;
    const double lo_mag = steps * ulp, hi_mag = (steps + 1.0) * ulp;

    // 2. Pick one under the rounding mode (decided on the signed value).
    bool up_mag;  // take hi_mag
    if (frac == 0.0) {
        up_mag = false;
    } else {
        switch (mode) {
            case Rounding::NearestEven:
                up_mag = frac > 0.5 || (frac == 0.5 && std::fmod(steps, 2.0) != 0.0);
                break;
            case Rounding::HalfAway: up_mag = frac >= 0.5; break;
            case Rounding::Floor: up_mag = neg; break;   // toward -inf: larger magnitude when negative
            case Rounding::Ceil: up_mag = !neg; break;   // toward +inf
            case Rounding::Stochastic: {
                // P(signed value rounds up) = distance above the lower neighbour
                const double p_up = neg ? 1.0 - frac : frac;
                const bool up = u < p_up;
                up_mag = neg ? !up : up;
                break;
            }
            default: up_mag = frac > 0.5; break;
        }
    }
    double r = up_mag ? hi_mag : lo_mag;

    // 3. Saturate at the largest finite magnitude.
    if (r > maxf) {
        r = maxf;
        if (saturated) *saturated = true;
    }

    // 4. Magnitude -> exponent and mantissa fields.
    uint32_t mag_code;
    if (r < min_normal()) {
        mag_code = uint32_t(r / min_subnormal());  // exponent field 0
    } else {
        int k = 0;
        std::frexp(r, &k);
        const int e = k - 1;
        const double m = r / std::ldexp(1.0, e - man_bits) - std::ldexp(1.0, man_bits);
        mag_code = (uint32_t(e + bias) << man_bits) | uint32_t(m);
    }
    return sign_bit | mag_code;
}

Minifloat minifloat_of(const QuantSpec& s) { return Minifloat{s.exp_bits, s.man_bits, s.exp_bias, s.fp_specials}; }

// ----- E8M0 -----

float e8m0_decode(uint8_t code) {
    if (code == 0xFF) return std::numeric_limits<float>::quiet_NaN();
    return std::ldexp(1.0f, int(code) - 127);
}

uint8_t e8m0_encode_exponent(int exponent) { return uint8_t(std::clamp(exponent, -127, 127) + 127); }

// ----- MX -----

MxFormat mx_format(MxElement e) {
    switch (e) {
        case MxElement::FP8_E4M3: return {e, 8, 8, false, kE4M3, 448.0};
        case MxElement::FP8_E5M2: return {e, 8, 15, false, kE5M2, 57344.0};
        case MxElement::FP6_E3M2: return {e, 6, 4, false, kE3M2, 28.0};
        case MxElement::FP6_E2M3: return {e, 6, 2, false, kE2M3, 7.5};
        case MxElement::FP4_E2M1: return {e, 4, 2, false, kE2M1, 6.0};
        case MxElement::INT8: return {e, 8, 0, true, kE4M3, 127.0 / 64.0};
    }
    return {e, 4, 2, false, kE2M1, 6.0};
}

// ----- grids -----

float float_below(double d) {
    float f = float(d);  // nearest
    if (double(f) > d) f = std::nextafter(f, -INFINITY);
    return f;
}

Grid grid_with_midpoints(std::vector<float> levels) {
    Grid g;
    g.levels = std::move(levels);
    for (size_t i = 0; i + 1 < g.levels.size(); ++i)
        g.decision.push_back(0.5 * (double(g.levels[i]) + double(g.levels[i + 1])));  // exact in double
    return g;
}

Grid log2_grid(int bits) {
    const int K = (1 << (bits - 1)) - 1;  // magnitudes 2^0 .. 2^-(K-1)
    Grid g;
    for (int k = 0; k < K; ++k) g.levels.push_back(-std::ldexp(1.0f, -k));
    g.levels.push_back(0.0f);
    for (int k = K - 1; k >= 0; --k) g.levels.push_back(std::ldexp(1.0f, -k));
    // decision points: geometric means between powers, half the smallest power next to 0
    for (size_t i = 0; i + 1 < g.levels.size(); ++i) {
        const double a = g.levels[i], b = g.levels[i + 1];
        double d;
        if (a == 0.0 || b == 0.0) d = 0.5 * (a + b);
        else d = (a < 0 ? -1.0 : 1.0) * std::sqrt(std::fabs(a) * std::fabs(b));  // 2^-(k+1/2), exact-rounded
        g.decision.push_back(d);
    }
    return g;
}

uint32_t round_to_grid(const Grid& g, float v, Rounding mode, double u, bool* saturated) {
    const auto& L = g.levels;
    const uint32_t n = uint32_t(L.size());
    if (saturated) *saturated = false;
    if (v < L.front()) {
        if (saturated) *saturated = true;
        return 0;
    }
    if (v > L.back()) {
        if (saturated) *saturated = true;
        return n - 1;
    }
    if (mode == Rounding::NearestEven || mode == Rounding::HalfAway) {
        // the number of decision points strictly below v (ties go to the lower level)
        uint32_t i = uint32_t(std::lower_bound(g.decision.begin(), g.decision.end(), double(v)) - g.decision.begin());
        if (mode == Rounding::HalfAway && i < g.decision.size() && g.decision[i] == double(v) && g.decision[i] > 0)
            ++i;  // a tie above zero goes up, away from zero
        return i;
    }
    // i = the last level <= v
    const uint32_t i = uint32_t(std::upper_bound(L.begin(), L.end(), v) - L.begin()) - 1;
    if (L[i] == v || i + 1 >= n) return i;
    switch (mode) {
        case Rounding::Floor: return i;
        case Rounding::Ceil: return i + 1;
        case Rounding::Stochastic: {
            const double p = (double(v) - L[i]) / (double(L[i + 1]) - L[i]);
            return u < p ? i + 1 : i;
        }
        default: return i;
    }
}

// ----- scales -----

float store_scale(double scale, ScaleDType dtype) {
    if (!(scale > 0.0) || !std::isfinite(scale)) return 0.0f;
    float s = float(scale);
    switch (dtype) {
        case ScaleDType::F32: break;
        case ScaleDType::F16: {
            const uint16_t h = float_to_half(s);
            s = (h & 0x7C00u) == 0x7C00u ? 65504.0f : half_to_float(h);
            break;
        }
        case ScaleDType::BF16: {
            const uint16_t b = float_to_bf16(s);
            s = (b & 0x7F80u) == 0x7F80u ? std::bit_cast<float>(0x7F7F0000u) : bf16_to_float(b);
            break;
        }
        case ScaleDType::E8M0: {
            int k = 0;
            const double f = std::frexp(scale, &k);  // scale = f * 2^k, f in [0.5, 1)
            const int e = f == 0.5 ? k - 1 : k;      // ceil(log2 scale)
            s = std::ldexp(1.0f, std::clamp(e, -127, 127));
            break;
        }
    }
    if (!(s >= FLT_MIN) || !std::isfinite(s)) return 0.0f;
    return s;
}

float store_value(double v, ScaleDType dtype) {
    if (!std::isfinite(v)) return 0.0f;
    const float f = float(v);
    switch (dtype) {
        case ScaleDType::F16: {
            const uint16_t h = float_to_half(f);
            if ((h & 0x7C00u) == 0x7C00u) return std::signbit(f) ? -65504.0f : 65504.0f;
            return half_to_float(h);
        }
        case ScaleDType::BF16: {
            const uint16_t b = float_to_bf16(f);
            if ((b & 0x7F80u) == 0x7F80u) return std::bit_cast<float>((std::signbit(f) ? 0x80000000u : 0u) | 0x7F7F0000u);
            return bf16_to_float(b);
        }
        default: return f;
    }
}

int scale_storage_bits(ScaleDType dtype) {
    switch (dtype) {
        case ScaleDType::F32: return 32;
        case ScaleDType::F16: return 16;
        case ScaleDType::BF16: return 16;
        case ScaleDType::E8M0: return 8;
    }
    return 32;
}

}  // namespace qs::quant
