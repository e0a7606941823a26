// QuantSpec: a plain value describing one quantization scheme completely.
// The same value drives the GUI's spec panel, the CLI's --spec, the planner's
// candidates and the exporters. Comparable, hashable, and serialisable to JSON
// and to a compact text form ("int4:sym:group=128:calib=mse"); see docs/quantspec.md.
#pragma once

#include "core/util/result.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace qs::quant {

enum class Scheme : uint8_t {
    Int,      // uniform integer grid: x^ = scale * (q - zero_point)
    Fp,       // minifloat elements (exp_bits, man_bits, bias, specials) times a scale
    NF4,      // 16 NormalFloat levels times a per-group absmax (QLoRA)
    MX,       // OCP MX block format: shared E8M0 scale per block of 32, element mx_element
    KMeans,   // codebook of 2^bits centroids learned by 1-D k-means (Deep Compression)
    Log2,     // sign * scale * 2^-k: powers of two (log quantization)
    Binary,   // sign(x) * alpha, alpha = mean |x| (XNOR-Net)
    Ternary,  // {-alpha, 0, +alpha}, threshold 0.7 * mean |x| (TWN)
};

// How special values are laid out in a minifloat element format.
enum class FpSpecials : uint8_t {
    IEEE,  // all-ones exponent = Inf/NaN (E5M2)
    FN,    // finite only except S.1111.111 = NaN (OCP E4M3, "fn")
    None,  // every code is finite (FP6 E3M2/E2M3, FP4 E2M1)
};

enum class MxElement : uint8_t { FP8_E4M3, FP8_E5M2, FP6_E3M2, FP6_E2M3, FP4_E2M1, INT8 };

enum class Granularity : uint8_t {
    PerTensor,   // one scale for the whole tensor
    PerChannel,  // one scale per slice along `axis` (axis 0 = output channel of a weight)
    PerGroup,    // one scale per `group_size` consecutive values along the last (input) axis, per row
    PerBlock,    // one scale per block_rows x block_cols tile of the 2-D view
};

enum class Calibration : uint8_t {
    MinMax,      // clip at the observed range
    Percentile,  // clip at the calib_param-th percentile of |x| (sym) or of x (asym)
    MSE,         // search the clip that minimises the quantization MSE
    KL,          // TensorRT entropy calibration: minimise KL(P || Q) over histogram thresholds
    ACIQ,        // analytic clip for a Laplace/Gaussian fit (Banner et al.)
};

enum class Rounding : uint8_t {
    NearestEven,  // round half to even (as torch.fake_quantize / nearbyint)
    HalfAway,     // round half away from zero
    Floor,
    Ceil,
    Stochastic,   // floor(x + u), u ~ U[0,1) from a seeded generator
};

enum class OutlierMode : uint8_t {
    None,
    TopFraction,  // keep the outlier_param fraction of largest |x| in full precision (SqueezeLLM dense-and-sparse)
    Threshold,    // keep |x| > outlier_param in full precision (LLM.int8()-style)
};

enum class ScaleDType : uint8_t { F32, F16, BF16, E8M0 };

struct QuantSpec {
    Scheme scheme = Scheme::Int;
    int bits = 8;                  // bits per code, 1..16 (fp: 1 + exp_bits + man_bits)
    bool is_signed = true;         // int: signed codes
    bool symmetric = true;         // int: zero point fixed at 0; false = asymmetric with a zero point
    bool restricted = true;        // int sym signed: q in [-(2^(b-1)-1), 2^(b-1)-1] (true) or [-2^(b-1), 2^(b-1)-1]

    int exp_bits = 4;              // fp: exponent bits
    int man_bits = 3;              // fp: mantissa bits
    int exp_bias = 7;              // fp: exponent bias
    FpSpecials fp_specials = FpSpecials::FN;
    bool fp_unscaled = false;      // fp: cast directly (scale = 1), no calibration
    MxElement mx_element = MxElement::FP4_E2M1;

    Granularity granularity = Granularity::PerChannel;
    int axis = 0;                  // per-channel axis
    int group_size = 128;          // per-group size along the last axis; MX: 32; NF4: 64
    int block_rows = 64;           // per-block tile
    int block_cols = 64;

    Calibration calibration = Calibration::MinMax;
    double calib_param = 99.99;    // percentile: p in (0, 100]; KL: number of bins (2048)
    std::optional<double> clip_lo; // manual clip range; when set, overrides calibration
    std::optional<double> clip_hi;

    Rounding rounding = Rounding::NearestEven;
    uint64_t seed = 0;             // stochastic rounding seed

    OutlierMode outliers = OutlierMode::None;
    double outlier_param = 0.0;    // fraction (TopFraction) or |x| threshold (Threshold)

    ScaleDType scale_dtype = ScaleDType::F32;
    int kmeans_iters = 30;         // Lloyd iterations cap

    bool operator==(const QuantSpec&) const = default;
};

size_t hash_value(const QuantSpec& s);

// Compact text form; parse_spec_text(to_text(s)) == s for every valid s.
std::string to_text(const QuantSpec& s);
Result<QuantSpec> parse_spec_text(std::string_view text);

// Checks ranges and combinations; the message says which field and why.
Status validate(const QuantSpec& s);
// The same, plus the checks that need the tensor's shape (axis within the rank).
Status validate(const QuantSpec& s, std::span<const int64_t> shape);

// The spec a scheme name alone stands for ("int4", "nf4", "mxfp4", "fp8_e4m3",
// "kmeans4", "log2_4", "binary", ...): bits and the scheme's usual granularity,
// scale dtype and element format. Error for an unknown name.
Result<QuantSpec> scheme_defaults(std::string_view head);

// calib_param a calibration uses when none is given: percentile 99.99, KL 2048 bins.
double default_calib_param(Calibration c);

// Names used by the text form and JSON (docs/quantspec.md).
std::string_view scheme_name(Scheme s);
std::string_view granularity_name(Granularity g);
std::string_view calibration_name(Calibration c);
std::string_view rounding_name(Rounding r);
std::string_view outlier_mode_name(OutlierMode o);
std::string_view scale_dtype_name(ScaleDType d);
std::string_view fp_specials_name(FpSpecials f);
std::string_view mx_element_name(MxElement e);

}  // namespace qs::quant

template <>
struct std::hash<qs::quant::QuantSpec> {
    size_t operator()(const qs::quant::QuantSpec& s) const { return qs::quant::hash_value(s); }
};
