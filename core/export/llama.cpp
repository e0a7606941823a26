// llama.cpp export (see llama.hpp). llama-quantize applies --tensor-type overrides
// only when the base type is a quantized one, and its --output-tensor-type /
// --token-embedding-type flags win over patterns: the base is therefore always a
// quantized ftype, and the script form passes those flags too.
#include "core/export/llama.hpp"

#include "core/export/tensor_names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace qs::exporter {
namespace {

using quant::Granularity;
using quant::QuantSpec;
using quant::Scheme;

uint32_t block_of(std::string_view type) {
    if (type == "f16" || type == "bf16" || type == "f32") return 1;
    if (type.find("_K") != std::string_view::npos || type.substr(0, 2) == "iq" || type.substr(0, 2) == "tq")
        return type == "iq4_nl" ? 32 : 256;
    return 32;  // q4_0 q4_1 q5_0 q5_1 q8_0 mxfp4
}

GgufTypeChoice choice(std::string type, bool exact) {
    const uint32_t b = block_of(type);
    return {std::move(type), b, exact};
}

// Integer-like grids by bit width: the K-quant (or legacy 32-block type) of the same width.
GgufTypeChoice by_bits(int bits, bool exact) {
    if (bits <= 1) return choice("iq1_s", false);
    if (bits == 2) return choice("q2_K", exact);
    if (bits == 3) return choice("q3_K", exact);
    if (bits == 4) return choice("q4_K", exact);
    if (bits == 5) return choice("q5_K", exact);
    if (bits == 6) return choice("q6_K", exact);
    if (bits == 7) return choice("q8_0", false);
    if (bits == 8) return choice("q8_0", exact);
    return choice("f16", false);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string shell_quote(std::string_view s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace

GgufTypeChoice nearest_gguf_type(const QuantSpec& s) {
    const bool g32 = s.granularity == Granularity::PerGroup && s.group_size == 32;
    switch (s.scheme) {
        case Scheme::Int:
            if (s.bits == 8) return choice("q8_0", true);
            if (s.bits == 4 && g32) return choice(s.symmetric ? "q4_0" : "q4_1", true);
            if (s.bits == 5 && g32) return choice(s.symmetric ? "q5_0" : "q5_1", true);
            return by_bits(s.bits, true);
        case Scheme::NF4: return choice("iq4_nl", true);  // non-linear 4-bit levels, blocks of 32
        case Scheme::MX:
            switch (s.mx_element) {
                case quant::MxElement::FP4_E2M1: return choice("mxfp4", true);
                case quant::MxElement::FP6_E3M2:
                case quant::MxElement::FP6_E2M3: return choice("q6_K", false);
                default: return choice("q8_0", false);
            }
        case Scheme::Fp:
            if (s.bits == 16 && s.exp_bits == 5 && s.man_bits == 10) return choice("f16", true);
            if (s.bits == 16 && s.exp_bits == 8 && s.man_bits == 7) return choice("bf16", true);
            if (s.bits == 4 && s.exp_bits == 2 && s.man_bits == 1) return choice("mxfp4", false);
            return by_bits(s.bits, false);
        case Scheme::Ternary: return choice("tq1_0", true);
        case Scheme::Binary: return choice("iq1_s", false);
        case Scheme::KMeans:
        case Scheme::Log2: return by_bits(s.bits, false);
    }
    return choice("f16", false);
}

std::string ggml_type_name_of(std::string_view dtype_name) {
    static const std::vector<std::string_view> known = {
        "F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K",
        "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "IQ1_M", "TQ1_0", "TQ2_0",
        "MXFP4"};
    if (std::find(known.begin(), known.end(), dtype_name) == known.end()) return "";
    std::string t = lower(dtype_name);
    if (t.size() > 2 && t.substr(t.size() - 2) == "_k") t[t.size() - 1] = 'K';
    return t;
}

std::string llama_ftype_for(std::string_view t) {
    static const std::map<std::string, std::string, std::less<>> m = {
        {"q4_0", "Q4_0"},     {"q4_1", "Q4_1"},     {"q5_0", "Q5_0"},     {"q5_1", "Q5_1"},
        {"q8_0", "Q8_0"},     {"q2_K", "Q2_K"},     {"q3_K", "Q3_K_M"},   {"q4_K", "Q4_K_M"},
        {"q5_K", "Q5_K_M"},   {"q6_K", "Q6_K"},     {"iq4_nl", "IQ4_NL"}, {"iq4_xs", "IQ4_XS"},
        {"mxfp4", "MXFP4_MOE"}, {"tq1_0", "TQ1_0"}, {"tq2_0", "TQ2_0"},   {"iq1_s", "IQ1_S"}};
    auto it = m.find(t);
    return it == m.end() ? std::string() : it->second;
}

Result<LlamaPlan> llama_plan(const PlanDocument& plan, const ExportOptions& options,
                             std::vector<std::string>* warnings) {
    auto warn = [&](std::string w) {
        if (warnings) warnings->push_back(std::move(w));
    };
    LlamaPlan lp;
    std::map<std::string, uint64_t> params_by_type;
    std::map<std::string, std::string> seen;  // gguf name -> plan name
    Arch arch = Arch::Llama;
    if (!options.arch.empty()) {
        auto a = arch_from_name(options.arch);
        if (!a) return make_error("llama: unknown architecture '{}' for name mapping", options.arch);
        arch = *a;
    } else {
        std::vector<std::string> names;
        for (const auto& t : plan.tensors) names.push_back(t.name);
        arch = guess_arch(names);
    }
    for (const auto& t : plan.tensors) {
        // llama-quantize only touches tensors named *weight with 2 or more dimensions.
        if (t.shape.size() < 2) continue;
        std::string gguf = t.name;
        const bool is_gguf = options.names == NameConvention::Gguf ||
                             (options.names == NameConvention::Auto && looks_like_gguf_name(t.name));
        if (!is_gguf) {
            auto mapped = hf_to_gguf_name(t.name, arch);
            if (!mapped) {
                warn(fmt::format("llama: tensor '{}': no llama.cpp (GGUF) name known for it; no override written, "
                                 "it gets the base type",
                                 t.name));
                continue;
            }
            gguf = *mapped;
        }
        if (gguf != lower(gguf)) {
            warn(fmt::format("llama: tensor '{}': llama-quantize lower-cases patterns, so a name with capitals "
                             "cannot be matched exactly; no override written",
                             gguf));
            continue;
        }
        if (auto [it, fresh] = seen.emplace(gguf, t.name); !fresh)
            return make_error("llama: tensors '{}' and '{}' both map to GGUF name '{}'", it->second, t.name, gguf);
        uint64_t numel = 1;
        for (int64_t d : t.shape) numel *= uint64_t(d);
        std::string type;
        if (t.quantized) {
            const GgufTypeChoice c = nearest_gguf_type(t.spec);
            type = c.type;
            if (!c.exact)
                warn(fmt::format("llama: tensor '{}': no GGUF type matches {}; using the nearest, {}", t.name,
                                 quant::to_text(t.spec), c.type));
            const int64_t ne0 = t.shape.back();
            if (c.block_elems > 1 && ne0 % int64_t(c.block_elems) != 0)
                warn(fmt::format("llama: tensor '{}': row length {} is not a multiple of {}'s block of {}; "
                                 "llama-quantize will fall back to another type",
                                 t.name, ne0, c.type, c.block_elems));
            params_by_type[type] += numel;
        } else {
            type = ggml_type_name_of(t.source_dtype);
            if (type.empty()) {
                type = "f16";
                warn(fmt::format("llama: tensor '{}' is kept unquantized; its dtype '{}' has no GGUF type, "
                                 "writing f16",
                                 t.name, t.source_dtype));
            }
        }
        if (gguf == "output.weight") lp.output_type = type;
        if (gguf == "token_embd.weight") lp.token_embedding_type = type;
        lp.overrides.push_back({gguf, exact_name_pattern(gguf), type});
    }
    if (options.llama_base_type) {
        lp.base_ftype = *options.llama_base_type;
    } else {
        std::string best;
        uint64_t most = 0;
        for (const auto& [type, n] : params_by_type)
            if (n > most && !llama_ftype_for(type).empty()) most = n, best = type;
        lp.base_ftype = best.empty() ? "Q8_0" : llama_ftype_for(best);
    }
    return lp;
}

std::string llama_tensor_type_file(const LlamaPlan& lp) {
    std::string out;
    for (const auto& o : lp.overrides) out += o.pattern + "=" + o.type + "\n";
    return out;
}

std::string llama_quantize_script(const LlamaPlan& lp, const ExportOptions& options) {
    std::string out = "#!/bin/sh\n# Written by quantscope: per-tensor types from a quantscope plan.\nset -e\n";
    out += "exec llama-quantize";
    if (!options.llama_imatrix.empty()) out += " \\\n  --imatrix " + shell_quote(options.llama_imatrix);
    if (!lp.output_type.empty()) out += " \\\n  --output-tensor-type " + lp.output_type;
    if (!lp.token_embedding_type.empty()) out += " \\\n  --token-embedding-type " + lp.token_embedding_type;
    // The two flags beat any pattern, so the patterns for their tensors would only be dead weight.
    for (const auto& o : lp.overrides) {
        if ((o.tensor == "output.weight" && !lp.output_type.empty()) ||
            (o.tensor == "token_embd.weight" && !lp.token_embedding_type.empty()))
            continue;
        out += " \\\n  --tensor-type " + shell_quote(o.pattern + "=" + o.type);
    }
    out += " \\\n  " + shell_quote(options.llama_input) + " " + shell_quote(options.llama_output) + " " +
           lp.base_ftype + " \"$@\"\n";
    return out;
}

}  // namespace qs::exporter
