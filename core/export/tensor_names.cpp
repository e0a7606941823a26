// Name mapping tables (see tensor_names.hpp). The HF -> GGUF table follows
// llama.cpp's gguf-py tensor_mapping.py for the LLAMA architecture family.
#include "core/export/tensor_names.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace qs::exporter {
namespace {

// Suffix after "model.layers.N." (without .weight/.bias) -> GGUF name after "blk.N.".
constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kBlockMap{{
    {"self_attn.q_proj", "attn_q"},
    {"self_attn.k_proj", "attn_k"},
    {"self_attn.v_proj", "attn_v"},
    {"self_attn.o_proj", "attn_output"},
    {"self_attn.q_norm", "attn_q_norm"},
    {"self_attn.k_norm", "attn_k_norm"},
    {"mlp.gate_proj", "ffn_gate"},
    {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"},
    {"input_layernorm", "attn_norm"},
    {"post_attention_layernorm", "ffn_norm"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kTopMap{{
    {"model.embed_tokens", "token_embd"},
    {"model.norm", "output_norm"},
    {"lm_head", "output"},
}};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Splits "x.weight" / "x.bias" into ("x", ".weight").
std::optional<std::pair<std::string_view, std::string_view>> split_param(std::string_view name) {
    for (std::string_view suf : {std::string_view(".weight"), std::string_view(".bias")}) {
        if (name.size() > suf.size() && name.substr(name.size() - suf.size()) == suf)
            return std::pair{name.substr(0, name.size() - suf.size()), suf};
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> hf_to_gguf_name(std::string_view hf) {
    auto parts = split_param(hf);
    if (!parts) return std::nullopt;
    auto [module, suffix] = *parts;
    for (auto [from, to] : kTopMap)
        if (module == from) return std::string(to) + std::string(suffix);
    constexpr std::string_view kLayers = "model.layers.";
    if (!starts_with(module, kLayers)) return std::nullopt;
    std::string_view rest = module.substr(kLayers.size());
    size_t n = 0;
    while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n]))) ++n;
    if (n == 0 || n > 9 || n >= rest.size() || rest[n] != '.') return std::nullopt;
    if (n > 1 && rest[0] == '0') return std::nullopt;  // "model.layers.01" is not layer 1
    const std::string_view index = rest.substr(0, n), sub = rest.substr(n + 1);
    for (auto [from, to] : kBlockMap)
        if (sub == from) return "blk." + std::string(index) + "." + std::string(to) + std::string(suffix);
    return std::nullopt;
}

bool looks_like_gguf_name(std::string_view name) {
    return starts_with(name, "blk.") || starts_with(name, "token_embd.") || starts_with(name, "output.") ||
           starts_with(name, "output_norm.") || starts_with(name, "rope_freqs.");
}

std::string regex_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

std::string exact_name_pattern(std::string_view name) { return "^" + regex_escape(name) + "$"; }

}  // namespace qs::exporter
