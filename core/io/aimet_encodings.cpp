// AIMET encodings reader (see aimet_encodings.hpp). 0.6.1 writes one object per
// output channel with string booleans ("True"); 1.0.0 writes one entry per tensor
// with scale/offset lists and an enc_type. Both end in the same AimetEncoding.
#include "core/io/aimet_encodings.hpp"

#include "core/util/read_text.hpp"

#include <fmt/format.h>

#include <cmath>

namespace qs::io {
namespace {

using json = nlohmann::json;

Result<bool> get_bool(const json& v, const std::string& where) {
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_string()) {
        const auto s = v.get<std::string>();
        if (s == "True" || s == "true") return true;
        if (s == "False" || s == "false") return false;
    }
    return make_error("{}: expected true/false (or \"True\"/\"False\")", where);
}

Result<int> get_bits(const json& v, const std::string& where) {
    if (!v.is_number_integer()) return make_error("{}: expected an integer bit width", where);
    const int64_t b = v.get<int64_t>();
    if (b < 1 || b > 32) return make_error("{}: bit width {} is outside [1, 32]", where, b);
    return int(b);
}

Result<double> get_number(const json& v, const std::string& where) {
    if (!v.is_number()) return make_error("{}: expected a number", where);
    const double d = v.get<double>();
    if (!std::isfinite(d)) return make_error("{}: {} is not finite", where, d);
    return d;
}

Status check_int_params(AimetEncoding& e, const std::string& where) {
    const double qmax = std::ldexp(1.0, e.bitwidth) - 1;
    for (size_t i = 0; i < e.scale.size(); ++i) {
        if (!(e.scale[i] > 0)) return make_error("{}: scale[{}] = {} is not positive", where, i, e.scale[i]);
        if (e.offset[i] != std::floor(e.offset[i]))
            return make_error("{}: offset[{}] = {} is not an integer", where, i, e.offset[i]);
        // The grid scale*(q + offset), q in [0, qmax], should contain zero.
        if (e.offset[i] > 0 || e.offset[i] < -qmax)
            return make_error("{}: offset[{}] = {} is outside [-(2^{} - 1), 0]", where, i, e.offset[i], e.bitwidth);
    }
    return {};
}

// 0.6.1: {"name": [{bitwidth, dtype, is_symmetric, max, min, offset, scale}, ...]}
Result<AimetEncoding> parse_v061(const std::string& name, const json& list, const std::string& what) {
    const std::string where = fmt::format("{}: tensor '{}'", what, name);
    if (!list.is_array() || list.empty()) return make_error("{}: expected a non-empty list of encodings", where);
    if (list.size() > kMaxAimetScales) return make_error("{}: {} encodings (limit {})", where, list.size(), kMaxAimetScales);
    AimetEncoding e;
    e.name = name;
    for (size_t i = 0; i < list.size(); ++i) {
        const json& enc = list[i];
        const std::string w = fmt::format("{} encoding {}", where, i);
        if (!enc.is_object()) return make_error("{}: expected an object", w);
        if (!enc.contains("bitwidth")) return make_error("{}: missing 'bitwidth'", w);
        auto bw = get_bits(enc["bitwidth"], w + ".bitwidth");
        if (!bw) return bw.error();
        const std::string dtype = enc.value("dtype", std::string("int"));
        if (i == 0) e.bitwidth = *bw;
        else if (*bw != e.bitwidth) return make_error("{}: bit width {} differs from channel 0's {}", w, *bw, e.bitwidth);
        if (dtype == "float") {
            e.kind = AimetKind::Float;
            continue;
        }
        if (dtype != "int") return make_error("{}: dtype '{}' (expected int or float)", w, dtype);
        for (const char* k : {"scale", "offset", "is_symmetric"})
            if (!enc.contains(k)) return make_error("{}: missing '{}'", w, k);
        auto sym = get_bool(enc["is_symmetric"], w + ".is_symmetric");
        if (!sym) return sym.error();
        auto sc = get_number(enc["scale"], w + ".scale");
        if (!sc) return sc.error();
        auto off = get_number(enc["offset"], w + ".offset");
        if (!off) return off.error();
        if (i == 0) e.symmetric = *sym;
        e.scale.push_back(*sc);
        e.offset.push_back(*off);
        if (enc.contains("min") && enc["min"].is_number()) e.min.push_back(enc["min"].get<double>());
        if (enc.contains("max") && enc["max"].is_number()) e.max.push_back(enc["max"].get<double>());
    }
    if (e.kind == AimetKind::Float) {
        e.scale.clear();
        e.offset.clear();
        return e;
    }
    e.kind = list.size() == 1 ? AimetKind::PerTensor : AimetKind::PerChannel;
    QS_TRY(check_int_params(e, where));
    return e;
}

Result<std::vector<double>> number_list(const json& v, const std::string& where) {
    if (!v.is_array() || v.empty()) return make_error("{}: expected a non-empty list of numbers", where);
    if (v.size() > kMaxAimetScales) return make_error("{}: {} entries (limit {})", where, v.size(), kMaxAimetScales);
    std::vector<double> out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        auto d = get_number(v[i], fmt::format("{}[{}]", where, i));
        if (!d) return d.error();
        out.push_back(*d);
    }
    return out;
}

// 1.0.0: {name, dtype, enc_type, bw, is_sym, scale[], offset[], block_size?}
Result<AimetEncoding> parse_v100(const json& E, size_t index, const std::string& what) {
    if (!E.is_object() || !E.contains("name") || !E["name"].is_string())
        return make_error("{}: param_encodings[{}]: expected an object with a 'name'", what, index);
    AimetEncoding e;
    e.name = E["name"].get<std::string>();
    const std::string where = fmt::format("{}: tensor '{}'", what, e.name);
    if (!E.contains("bw")) return make_error("{}: missing 'bw'", where);
    auto bw = get_bits(E["bw"], where + ".bw");
    if (!bw) return bw.error();
    e.bitwidth = *bw;
    const std::string dtype = E.value("dtype", std::string("INT"));
    if (dtype == "FLOAT" || dtype == "float") {
        e.kind = AimetKind::Float;
        return e;
    }
    if (dtype != "INT" && dtype != "int") return make_error("{}: dtype '{}' (expected INT or FLOAT)", where, dtype);
    const std::string enc_type = E.value("enc_type", std::string("PER_TENSOR"));
    if (enc_type == "LPBQ" || enc_type == "VECTOR") {
        e.kind = AimetKind::Unsupported;
        e.why = enc_type + " encodings are not applied yet";
        return e;
    }
    if (enc_type == "PER_TENSOR") e.kind = AimetKind::PerTensor;
    else if (enc_type == "PER_CHANNEL") e.kind = AimetKind::PerChannel;
    else if (enc_type == "PER_BLOCK") e.kind = AimetKind::PerBlock;
    else return make_error("{}: enc_type '{}' (expected PER_TENSOR, PER_CHANNEL, PER_BLOCK, LPBQ or VECTOR)", where, enc_type);
    if (E.contains("is_sym")) {
        auto sym = get_bool(E["is_sym"], where + ".is_sym");
        if (!sym) return sym.error();
        e.symmetric = *sym;
    }
    if (!E.contains("scale")) return make_error("{}: missing 'scale'", where);
    auto sc = number_list(E["scale"], where + ".scale");
    if (!sc) return sc.error();
    e.scale = std::move(*sc);
    if (E.contains("offset")) {
        auto off = number_list(E["offset"], where + ".offset");
        if (!off) return off.error();
        e.offset = std::move(*off);
    } else if (e.symmetric) {
        e.offset.assign(e.scale.size(), -std::ldexp(1.0, e.bitwidth - 1));
    } else {
        return make_error("{}: missing 'offset' (needed when is_sym is false)", where);
    }
    if (e.offset.size() != e.scale.size())
        return make_error("{}: {} offsets for {} scales", where, e.offset.size(), e.scale.size());
    if (e.kind == AimetKind::PerTensor && e.scale.size() != 1)
        return make_error("{}: PER_TENSOR with {} scales", where, e.scale.size());
    if (e.kind == AimetKind::PerBlock) {
        if (!E.contains("block_size") || !E["block_size"].is_number_integer() || E["block_size"].get<int64_t>() < 1)
            return make_error("{}: PER_BLOCK needs a positive integer 'block_size'", where);
        e.block_size = E["block_size"].get<int64_t>();
    }
    QS_TRY(check_int_params(e, where));
    return e;
}

}  // namespace

std::string_view aimet_kind_name(AimetKind k) {
    switch (k) {
        case AimetKind::PerTensor: return "per-tensor";
        case AimetKind::PerChannel: return "per-channel";
        case AimetKind::PerBlock: return "per-block";
        case AimetKind::Float: return "float";
        case AimetKind::Unsupported: return "unsupported";
    }
    return "?";
}

Result<AimetEncodings> parse_aimet_encodings(const json& j, const std::string& what) {
    if (!j.is_object()) return make_error("{}: expected a JSON object (AIMET encodings)", what);
    AimetEncodings out;
    out.path = what;
    if (j.contains("encodings") && !j.contains("param_encodings"))
        return make_error("{}: AIMET/QAIRT 2.0.0 encodings ('encodings' list) are not supported; export 1.0.0", what);
    if (!j.contains("param_encodings")) return make_error("{}: no 'param_encodings' (not an AIMET encodings file)", what);
    const json& pe = j["param_encodings"];
    out.version = j.contains("version") && j["version"].is_string() ? j["version"].get<std::string>()
                  : pe.is_object()                                 ? "0.6.1"
                                                                   : "1.0.0";
    if (j.contains("activation_encodings")) out.activation_count = j["activation_encodings"].size();
    if (pe.is_object()) {
        if (out.version.rfind("0.", 0) != 0)
            return make_error("{}: version {} but param_encodings is an object (0.6.1 layout)", what, out.version);
        for (auto it = pe.begin(); it != pe.end(); ++it) {
            auto e = parse_v061(it.key(), it.value(), what);
            if (!e) return e.error();
            out.params.push_back(std::move(*e));
        }
    } else if (pe.is_array()) {
        if (out.version.rfind("1.", 0) != 0)
            return make_error("{}: version {} but param_encodings is a list (1.0.0 layout)", what, out.version);
        for (size_t i = 0; i < pe.size(); ++i) {
            auto e = parse_v100(pe[i], i, what);
            if (!e) return e.error();
            out.params.push_back(std::move(*e));
        }
    } else {
        return make_error("{}: 'param_encodings' is neither an object (0.6.1) nor a list (1.0.0)", what);
    }
    return out;
}

Result<AimetEncodings> read_aimet_encodings(const std::filesystem::path& path) {
    auto text = read_text_file(path, kMaxAimetFileBytes);
    if (!text) return text.error();
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded()) return make_error("{}: not valid JSON", path.string());
    return parse_aimet_encodings(j, path.string());
}

}  // namespace qs::io
