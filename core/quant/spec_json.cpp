// QuantSpec as JSON, and parse_spec(): text, inline JSON or @file.json.
// Missing JSON fields take the defaults of the scheme they name (the same
// defaults the text form's scheme name implies), so {"scheme": "nf4"} is nf4
// with blocks of 64. Unknown keys are errors: a typo must not silently vanish.
#include "core/quant/spec_json.hpp"

#include <fmt/core.h>

#include <cmath>
#include <fstream>
#include <sstream>

namespace qs::quant {
namespace {

using nlohmann::json;

template <class E, class NameFn>
std::optional<E> enum_from(std::string_view name, NameFn fn, int count) {
    for (int i = 0; i < count; ++i)
        if (fn(E(i)) == name) return E(i);
    return std::nullopt;
}

}  // namespace

json spec_to_json(const QuantSpec& s) {
    json j;
    j["scheme"] = scheme_name(s.scheme);
    j["bits"] = s.bits;
    j["signed"] = s.is_signed;
    j["symmetric"] = s.symmetric;
    j["restricted"] = s.restricted;
    j["exp_bits"] = s.exp_bits;
    j["man_bits"] = s.man_bits;
    j["exp_bias"] = s.exp_bias;
    j["fp_specials"] = fp_specials_name(s.fp_specials);
    j["fp_unscaled"] = s.fp_unscaled;
    j["mx_element"] = mx_element_name(s.mx_element);
    j["granularity"] = granularity_name(s.granularity);
    j["axis"] = s.axis;
    j["group_size"] = s.group_size;
    j["block_rows"] = s.block_rows;
    j["block_cols"] = s.block_cols;
    j["calibration"] = calibration_name(s.calibration);
    j["calib_param"] = s.calib_param;
    j["clip_lo"] = s.clip_lo ? json(*s.clip_lo) : json(nullptr);
    j["clip_hi"] = s.clip_hi ? json(*s.clip_hi) : json(nullptr);
    j["rounding"] = rounding_name(s.rounding);
    j["seed"] = s.seed;
    j["outliers"] = outlier_mode_name(s.outliers);
    j["outlier_param"] = s.outlier_param;
    j["scale_dtype"] = scale_dtype_name(s.scale_dtype);
    j["kmeans_iters"] = s.kmeans_iters;
    return j;
}

Result<QuantSpec> spec_from_json(const json& j) {
    if (j.is_string()) return parse_spec_text(j.get<std::string>());
    if (!j.is_object()) return make_error("spec JSON must be an object or a string, not {}", j.type_name());

    auto get_int = [&](const char* k, int lo, int hi) -> Result<std::optional<int>> {
        if (!j.contains(k)) return std::optional<int>{};
        const auto& v = j[k];
        if (!v.is_number_integer()) return make_error("spec JSON: '{}' must be an integer", k);
        const int64_t x = v.get<int64_t>();
        if (x < lo || x > hi) return make_error("spec JSON: '{}' = {} is outside [{}, {}]", k, x, lo, hi);
        return std::optional<int>(int(x));
    };
    auto get_str = [&](const char* k) -> Result<std::optional<std::string>> {
        if (!j.contains(k)) return std::optional<std::string>{};
        if (!j[k].is_string()) return make_error("spec JSON: '{}' must be a string", k);
        return std::optional<std::string>(j[k].get<std::string>());
    };
    auto get_bool = [&](const char* k) -> Result<std::optional<bool>> {
        if (!j.contains(k)) return std::optional<bool>{};
        if (!j[k].is_boolean()) return make_error("spec JSON: '{}' must be true or false", k);
        return std::optional<bool>(j[k].get<bool>());
    };
    auto get_num = [&](const char* k) -> Result<std::optional<double>> {
        if (!j.contains(k) || j[k].is_null()) return std::optional<double>{};
        if (!j[k].is_number()) return make_error("spec JSON: '{}' must be a number", k);
        const double x = j[k].get<double>();
        if (!std::isfinite(x)) return make_error("spec JSON: '{}' must be finite", k);
        return std::optional<double>(x);
    };

    static constexpr const char* kKeys[] = {
        "scheme", "bits", "signed", "symmetric", "restricted", "exp_bits", "man_bits", "exp_bias", "fp_specials",
        "fp_unscaled", "mx_element", "granularity", "axis", "group_size", "block_rows", "block_cols", "calibration",
        "calib_param", "clip_lo", "clip_hi", "rounding", "seed", "outliers", "outlier_param", "scale_dtype",
        "kmeans_iters"};
    for (const auto& [k, v] : j.items()) {
        bool known = false;
        for (const char* name : kKeys) known = known || k == name;
        if (!known) return make_error("spec JSON: unknown key '{}' (see docs/quantspec.md)", k);
    }

    // 1. The scheme name and the fields that pick its defaults.
    auto scheme = get_str("scheme");
    if (!scheme) return scheme.error();
    const std::string sch = scheme->value_or("int");
    auto bits = get_int("bits", 1, 64);
    if (!bits) return bits.error();
    auto is_signed = get_bool("signed");
    if (!is_signed) return is_signed.error();
    auto e = get_int("exp_bits", 0, 30);
    if (!e) return e.error();
    auto m = get_int("man_bits", 0, 30);
    if (!m) return m.error();
    auto elem = get_str("mx_element");
    if (!elem) return elem.error();

    std::string head;
    if (sch == "int") {
        head = fmt::format("{}{}", is_signed->value_or(true) ? "int" : "uint", bits->value_or(8));
    } else if (sch == "fp") {
        const int ee = e->value_or(4), mm = m->value_or(3);
        head = fmt::format("fp{}_e{}m{}", 1 + ee + mm, ee, mm);
    } else if (sch == "mx") {
        head = "mx" + elem->value_or("fp4_e2m1");
    } else if (sch == "kmeans") {
        head = fmt::format("kmeans{}", bits->value_or(4));
    } else if (sch == "log2") {
        head = fmt::format("log2_{}", bits->value_or(4));
    } else {
        head = sch;  // nf4, binary, ternary
    }
    auto base = scheme_defaults(head);
    if (!base) return make_error("spec JSON: {}", base.message());
    QuantSpec s = *base;

    // 2. Every field given explicitly.
    if (*bits) s.bits = **bits;
    if (*is_signed) s.is_signed = **is_signed;
    if (*e) s.exp_bits = **e;
    if (*m) s.man_bits = **m;
    if (*elem) {
        auto v = enum_from<MxElement>(**elem, mx_element_name, 6);
        if (!v) return make_error("spec JSON: unknown mx_element '{}'", **elem);
        s.mx_element = *v;
    }
#define QS_JSON_BOOL(key, field)        \
    {                                   \
        auto v = get_bool(key);         \
        if (!v) return v.error();       \
        if (*v) s.field = **v;          \
    }
#define QS_JSON_INT(key, field, lo, hi) \
    {                                   \
        auto v = get_int(key, lo, hi);  \
        if (!v) return v.error();       \
        if (*v) s.field = **v;          \
    }
#define QS_JSON_ENUM(key, field, T, fn, n)                                                 \
    {                                                                                      \
        auto v = get_str(key);                                                             \
        if (!v) return v.error();                                                          \
        if (*v) {                                                                          \
            auto x = enum_from<T>(**v, fn, n);                                             \
            if (!x) return make_error("spec JSON: '{}': unknown value '{}'", key, **v);    \
            s.field = *x;                                                                  \
        }                                                                                  \
    }
    QS_JSON_BOOL("symmetric", symmetric)
    QS_JSON_BOOL("restricted", restricted)
    QS_JSON_BOOL("fp_unscaled", fp_unscaled)
    QS_JSON_INT("exp_bias", exp_bias, -100000, 100000)
    QS_JSON_ENUM("fp_specials", fp_specials, FpSpecials, fp_specials_name, 3)
    QS_JSON_ENUM("granularity", granularity, Granularity, granularity_name, 4)
    QS_JSON_INT("axis", axis, -64, 64)
    QS_JSON_INT("group_size", group_size, 1, 1 << 30)
    QS_JSON_INT("block_rows", block_rows, 1, 1 << 30)
    QS_JSON_INT("block_cols", block_cols, 1, 1 << 30)
    QS_JSON_ENUM("calibration", calibration, Calibration, calibration_name, 5)
    QS_JSON_ENUM("rounding", rounding, Rounding, rounding_name, 5)
    QS_JSON_ENUM("outliers", outliers, OutlierMode, outlier_mode_name, 3)
    QS_JSON_ENUM("scale_dtype", scale_dtype, ScaleDType, scale_dtype_name, 4)
    QS_JSON_INT("kmeans_iters", kmeans_iters, 1, 1000000)
#undef QS_JSON_BOOL
#undef QS_JSON_INT
#undef QS_JSON_ENUM
    // bias and specials follow the exponent/mantissa when not given
    if (s.scheme == Scheme::Fp && (*e || *m)) {
        auto d = scheme_defaults(fmt::format("fp{}_e{}m{}", 1 + s.exp_bits + s.man_bits, s.exp_bits, s.man_bits));
        if (d) {
            if (!j.contains("exp_bias")) s.exp_bias = d->exp_bias;
            if (!j.contains("fp_specials")) s.fp_specials = d->fp_specials;
        }
    }
    auto cp = get_num("calib_param");
    if (!cp) return cp.error();
    s.calib_param = cp->value_or(default_calib_param(s.calibration));
    auto lo = get_num("clip_lo");
    if (!lo) return lo.error();
    auto hi = get_num("clip_hi");
    if (!hi) return hi.error();
    s.clip_lo = *lo;
    s.clip_hi = *hi;
    if (j.contains("seed")) {
        if (!j["seed"].is_number_unsigned() && !(j["seed"].is_number_integer() && j["seed"].get<int64_t>() >= 0))
            return make_error("spec JSON: 'seed' must be a non-negative integer");
        s.seed = j["seed"].get<uint64_t>();
    }
    auto op = get_num("outlier_param");
    if (!op) return op.error();
    if (*op) s.outlier_param = **op;
    return s;
}

Result<QuantSpec> parse_spec(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    Result<QuantSpec> r = make_error("spec: empty");
    if (!text.empty() && text.front() == '@') {
        const std::string path(text.substr(1));
        std::ifstream f(path, std::ios::binary);
        if (!f) return make_error("spec file '{}': cannot open", path);
        std::stringstream ss;
        ss << f.rdbuf();
        json j = json::parse(ss.str(), nullptr, false);
        if (j.is_discarded()) return make_error("spec file '{}': not valid JSON", path);
        r = spec_from_json(j);
        if (!r) return make_error("spec file '{}': {}", path, r.message());
    } else if (!text.empty() && text.front() == '{') {
        json j = json::parse(text, nullptr, false);
        if (j.is_discarded()) return make_error("spec: not valid JSON: {}", text);
        r = spec_from_json(j);
    } else {
        r = parse_spec_text(text);
    }
    if (!r) return r;
    QS_TRY(validate(*r));
    return r;
}

}  // namespace qs::quant
