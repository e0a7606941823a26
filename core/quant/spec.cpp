// QuantSpec as text ("int4:sym:group=128:calib=mse"), its hash and its validation.
// The grammar and every name are documented in docs/quantspec.md; JSON lives in
// spec_json.cpp. The text form is canonical: to_text() writes the scheme name and
// then only the fields that differ from what that name implies, in a fixed order.
#include "core/quant/spec.hpp"

#include <fmt/core.h>

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <vector>

namespace qs::quant {
namespace {

template <class E>
struct NameOf {
    E value;
    std::string_view name;
};

constexpr std::array<NameOf<Scheme>, 8> kSchemes{{{Scheme::Int, "int"},
                                                   {Scheme::Fp, "fp"},
                                                   {Scheme::NF4, "nf4"},
                                                   {Scheme::MX, "mx"},
                                                   {Scheme::KMeans, "kmeans"},
                                                   {Scheme::Log2, "log2"},
                                                   {Scheme::Binary, "binary"},
                                                   {Scheme::Ternary, "ternary"}}};
constexpr std::array<NameOf<Granularity>, 4> kGranularities{{{Granularity::PerTensor, "tensor"},
                                                             {Granularity::PerChannel, "channel"},
                                                             {Granularity::PerGroup, "group"},
                                                             {Granularity::PerBlock, "block"}}};
constexpr std::array<NameOf<Calibration>, 5> kCalibrations{{{Calibration::MinMax, "minmax"},
                                                            {Calibration::Percentile, "percentile"},
                                                            {Calibration::MSE, "mse"},
                                                            {Calibration::KL, "kl"},
                                                            {Calibration::ACIQ, "aciq"}}};
constexpr std::array<NameOf<Rounding>, 5> kRoundings{{{Rounding::NearestEven, "nearest"},
                                                      {Rounding::HalfAway, "away"},
                                                      {Rounding::Floor, "floor"},
                                                      {Rounding::Ceil, "ceil"},
                                                      {Rounding::Stochastic, "stochastic"}}};
constexpr std::array<NameOf<OutlierMode>, 3> kOutliers{
    {{OutlierMode::None, "none"}, {OutlierMode::TopFraction, "top"}, {OutlierMode::Threshold, "threshold"}}};
constexpr std::array<NameOf<ScaleDType>, 4> kScaleDTypes{{{ScaleDType::F32, "fp32"},
                                                          {ScaleDType::F16, "fp16"},
                                                          {ScaleDType::BF16, "bf16"},
                                                          {ScaleDType::E8M0, "e8m0"}}};
constexpr std::array<NameOf<FpSpecials>, 3> kSpecials{
    {{FpSpecials::IEEE, "ieee"}, {FpSpecials::FN, "fn"}, {FpSpecials::None, "none"}}};
constexpr std::array<NameOf<MxElement>, 6> kMxElements{{{MxElement::FP8_E4M3, "fp8_e4m3"},
                                                        {MxElement::FP8_E5M2, "fp8_e5m2"},
                                                        {MxElement::FP6_E3M2, "fp6_e3m2"},
                                                        {MxElement::FP6_E2M3, "fp6_e2m3"},
                                                        {MxElement::FP4_E2M1, "fp4_e2m1"},
                                                        {MxElement::INT8, "int8"}}};

template <class E, size_t N>
std::string_view name_in(const std::array<NameOf<E>, N>& table, E v) {
    for (const auto& n : table)
        if (n.value == v) return n.name;
    return "?";
}

template <class E, size_t N>
std::optional<E> value_in(const std::array<NameOf<E>, N>& table, std::string_view name) {
    for (const auto& n : table)
        if (n.name == name) return n.value;
    return std::nullopt;
}

template <class E, size_t N>
std::string names_of(const std::array<NameOf<E>, N>& table) {
    std::string s;
    for (const auto& n : table) s += (s.empty() ? "" : ", ") + std::string(n.name);
    return s;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::optional<int64_t> parse_int(std::string_view s) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<double> parse_double(std::string_view s) {
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

// Shortest text that reads back to the same double.
std::string num(double v) { return fmt::format("{}", v); }

// Elements of an MX block format: (exp, man) of the minifloat, or (0, 7) for INT8.
struct MxElemInfo {
    int bits, exp, man;
};
MxElemInfo mx_elem_info(MxElement e) {
    switch (e) {
        case MxElement::FP8_E4M3: return {8, 4, 3};
        case MxElement::FP8_E5M2: return {8, 5, 2};
        case MxElement::FP6_E3M2: return {6, 3, 2};
        case MxElement::FP6_E2M3: return {6, 2, 3};
        case MxElement::FP4_E2M1: return {4, 2, 1};
        case MxElement::INT8: return {8, 0, 7};
    }
    return {8, 0, 7};
}

// What a minifloat with this many exponent/mantissa bits is by default:
// IEEE-style bias, OCP E4M3 is "fn", narrower-than-8-bit formats have no specials.
FpSpecials default_specials(int exp_bits, int man_bits) {
    if (exp_bits == 4 && man_bits == 3) return FpSpecials::FN;
    if (1 + exp_bits + man_bits < 8) return FpSpecials::None;
    return FpSpecials::IEEE;
}
int default_bias(int exp_bits) { return exp_bits >= 1 && exp_bits <= 30 ? (1 << (exp_bits - 1)) - 1 : 0; }

// "fp8_e4m3" -> (8, 4, 3); also "e4m3", "fp4", "fp8".
std::optional<std::array<int, 3>> parse_fp_head(std::string_view h) {
    if (h == "fp8" || h == "e4m3") return std::array<int, 3>{8, 4, 3};
    if (h == "e5m2") return std::array<int, 3>{8, 5, 2};
    if (h == "fp4" || h == "e2m1") return std::array<int, 3>{4, 2, 1};
    if (h == "e3m2") return std::array<int, 3>{6, 3, 2};
    if (h == "e2m3") return std::array<int, 3>{6, 2, 3};
    if (!starts_with(h, "fp")) return std::nullopt;
    const auto us = h.find("_e");
    const auto m = h.rfind('m');
    if (us == std::string_view::npos || m == std::string_view::npos || m < us + 2) return std::nullopt;
    auto bits = parse_int(h.substr(2, us - 2));
    auto e = parse_int(h.substr(us + 2, m - us - 2));
    auto mm = parse_int(h.substr(m + 1));
    if (!bits || !e || !mm) return std::nullopt;
    return std::array<int, 3>{int(*bits), int(*e), int(*mm)};
}

// The scheme name written first in the text form.
std::string head_of(const QuantSpec& s) {
    switch (s.scheme) {
        case Scheme::Int: return fmt::format("{}{}", s.is_signed ? "int" : "uint", s.bits);
        case Scheme::Fp: return fmt::format("fp{}_e{}m{}", s.bits, s.exp_bits, s.man_bits);
        case Scheme::NF4: return "nf4";
        case Scheme::MX:
            return s.mx_element == MxElement::FP4_E2M1 ? std::string("mxfp4")
                                                       : "mx" + std::string(mx_element_name(s.mx_element));
        case Scheme::KMeans: return fmt::format("kmeans{}", s.bits);
        case Scheme::Log2: return fmt::format("log2_{}", s.bits);
        case Scheme::Binary: return "binary";
        case Scheme::Ternary: return "ternary";
    }
    return "?";
}

// FNV-1a over the bytes of every field, so equal specs hash equally.
struct Hasher {
    uint64_t h = 1469598103934665603ull;
    void bytes(const void* p, size_t n) {
        const auto* b = static_cast<const unsigned char*>(p);
        for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
    }
    template <class T>
    void add(const T& v) {
        if constexpr (std::is_same_v<T, double>) {
            const uint64_t u = v == 0.0 ? 0 : std::bit_cast<uint64_t>(v);  // +0 == -0
            bytes(&u, sizeof u);
        } else {
            bytes(&v, sizeof v);
        }
    }
};

}  // namespace

std::string_view scheme_name(Scheme s) { return name_in(kSchemes, s); }
std::string_view granularity_name(Granularity g) { return name_in(kGranularities, g); }
std::string_view calibration_name(Calibration c) { return name_in(kCalibrations, c); }
std::string_view rounding_name(Rounding r) { return name_in(kRoundings, r); }
std::string_view outlier_mode_name(OutlierMode o) { return name_in(kOutliers, o); }
std::string_view scale_dtype_name(ScaleDType d) { return name_in(kScaleDTypes, d); }
std::string_view fp_specials_name(FpSpecials f) { return name_in(kSpecials, f); }
std::string_view mx_element_name(MxElement e) { return name_in(kMxElements, e); }

double default_calib_param(Calibration c) { return c == Calibration::KL ? 2048.0 : 99.99; }

Result<QuantSpec> scheme_defaults(std::string_view h) {
    QuantSpec s;
    if (starts_with(h, "uint") || (starts_with(h, "int") && h.size() > 3)) {
        const bool u = h[0] == 'u';
        auto bits = parse_int(h.substr(u ? 4 : 3));
        if (!bits || *bits < 1 || *bits > 64) return make_error("spec: '{}': bits must be a number, e.g. int4", h);
        s.scheme = Scheme::Int;
        s.bits = int(*bits);
        s.is_signed = !u;
        s.symmetric = !u;  // uint8 is the classic asymmetric zero-point format
        return s;
    }
    if (starts_with(h, "mx")) {
        std::string_view e = h.substr(2);
        if (e == "fp4") e = "fp4_e2m1";
        if (e == "fp8") e = "fp8_e4m3";
        auto elem = value_in(kMxElements, e);
        if (!elem) return make_error("spec: '{}': unknown MX format (mxfp8_e4m3, mxfp8_e5m2, mxfp6_e3m2, "
                                     "mxfp6_e2m3, mxfp4, mxint8)", h);
        s.scheme = Scheme::MX;
        s.mx_element = *elem;
        const auto info = mx_elem_info(*elem);
        s.bits = info.bits;
        if (info.exp > 0) {
            s.exp_bits = info.exp;
            s.man_bits = info.man;
            s.exp_bias = default_bias(info.exp);
            s.fp_specials = default_specials(info.exp, info.man);
        }
        s.granularity = Granularity::PerGroup;
        s.group_size = 32;
        s.scale_dtype = ScaleDType::E8M0;
        return s;
    }
    if (auto fp = parse_fp_head(h)) {
        const auto [bits, e, m] = *fp;
        if (bits != 1 + e + m)
            return make_error("spec: '{}': a minifloat has 1 + {} + {} = {} bits, not {}", h, e, m, 1 + e + m, bits);
        s.scheme = Scheme::Fp;
        s.bits = bits;
        s.exp_bits = e;
        s.man_bits = m;
        s.exp_bias = default_bias(e);
        s.fp_specials = default_specials(e, m);
        return s;
    }
    if (h == "nf4") {
        s.scheme = Scheme::NF4;
        s.bits = 4;
        s.granularity = Granularity::PerGroup;
        s.group_size = 64;
        return s;
    }
    if (starts_with(h, "kmeans")) {
        auto bits = parse_int(h.substr(6));
        if (!bits || *bits < 1 || *bits > 64) return make_error("spec: '{}': bits must be a number, e.g. kmeans4", h);
        s.scheme = Scheme::KMeans;
        s.bits = int(*bits);
        s.granularity = Granularity::PerTensor;  // one codebook per tensor, as in Deep Compression
        return s;
    }
    if (starts_with(h, "log2_")) {
        auto bits = parse_int(h.substr(5));
        if (!bits || *bits < 1 || *bits > 64) return make_error("spec: '{}': bits must be a number, e.g. log2_4", h);
        s.scheme = Scheme::Log2;
        s.bits = int(*bits);
        return s;
    }
    if (h == "binary") {
        s.scheme = Scheme::Binary;
        s.bits = 1;
        return s;
    }
    if (h == "ternary") {
        s.scheme = Scheme::Ternary;
        s.bits = 2;
        return s;
    }
    return make_error("spec: unknown scheme '{}' (int<b>, uint<b>, fp<b>_e<E>m<M>, fp8_e4m3, fp8_e5m2, fp4, nf4, "
                      "mxfp4, mxfp6_e3m2, mxfp8_e4m3, mxint8, kmeans<b>, log2_<b>, binary, ternary)", h);
}

std::string to_text(const QuantSpec& s) {
    const std::string head = head_of(s);
    QuantSpec d = scheme_defaults(head).ok() ? *scheme_defaults(head) : QuantSpec{};
    std::vector<std::string> t{head};
    auto put = [&](std::string x) { t.push_back(std::move(x)); };

    if (s.bits != d.bits) put(fmt::format("bits={}", s.bits));
    if (s.scheme != Scheme::Int && s.is_signed != d.is_signed) put(s.is_signed ? "signed" : "unsigned");
    if (s.symmetric != d.symmetric) put(s.symmetric ? "sym" : "asym");
    if (s.restricted != d.restricted) put(s.restricted ? "restricted" : "full");
    if (s.exp_bits != d.exp_bits) put(fmt::format("exp={}", s.exp_bits));
    if (s.man_bits != d.man_bits) put(fmt::format("man={}", s.man_bits));
    // bias and specials defaults follow the exponent/mantissa actually in use
    const int bias_default = s.exp_bits != d.exp_bits ? default_bias(s.exp_bits) : d.exp_bias;
    const FpSpecials specials_default = (s.exp_bits != d.exp_bits || s.man_bits != d.man_bits)
                                            ? default_specials(s.exp_bits, s.man_bits)
                                            : d.fp_specials;
    if (s.exp_bias != bias_default) put(fmt::format("bias={}", s.exp_bias));
    if (s.fp_specials != specials_default) put(fmt::format("specials={}", fp_specials_name(s.fp_specials)));
    if (s.fp_unscaled != d.fp_unscaled) put(s.fp_unscaled ? "unscaled" : "scaled");
    if (s.mx_element != d.mx_element) put(fmt::format("elem={}", mx_element_name(s.mx_element)));

    // Granularity token, then the raw fields the chosen granularity does not use.
    const bool gran_differs = s.granularity != d.granularity;
    switch (s.granularity) {
        case Granularity::PerTensor:
            if (gran_differs) put("tensor");
            break;
        case Granularity::PerChannel:
            if (gran_differs || s.axis != d.axis) put(s.axis == 0 ? "channel" : fmt::format("channel={}", s.axis));
            break;
        case Granularity::PerGroup:
            if (gran_differs || s.group_size != d.group_size) put(fmt::format("group={}", s.group_size));
            break;
        case Granularity::PerBlock:
            if (gran_differs || s.block_rows != d.block_rows || s.block_cols != d.block_cols)
                put(fmt::format("block={}x{}", s.block_rows, s.block_cols));
            break;
    }
    if (s.granularity != Granularity::PerChannel && s.axis != d.axis) put(fmt::format("axis={}", s.axis));
    if (s.granularity != Granularity::PerGroup && s.group_size != d.group_size)
        put(fmt::format("group_size={}", s.group_size));
    if (s.granularity != Granularity::PerBlock) {
        if (s.block_rows != d.block_rows) put(fmt::format("block_rows={}", s.block_rows));
        if (s.block_cols != d.block_cols) put(fmt::format("block_cols={}", s.block_cols));
    }

    if (s.calibration != d.calibration) put(fmt::format("calib={}", calibration_name(s.calibration)));
    if (s.calib_param != default_calib_param(s.calibration)) {
        const char* key = s.calibration == Calibration::Percentile ? "p"
                          : s.calibration == Calibration::KL       ? "bins"
                                                                   : "param";
        put(fmt::format("{}={}", key, num(s.calib_param)));
    }
    if (s.clip_lo && s.clip_hi) {
        put(fmt::format("clip={},{}", num(*s.clip_lo), num(*s.clip_hi)));
    } else {
        if (s.clip_lo) put(fmt::format("clip_lo={}", num(*s.clip_lo)));
        if (s.clip_hi) put(fmt::format("clip_hi={}", num(*s.clip_hi)));
    }
    if (s.rounding != d.rounding) put(fmt::format("round={}", rounding_name(s.rounding)));
    if (s.seed != d.seed) put(fmt::format("seed={}", s.seed));
    switch (s.outliers) {
        case OutlierMode::None:
            if (s.outlier_param != d.outlier_param) put(fmt::format("outlier_param={}", num(s.outlier_param)));
            break;
        case OutlierMode::TopFraction: put(fmt::format("top={}", num(s.outlier_param))); break;
        case OutlierMode::Threshold: put(fmt::format("threshold={}", num(s.outlier_param))); break;
    }
    if (s.scale_dtype != d.scale_dtype) put(fmt::format("scale={}", scale_dtype_name(s.scale_dtype)));
    if (s.kmeans_iters != d.kmeans_iters) put(fmt::format("iters={}", s.kmeans_iters));

    std::string out;
    for (const auto& x : t) out += (out.empty() ? "" : ":") + x;
    return out;
}

Result<QuantSpec> parse_spec_text(std::string_view text) {
    // split on ':'
    std::vector<std::string_view> tokens;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find(':', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view tok = text.substr(start, end - start);
        while (!tok.empty() && tok.front() == ' ') tok.remove_prefix(1);
        while (!tok.empty() && tok.back() == ' ') tok.remove_suffix(1);
        tokens.push_back(tok);
        start = end + 1;
    }
    if (tokens.empty() || tokens[0].empty()) return make_error("spec: empty (expected e.g. int4:sym:group=128)");
    auto base = scheme_defaults(tokens[0]);
    if (!base) return base.error();
    QuantSpec s = *base;
    bool param_given = false;

    for (size_t i = 1; i < tokens.size(); ++i) {
        const std::string_view tok = tokens[i];
        const size_t eq = tok.find('=');
        const std::string_view key = tok.substr(0, eq);
        const std::string_view val = eq == std::string_view::npos ? std::string_view{} : tok.substr(eq + 1);
        const bool has_val = eq != std::string_view::npos;
        auto bad = [&](std::string_view what) { return make_error("spec '{}': '{}': {}", text, tok, what); };
        auto want_int = [&](int lo, int hi) -> Result<int> {
            auto v = parse_int(val);
            if (!v || *v < lo || *v > hi) return bad(fmt::format("expected an integer in [{}, {}]", lo, hi));
            return int(*v);
        };
        auto want_double = [&]() -> Result<double> {
            auto v = parse_double(val);
            if (!v || !std::isfinite(*v)) return bad("expected a finite number");
            return *v;
        };

        if (tok.empty()) return bad("empty field (two ':' in a row?)");
        if (!has_val) {
            if (key == "sym") s.symmetric = true;
            else if (key == "asym") s.symmetric = false;
            else if (key == "signed") s.is_signed = true;
            else if (key == "unsigned") s.is_signed = false;
            else if (key == "restricted") s.restricted = true;
            else if (key == "full") s.restricted = false;
            else if (key == "unscaled") s.fp_unscaled = true;
            else if (key == "scaled") s.fp_unscaled = false;
            else if (key == "tensor") s.granularity = Granularity::PerTensor;
            else if (key == "channel") { s.granularity = Granularity::PerChannel; s.axis = 0; }
            else if (auto c = value_in(kCalibrations, key)) s.calibration = *c;
            else if (auto r = value_in(kRoundings, key)) s.rounding = *r;
            else return bad("unknown option (see docs/quantspec.md)");
            continue;
        }
        if (key == "bits") { auto v = want_int(1, 64); if (!v) return v.error(); s.bits = *v; }
        else if (key == "exp") { auto v = want_int(0, 30); if (!v) return v.error(); s.exp_bits = *v; }
        else if (key == "man") { auto v = want_int(0, 30); if (!v) return v.error(); s.man_bits = *v; }
        else if (key == "bias") { auto v = want_int(-100000, 100000); if (!v) return v.error(); s.exp_bias = *v; }
        else if (key == "specials") {
            auto v = value_in(kSpecials, val);
            if (!v) return bad("expected " + names_of(kSpecials));
            s.fp_specials = *v;
        } else if (key == "elem") {
            auto v = value_in(kMxElements, val);
            if (!v) return bad("expected " + names_of(kMxElements));
            s.mx_element = *v;
        } else if (key == "channel" || key == "axis") {
            auto v = want_int(-64, 64); if (!v) return v.error();
            s.axis = *v;
            if (key == "channel") s.granularity = Granularity::PerChannel;
        } else if (key == "group" || key == "group_size") {
            auto v = want_int(1, 1 << 30); if (!v) return v.error();
            s.group_size = *v;
            if (key == "group") s.granularity = Granularity::PerGroup;
        } else if (key == "block") {
            const size_t x = val.find('x');
            auto r = parse_int(val.substr(0, x));
            auto c = x == std::string_view::npos ? r : parse_int(val.substr(x + 1));
            if (!r || !c || *r < 1 || *c < 1 || *r > (1 << 30) || *c > (1 << 30))
                return bad("expected ROWSxCOLS, e.g. block=64x64");
            s.granularity = Granularity::PerBlock;
            s.block_rows = int(*r);
            s.block_cols = int(*c);
        } else if (key == "block_rows") { auto v = want_int(1, 1 << 30); if (!v) return v.error(); s.block_rows = *v; }
        else if (key == "block_cols") { auto v = want_int(1, 1 << 30); if (!v) return v.error(); s.block_cols = *v; }
        else if (key == "calib") {
            auto v = value_in(kCalibrations, val);
            if (!v) return bad("expected " + names_of(kCalibrations));
            s.calibration = *v;
        } else if (key == "p" || key == "bins" || key == "param") {
            auto v = want_double(); if (!v) return v.error();
            s.calib_param = *v;
            param_given = true;
        } else if (key == "clip") {
            const size_t comma = val.find(',');
            if (comma == std::string_view::npos) return bad("expected clip=LO,HI");
            auto lo = parse_double(val.substr(0, comma));
            auto hi = parse_double(val.substr(comma + 1));
            if (!lo || !hi || !std::isfinite(*lo) || !std::isfinite(*hi)) return bad("expected clip=LO,HI (numbers)");
            s.clip_lo = *lo;
            s.clip_hi = *hi;
        } else if (key == "clip_lo") { auto v = want_double(); if (!v) return v.error(); s.clip_lo = *v; }
        else if (key == "clip_hi") { auto v = want_double(); if (!v) return v.error(); s.clip_hi = *v; }
        else if (key == "round") {
            auto v = value_in(kRoundings, val);
            if (!v) return bad("expected " + names_of(kRoundings));
            s.rounding = *v;
        } else if (key == "seed") {
            auto v = parse_u64(val);
            if (!v) return bad("expected an unsigned integer");
            s.seed = *v;
        } else if (key == "top" || key == "threshold" || key == "outlier_param") {
            auto v = want_double(); if (!v) return v.error();
            s.outlier_param = *v;
            if (key == "top") s.outliers = OutlierMode::TopFraction;
            if (key == "threshold") s.outliers = OutlierMode::Threshold;
        } else if (key == "outliers") {
            auto v = value_in(kOutliers, val);
            if (!v) return bad("expected " + names_of(kOutliers));
            s.outliers = *v;
        } else if (key == "scale") {
            std::string_view v = val;
            if (v == "f32" || v == "float32") v = "fp32";
            if (v == "f16" || v == "float16" || v == "half") v = "fp16";
            auto d = value_in(kScaleDTypes, v);
            if (!d) return bad("expected " + names_of(kScaleDTypes));
            s.scale_dtype = *d;
        } else if (key == "iters") { auto v = want_int(1, 1000000); if (!v) return v.error(); s.kmeans_iters = *v; }
        else return bad("unknown option (see docs/quantspec.md)");
    }
    if (!param_given) s.calib_param = default_calib_param(s.calibration);
    return s;
}

size_t hash_value(const QuantSpec& s) {
    Hasher h;
    h.add(s.scheme); h.add(s.bits); h.add(s.is_signed); h.add(s.symmetric); h.add(s.restricted);
    h.add(s.exp_bits); h.add(s.man_bits); h.add(s.exp_bias); h.add(s.fp_specials); h.add(s.fp_unscaled);
    h.add(s.mx_element); h.add(s.granularity); h.add(s.axis); h.add(s.group_size); h.add(s.block_rows);
    h.add(s.block_cols); h.add(s.calibration); h.add(s.calib_param);
    h.add(bool(s.clip_lo)); h.add(s.clip_lo.value_or(0.0));
    h.add(bool(s.clip_hi)); h.add(s.clip_hi.value_or(0.0));
    h.add(s.rounding); h.add(s.seed); h.add(s.outliers); h.add(s.outlier_param); h.add(s.scale_dtype);
    h.add(s.kmeans_iters);
    return size_t(h.h);
}

Status validate(const QuantSpec& s) {
    auto err = [&](std::string what) { return make_error("spec '{}': {}", to_text(s), what); };
    switch (s.scheme) {
        case Scheme::Int:
            if (s.bits < 1 || s.bits > 16) return err(fmt::format("int bits must be 1..16, not {}", s.bits));
            if (s.is_signed && s.symmetric && s.restricted && s.bits < 2)
                return err("a 1-bit signed restricted grid has only the level 0; use full, asym or binary");
            break;
        case Scheme::Fp:
            if (s.exp_bits < 1 || s.exp_bits > 8) return err(fmt::format("fp exp_bits must be 1..8, not {}", s.exp_bits));
            if (s.man_bits < 0 || s.man_bits > 10) return err(fmt::format("fp man_bits must be 0..10, not {}", s.man_bits));
            if (s.bits != 1 + s.exp_bits + s.man_bits)
                return err(fmt::format("fp bits must be 1 + exp_bits + man_bits = {}, not {}",
                                       1 + s.exp_bits + s.man_bits, s.bits));
            if (s.exp_bias < -126 || s.exp_bias > 127 + (1 << (s.exp_bits)) - 2)
                return err(fmt::format("fp exponent bias {} out of range", s.exp_bias));
            if (s.fp_specials == FpSpecials::IEEE && s.exp_bits < 2)
                return err("ieee specials need at least 2 exponent bits (all-ones exponent is Inf/NaN)");
            if (s.fp_specials == FpSpecials::FN && s.exp_bits + s.man_bits < 2)
                return err("fn specials need at least 2 exponent+mantissa bits (S.1..1 is NaN)");
            {
                // every finite level must be a normal-range float32 times a scale: keep the
                // format inside float32 (largest exponent 127, smallest subnormal 2^-149)
                const int emax = (1 << s.exp_bits) - 1 - s.exp_bias;
                const int emin_sub = 1 - s.exp_bias - s.man_bits;
                if (emax > 127 || emin_sub < -149)
                    return err("fp format does not fit in float32 (exponent range too wide for this bias)");
            }
            break;
        case Scheme::NF4:
            if (s.bits != 4) return err("nf4 has 4 bits");
            break;
        case Scheme::MX: {
            const auto info = mx_elem_info(s.mx_element);
            if (s.bits != info.bits)
                return err(fmt::format("{} elements have {} bits, not {}", mx_element_name(s.mx_element), info.bits,
                                       s.bits));
            if (info.exp > 0 && (s.exp_bits != info.exp || s.man_bits != info.man ||
                                 s.exp_bias != default_bias(info.exp) ||
                                 s.fp_specials != default_specials(info.exp, info.man)))
                return err("MX element exponent/mantissa/bias/specials are fixed by the element format");
            if (s.granularity != Granularity::PerGroup)
                return err("MX formats share one scale per block along the last axis: granularity must be group");
            if (s.scale_dtype != ScaleDType::E8M0) return err("MX block scales are E8M0");
            break;
        }
        case Scheme::KMeans:
            if (s.bits < 1 || s.bits > 8) return err(fmt::format("kmeans bits must be 1..8, not {}", s.bits));
            if (s.scale_dtype == ScaleDType::E8M0)
                return err("kmeans codebook entries need a sign: scale dtype cannot be e8m0");
            break;
        case Scheme::Log2:
            if (s.bits < 2 || s.bits > 8) return err(fmt::format("log2 bits must be 2..8, not {}", s.bits));
            break;
        case Scheme::Binary:
            if (s.bits != 1) return err("binary has 1 bit");
            break;
        case Scheme::Ternary:
            if (s.bits != 2) return err("ternary is stored in 2 bits");
            break;
    }
    if (s.fp_unscaled && s.scheme != Scheme::Fp) return err("unscaled applies to fp only");
    if (s.scheme != Scheme::Int && !s.symmetric)
        return err("asymmetric (zero-point) quantization applies to int only");
    if (s.scheme != Scheme::Int && !s.is_signed) return err("unsigned codes apply to int only");
    if (s.axis < -8 || s.axis > 7) return err(fmt::format("axis {} out of range (tensors have rank <= 8)", s.axis));
    if (s.group_size < 1) return err(fmt::format("group size must be >= 1, not {}", s.group_size));
    if (s.block_rows < 1 || s.block_cols < 1)
        return err(fmt::format("block must be at least 1x1, not {}x{}", s.block_rows, s.block_cols));
    switch (s.calibration) {
        case Calibration::Percentile:
            if (!(s.calib_param > 0.0 && s.calib_param <= 100.0))
                return err(fmt::format("percentile p must be in (0, 100], not {}", s.calib_param));
            break;
        case Calibration::KL:
            if (!(s.calib_param >= 128 && s.calib_param <= 65536 && s.calib_param == std::floor(s.calib_param)))
                return err(fmt::format("kl bins must be an integer in [128, 65536], not {}", s.calib_param));
            break;
        default: break;
    }
    if (bool(s.clip_lo) != bool(s.clip_hi)) return err("a manual clip range needs both clip_lo and clip_hi");
    if (s.clip_lo) {
        if (!std::isfinite(*s.clip_lo) || !std::isfinite(*s.clip_hi) || *s.clip_lo > *s.clip_hi)
            return err(fmt::format("clip range [{}, {}] must be finite with lo <= hi", *s.clip_lo, *s.clip_hi));
    }
    if (s.outliers == OutlierMode::TopFraction && !(s.outlier_param >= 0.0 && s.outlier_param < 1.0))
        return err(fmt::format("outlier fraction must be in [0, 1), not {}", s.outlier_param));
    if (s.outliers == OutlierMode::Threshold && !(s.outlier_param >= 0.0 && std::isfinite(s.outlier_param)))
        return err(fmt::format("outlier threshold must be finite and >= 0, not {}", s.outlier_param));
    if (s.kmeans_iters < 1 || s.kmeans_iters > 10000)
        return err(fmt::format("kmeans iterations must be 1..10000, not {}", s.kmeans_iters));
    return {};
}

Status validate(const QuantSpec& s, std::span<const int64_t> shape) {
    QS_TRY(validate(s));
    if (shape.size() > 8) return make_error("tensor has rank {}; at most 8 is supported", shape.size());
    if (s.granularity == Granularity::PerChannel) {
        const int rank = int(shape.size());
        const int r = rank < 1 ? 1 : rank;  // a scalar is one channel, like a 1-element vector
        if (s.axis < -r || s.axis >= r)
            return make_error("spec '{}': axis {} out of range for a rank-{} tensor (valid: {}..{})", to_text(s),
                              s.axis, rank, -r, r - 1);
    }
    return {};
}

}  // namespace qs::quant
