// Names, text setters and presets for QuantSpec; see spec_fields.hpp.
#include "app/state/spec_fields.hpp"

#include <array>
#include <vector>
#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace qs::app {

using namespace quant;

namespace {

// Parses an enum value by core's name for it (quant::scheme_name etc.).
template <class E, size_t N>
Status set_enum(const E (&values)[N], std::string_view (*name)(E), std::string_view field, std::string_view value,
                E& out) {
    std::string list;
    for (E e : values) {
        if (name(e) == value) {
            out = e;
            return {};
        }
        list += (list.empty() ? "" : ", ") + std::string(name(e));
    }
    return make_error("spec field '{}': '{}' is not one of {}", field, value, list);
}

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

std::string fmt_double(double v) { return fmt::format("{}", v); }
std::string str(std::string_view v) { return std::string(v); }

}  // namespace

Status set_spec_field(QuantSpec& s, std::string_view f, std::string_view v) {
    auto bad = [&](const char* what) { return make_error("spec field '{}': '{}' is not {}", f, v, what); };
    int i = 0;
    double d = 0;
    bool b = false;
    if (f == "text") {
        auto parsed = parse_spec_text(v);
        if (!parsed) return make_error("spec text '{}': {}", v, parsed.error().message);
        s = *parsed;
        return {};
    }
    if (f == "scheme") return set_enum(kAllSchemes, scheme_name, f, v, s.scheme);
    if (f == "granularity") return set_enum(kAllGranularities, granularity_name, f, v, s.granularity);
    if (f == "calibration") return set_enum(kAllCalibrations, calibration_name, f, v, s.calibration);
    if (f == "rounding") return set_enum(kAllRoundings, rounding_name, f, v, s.rounding);
    if (f == "outliers") return set_enum(kAllOutlierModes, outlier_mode_name, f, v, s.outliers);
    if (f == "scale_dtype") return set_enum(kAllScaleDTypes, scale_dtype_name, f, v, s.scale_dtype);
    if (f == "mx_element") return set_enum(kAllMxElements, mx_element_name, f, v, s.mx_element);
    if (f == "fp_specials") return set_enum(kAllFpSpecials, fp_specials_name, f, v, s.fp_specials);
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
    if (f == "text") return to_text(s);
    if (f == "scheme") return str(scheme_name(s.scheme));
    if (f == "granularity") return str(granularity_name(s.granularity));
    if (f == "calibration") return str(calibration_name(s.calibration));
    if (f == "rounding") return str(rounding_name(s.rounding));
    if (f == "outliers") return str(outlier_mode_name(s.outliers));
    if (f == "scale_dtype") return str(scale_dtype_name(s.scale_dtype));
    if (f == "mx_element") return str(mx_element_name(s.mx_element));
    if (f == "fp_specials") return str(fp_specials_name(s.fp_specials));
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

std::string describe_spec(const QuantSpec& s) { return to_text(s); }

namespace {

struct PresetText {
    const char* name;
    const char* summary;
    const char* text;  // core's compact spec text
};

constexpr PresetText kPresetTexts[] = {
    {"int8 per-channel", "8-bit symmetric, one fp32 scale per output channel (the safe default)", "int8"},
    {"int8 per-tensor", "8-bit symmetric, a single scale for the whole tensor", "int8:tensor"},
    {"int4 g128", "4-bit symmetric, one scale per 128 inputs (GPTQ/AWQ layout)", "int4:group=128"},
    {"int4 g128 asym", "4-bit asymmetric with a zero point per 128 inputs", "int4:asym:group=128"},
    {"Q8_0-like", "ggml Q8_0: int8, blocks of 32, fp16 scale (8.5 bpw)", "int8:group=32:scale=fp16"},
    {"Q4_0-like", "ggml Q4_0: int4 in [-8, 7], blocks of 32, fp16 scale (4.5 bpw)", "int4:full:group=32:scale=fp16"},
    {"int2 g64 asym", "2-bit asymmetric, groups of 64: where things break", "int2:asym:group=64"},
    {"NF4", "QLoRA NormalFloat4, absmax per 64 values", "nf4"},
    {"FP8 E4M3", "OCP FP8 E4M3 (fn: no Inf), per-channel scale", "fp8_e4m3"},
    {"FP8 E5M2", "FP8 E5M2 (IEEE specials), per-channel scale", "fp8_e5m2"},
    {"MXFP4", "OCP MX: FP4 E2M1 elements, shared E8M0 scale per 32", "mxfp4"},
    {"MXFP8 E4M3", "OCP MX: FP8 E4M3 elements, shared E8M0 scale per 32", "mxfp8_e4m3"},
    {"k-means 4-bit", "16 learned centroids per tensor (Deep Compression)", "kmeans4"},
    {"ternary", "TWN: {-a, 0, +a}, threshold 0.7 * mean|x|", "ternary"},
};

std::vector<Preset> make_presets() {
    std::vector<Preset> out;
    for (const auto& p : kPresetTexts) {
        auto spec = parse_spec_text(p.text);
        if (spec) out.push_back(Preset{p.name, p.summary, *spec});  // a typo here fails the presets test
    }
    return out;
}

}  // namespace

std::span<const Preset> presets() {
    static const std::vector<Preset> all = make_presets();
    return all;
}

const Preset* find_preset(std::string_view name) {
    for (const auto& p : presets())
        if (name == p.name) return &p;
    return nullptr;
}

}  // namespace qs::app
