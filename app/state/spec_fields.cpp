// Names, text setters and presets for QuantSpec; see spec_fields.hpp.
#include "app/state/spec_fields.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace qs::app {

using namespace quant;

namespace {

template <class E, size_t N>
struct Names {
    std::array<std::pair<E, const char*>, N> items;
    const char* name(E e) const {
        for (auto& [v, n] : items)
            if (v == e) return n;
        return "?";
    }
    bool parse(std::string_view s, E& out) const {
        for (auto& [v, n] : items)
            if (s == n) {
                out = v;
                return true;
            }
        return false;
    }
    std::string list() const {
        std::string o;
        for (auto& [v, n] : items) o += (o.empty() ? "" : ", ") + std::string(n);
        return o;
    }
};

constexpr Names<Scheme, 8> kSchemes{{{{Scheme::Int, "int"}, {Scheme::Fp, "fp"}, {Scheme::NF4, "nf4"}, {Scheme::MX, "mx"},
                                      {Scheme::KMeans, "kmeans"}, {Scheme::Log2, "log2"}, {Scheme::Binary, "binary"},
                                      {Scheme::Ternary, "ternary"}}}};
constexpr Names<Granularity, 4> kGran{{{{Granularity::PerTensor, "per-tensor"}, {Granularity::PerChannel, "per-channel"},
                                        {Granularity::PerGroup, "per-group"}, {Granularity::PerBlock, "per-block"}}}};
constexpr Names<Calibration, 5> kCalib{{{{Calibration::MinMax, "minmax"}, {Calibration::Percentile, "percentile"},
                                          {Calibration::MSE, "mse"}, {Calibration::KL, "kl"}, {Calibration::ACIQ, "aciq"}}}};
constexpr Names<Rounding, 5> kRound{{{{Rounding::NearestEven, "nearest-even"}, {Rounding::HalfAway, "half-away"},
                                       {Rounding::Floor, "floor"}, {Rounding::Ceil, "ceil"},
                                       {Rounding::Stochastic, "stochastic"}}}};
constexpr Names<OutlierMode, 3> kOutl{{{{OutlierMode::None, "none"}, {OutlierMode::TopFraction, "top-fraction"},
                                         {OutlierMode::Threshold, "threshold"}}}};
constexpr Names<ScaleDType, 4> kSdt{{{{ScaleDType::F32, "f32"}, {ScaleDType::F16, "f16"}, {ScaleDType::BF16, "bf16"},
                                       {ScaleDType::E8M0, "e8m0"}}}};
constexpr Names<MxElement, 6> kMx{{{{MxElement::FP8_E4M3, "fp8-e4m3"}, {MxElement::FP8_E5M2, "fp8-e5m2"},
                                     {MxElement::FP6_E3M2, "fp6-e3m2"}, {MxElement::FP6_E2M3, "fp6-e2m3"},
                                     {MxElement::FP4_E2M1, "fp4-e2m1"}, {MxElement::INT8, "int8"}}}};
constexpr Names<FpSpecials, 3> kSpecials{{{{FpSpecials::IEEE, "ieee"}, {FpSpecials::FN, "fn"}, {FpSpecials::None, "none"}}}};

bool parse_int(std::string_view s, int& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}
bool parse_u64(std::string_view s, uint64_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}
bool parse_double(std::string_view s, double& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && std::isfinite(out);
}
bool parse_bool(std::string_view s, bool& out) {
    if (s == "1" || s == "true" || s == "yes" || s == "on") return out = true, true;
    if (s == "0" || s == "false" || s == "no" || s == "off") return out = false, true;
    return false;
}

template <class E, size_t N>
Status set_enum(const Names<E, N>& names, std::string_view field, std::string_view value, E& out) {
    if (!names.parse(value, out)) return make_error("spec field '{}': '{}' is not one of {}", field, value, names.list());
    return {};
}

std::string fmt_double(double v) { return fmt::format("{}", v); }

}  // namespace

const char* scheme_name(Scheme s) { return kSchemes.name(s); }
const char* granularity_name(Granularity g) { return kGran.name(g); }
const char* calibration_name(Calibration c) { return kCalib.name(c); }
const char* rounding_name(Rounding r) { return kRound.name(r); }
const char* outlier_name(OutlierMode o) { return kOutl.name(o); }
const char* scale_dtype_name(ScaleDType d) { return kSdt.name(d); }
const char* mx_element_name(MxElement e) { return kMx.name(e); }
const char* fp_specials_name(FpSpecials s) { return kSpecials.name(s); }

Status set_spec_field(QuantSpec& s, std::string_view f, std::string_view v) {
    auto bad = [&](const char* what) { return make_error("spec field '{}': '{}' is not {}", f, v, what); };
    int i = 0;
    double d = 0;
    bool b = false;
    if (f == "scheme") return set_enum(kSchemes, f, v, s.scheme);
    if (f == "granularity") return set_enum(kGran, f, v, s.granularity);
    if (f == "calibration") return set_enum(kCalib, f, v, s.calibration);
    if (f == "rounding") return set_enum(kRound, f, v, s.rounding);
    if (f == "outliers") return set_enum(kOutl, f, v, s.outliers);
    if (f == "scale_dtype") return set_enum(kSdt, f, v, s.scale_dtype);
    if (f == "mx_element") return set_enum(kMx, f, v, s.mx_element);
    if (f == "fp_specials") return set_enum(kSpecials, f, v, s.fp_specials);
    if (f == "bits" || f == "axis" || f == "group_size" || f == "block_rows" || f == "block_cols" ||
        f == "exp_bits" || f == "man_bits" || f == "exp_bias" || f == "kmeans_iters") {
        if (!parse_int(v, i)) return bad("an integer");
        if (f == "bits") s.bits = i;
        else if (f == "axis") s.axis = i;
        else if (f == "group_size") s.group_size = i;
        else if (f == "block_rows") s.block_rows = i;
        else if (f == "block_cols") s.block_cols = i;
        else if (f == "exp_bits") s.exp_bits = i;
        else if (f == "man_bits") s.man_bits = i;
        else if (f == "exp_bias") s.exp_bias = i;
        else s.kmeans_iters = i;
        return {};
    }
    if (f == "signed" || f == "symmetric" || f == "restricted" || f == "fp_unscaled") {
        if (!parse_bool(v, b)) return bad("a boolean (true/false)");
        if (f == "signed") s.is_signed = b;
        else if (f == "symmetric") s.symmetric = b;
        else if (f == "restricted") s.restricted = b;
        else s.fp_unscaled = b;
        return {};
    }
    if (f == "calib_param" || f == "outlier_param") {
        if (!parse_double(v, d)) return bad("a number");
        (f == "calib_param" ? s.calib_param : s.outlier_param) = d;
        return {};
    }
    if (f == "seed") {
        uint64_t u = 0;
        if (!parse_u64(v, u)) return bad("an unsigned integer");
        s.seed = u;
        return {};
    }
    if (f == "clip") {
        if (v == "auto" || v == "none") {
            s.clip_lo.reset();
            s.clip_hi.reset();
            return {};
        }
        const auto comma = v.find(',');
        double lo = 0, hi = 0;
        if (comma == std::string_view::npos || !parse_double(v.substr(0, comma), lo) ||
            !parse_double(v.substr(comma + 1), hi) || !(lo < hi))
            return bad("'auto' or 'LO,HI' with LO < HI");
        s.clip_lo = lo;
        s.clip_hi = hi;
        return {};
    }
    return make_error("unknown spec field '{}'", f);
}

Result<std::string> get_spec_field(const QuantSpec& s, std::string_view f) {
    if (f == "scheme") return std::string(scheme_name(s.scheme));
    if (f == "granularity") return std::string(granularity_name(s.granularity));
    if (f == "calibration") return std::string(calibration_name(s.calibration));
    if (f == "rounding") return std::string(rounding_name(s.rounding));
    if (f == "outliers") return std::string(outlier_name(s.outliers));
    if (f == "scale_dtype") return std::string(scale_dtype_name(s.scale_dtype));
    if (f == "mx_element") return std::string(mx_element_name(s.mx_element));
    if (f == "fp_specials") return std::string(fp_specials_name(s.fp_specials));
    if (f == "bits") return std::to_string(s.bits);
    if (f == "axis") return std::to_string(s.axis);
    if (f == "group_size") return std::to_string(s.group_size);
    if (f == "block_rows") return std::to_string(s.block_rows);
    if (f == "block_cols") return std::to_string(s.block_cols);
    if (f == "exp_bits") return std::to_string(s.exp_bits);
    if (f == "man_bits") return std::to_string(s.man_bits);
    if (f == "exp_bias") return std::to_string(s.exp_bias);
    if (f == "kmeans_iters") return std::to_string(s.kmeans_iters);
    if (f == "signed") return std::string(s.is_signed ? "true" : "false");
    if (f == "symmetric") return std::string(s.symmetric ? "true" : "false");
    if (f == "restricted") return std::string(s.restricted ? "true" : "false");
    if (f == "fp_unscaled") return std::string(s.fp_unscaled ? "true" : "false");
    if (f == "calib_param") return fmt_double(s.calib_param);
    if (f == "outlier_param") return fmt_double(s.outlier_param);
    if (f == "seed") return std::to_string(s.seed);
    if (f == "clip_lo") return s.clip_lo ? fmt_double(*s.clip_lo) : std::string("auto");
    if (f == "clip_hi") return s.clip_hi ? fmt_double(*s.clip_hi) : std::string("auto");
    return make_error("unknown spec field '{}'", f);
}

std::string describe_spec(const QuantSpec& s) {
    std::string o;
    switch (s.scheme) {
        case Scheme::Int:
            o = fmt::format("{}{} {}", s.is_signed ? "int" : "uint", s.bits, s.symmetric ? "sym" : "asym");
            break;
        case Scheme::Fp: o = fmt::format("fp{} e{}m{}", 1 + s.exp_bits + s.man_bits, s.exp_bits, s.man_bits); break;
        case Scheme::NF4: o = "nf4"; break;
        case Scheme::MX: o = fmt::format("mx {}", mx_element_name(s.mx_element)); break;
        case Scheme::KMeans: o = fmt::format("kmeans{}", s.bits); break;
        case Scheme::Log2: o = fmt::format("log2 {}b", s.bits); break;
        case Scheme::Binary: o = "binary"; break;
        case Scheme::Ternary: o = "ternary"; break;
    }
    switch (s.granularity) {
        case Granularity::PerTensor: o += " per-tensor"; break;
        case Granularity::PerChannel: o += s.axis == 0 ? " per-channel" : fmt::format(" per-channel(axis {})", s.axis); break;
        case Granularity::PerGroup: o += fmt::format(" g{}", s.group_size); break;
        case Granularity::PerBlock: o += fmt::format(" block {}x{}", s.block_rows, s.block_cols); break;
    }
    if (s.clip_lo || s.clip_hi)
        o += fmt::format(" clip[{:.4g},{:.4g}]", s.clip_lo.value_or(NAN), s.clip_hi.value_or(NAN));
    else if (s.calibration != Calibration::MinMax)
        o += fmt::format(" {}", calibration_name(s.calibration));
    return o;
}

namespace {

QuantSpec make_int(int bits, bool sym, Granularity g, int group = 128, bool restricted = true,
                   ScaleDType sd = ScaleDType::F32) {
    QuantSpec s;
    s.scheme = Scheme::Int;
    s.bits = bits;
    s.symmetric = sym;
    s.is_signed = true;
    s.restricted = restricted;
    s.granularity = g;
    s.group_size = group;
    s.scale_dtype = sd;
    return s;
}

QuantSpec make_fp8(int e, int m, int bias, FpSpecials sp) {
    QuantSpec s;
    s.scheme = Scheme::Fp;
    s.bits = 1 + e + m;
    s.exp_bits = e;
    s.man_bits = m;
    s.exp_bias = bias;
    s.fp_specials = sp;
    s.granularity = Granularity::PerChannel;
    return s;
}

QuantSpec make_nf4() {
    QuantSpec s;
    s.scheme = Scheme::NF4;
    s.bits = 4;
    s.granularity = Granularity::PerGroup;
    s.group_size = 64;
    return s;
}

QuantSpec make_mx(MxElement e, int bits) {
    QuantSpec s;
    s.scheme = Scheme::MX;
    s.bits = bits;
    s.mx_element = e;
    s.granularity = Granularity::PerGroup;
    s.group_size = 32;
    s.scale_dtype = ScaleDType::E8M0;
    return s;
}

QuantSpec make_simple(Scheme sc, int bits) {
    QuantSpec s;
    s.scheme = sc;
    s.bits = bits;
    s.granularity = Granularity::PerChannel;
    return s;
}

const std::array<Preset, 12> kPresets{{
    {"int8 per-channel", "8-bit symmetric, one f32 scale per output channel (the safe default)",
     make_int(8, true, Granularity::PerChannel)},
    {"int8 per-tensor", "8-bit symmetric, a single scale for the whole tensor", make_int(8, true, Granularity::PerTensor)},
    {"int4 g128", "4-bit symmetric, one scale per 128 inputs (GPTQ/AWQ layout)", make_int(4, true, Granularity::PerGroup)},
    {"int4 g128 asym", "4-bit asymmetric with a zero point per 128 inputs", make_int(4, false, Granularity::PerGroup)},
    {"Q8_0-like", "ggml Q8_0: int8, blocks of 32, f16 scale (8.5 bpw)",
     make_int(8, true, Granularity::PerGroup, 32, true, ScaleDType::F16)},
    {"Q4_0-like", "ggml Q4_0: int4 in [-8, 7], blocks of 32, f16 scale (4.5 bpw)",
     make_int(4, true, Granularity::PerGroup, 32, false, ScaleDType::F16)},
    {"int2 g64 asym", "2-bit asymmetric, groups of 64: where things break", make_int(2, false, Granularity::PerGroup, 64)},
    {"NF4", "QLoRA NormalFloat4, absmax per 64 values", make_nf4()},
    {"FP8 E4M3", "OCP FP8 E4M3 (fn: no Inf), per-channel scale", make_fp8(4, 3, 7, FpSpecials::FN)},
    {"FP8 E5M2", "FP8 E5M2 (IEEE specials), per-channel scale", make_fp8(5, 2, 15, FpSpecials::IEEE)},
    {"MXFP4", "OCP MX: FP4 E2M1 elements, shared E8M0 scale per 32", make_mx(MxElement::FP4_E2M1, 4)},
    {"ternary", "TWN: {-a, 0, +a}, threshold 0.7 * mean|x|", make_simple(Scheme::Ternary, 2)},
}};

}  // namespace

std::span<const Preset> presets() { return kPresets; }

const Preset* find_preset(std::string_view name) {
    for (const auto& p : kPresets)
        if (name == p.name) return &p;
    return nullptr;
}

}  // namespace qs::app
