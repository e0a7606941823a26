// Name mapping tables (see tensor_names.hpp). The HF <-> GGUF tables follow llama.cpp's
// gguf-py tensor_mapping.py for the LLAMA, GEMMA2/3, PHI3 and GPT2/STARCODER layouts.
#include "core/export/tensor_names.hpp"

#include <cctype>
#include <utility>
#include <vector>

namespace qs::exporter {
namespace {

using Pair = std::pair<std::string_view, std::string_view>;

struct Layout {
    std::string_view block_prefix;  // HF prefix before the block index
    std::vector<Pair> top;          // HF module -> GGUF module, outside blocks
    std::vector<Pair> block;        // HF suffix after "<prefix>N." -> GGUF suffix after "blk.N."
};

const Layout& layout(Arch a) {
    static const Layout llama{"model.layers.",
                              {{"model.embed_tokens", "token_embd"}, {"model.norm", "output_norm"}, {"lm_head", "output"}},
                              {{"self_attn.q_proj", "attn_q"},
                               {"self_attn.k_proj", "attn_k"},
                               {"self_attn.v_proj", "attn_v"},
                               {"self_attn.o_proj", "attn_output"},
                               {"self_attn.q_norm", "attn_q_norm"},
                               {"self_attn.k_norm", "attn_k_norm"},
                               {"mlp.gate_proj", "ffn_gate"},
                               {"mlp.up_proj", "ffn_up"},
                               {"mlp.down_proj", "ffn_down"},
                               {"input_layernorm", "attn_norm"},
                               {"post_attention_layernorm", "ffn_norm"}}};
    // Gemma 2/3: a norm after attention and one before and after the feed-forward.
    static const Layout gemma2{"model.layers.",
                               {{"model.embed_tokens", "token_embd"}, {"model.norm", "output_norm"}, {"lm_head", "output"}},
                               {{"self_attn.q_proj", "attn_q"},
                                {"self_attn.k_proj", "attn_k"},
                                {"self_attn.v_proj", "attn_v"},
                                {"self_attn.o_proj", "attn_output"},
                                {"self_attn.q_norm", "attn_q_norm"},
                                {"self_attn.k_norm", "attn_k_norm"},
                                {"mlp.gate_proj", "ffn_gate"},
                                {"mlp.up_proj", "ffn_up"},
                                {"mlp.down_proj", "ffn_down"},
                                {"input_layernorm", "attn_norm"},
                                {"post_attention_layernorm", "post_attention_norm"},
                                {"pre_feedforward_layernorm", "ffn_norm"},
                                {"post_feedforward_layernorm", "post_ffw_norm"}}};
    // Phi-3: fused q/k/v and gate/up projections (llama.cpp keeps them fused).
    static const Layout phi3{"model.layers.",
                             {{"model.embed_tokens", "token_embd"}, {"model.norm", "output_norm"}, {"lm_head", "output"}},
                             {{"self_attn.qkv_proj", "attn_qkv"},
                              {"self_attn.o_proj", "attn_output"},
                              {"mlp.gate_up_proj", "ffn_up"},
                              {"mlp.down_proj", "ffn_down"},
                              {"input_layernorm", "attn_norm"},
                              {"post_attention_layernorm", "ffn_norm"}}};
    // GPT-2 / StarCoder (gpt_bigcode). GPT-2's Conv1D weights are stored [in, out] in HF
    // and transposed by the converter; the names map one to one.
    static const Layout gpt2{"transformer.h.",
                             {{"transformer.wte", "token_embd"},
                              {"transformer.wpe", "position_embd"},
                              {"transformer.ln_f", "output_norm"},
                              {"lm_head", "output"}},
                             {{"ln_1", "attn_norm"},
                              {"attn.c_attn", "attn_qkv"},
                              {"attn.c_proj", "attn_output"},
                              {"ln_2", "ffn_norm"},
                              {"mlp.c_fc", "ffn_up"},
                              {"mlp.c_proj", "ffn_down"}}};
    switch (a) {
        case Arch::Llama: return llama;
        case Arch::Gemma2: return gemma2;
        case Arch::Phi3: return phi3;
        case Arch::Gpt2: return gpt2;
    }
    return llama;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Splits "x.weight" / "x.bias" into ("x", ".weight").
std::optional<std::pair<std::string_view, std::string_view>> split_param(std::string_view name) {
    for (std::string_view suf : {std::string_view(".weight"), std::string_view(".bias")}) {
        if (name.size() > suf.size() && name.substr(name.size() - suf.size()) == suf)
            return std::pair{name.substr(0, name.size() - suf.size()), suf};
    }
    return std::nullopt;
}

// "12.rest" -> ("12", "rest"): a block index without leading zeros, at most 9 digits.
std::optional<std::pair<std::string_view, std::string_view>> split_index(std::string_view s) {
    size_t n = 0;
    while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) ++n;
    if (n == 0 || n > 9 || n >= s.size() || s[n] != '.') return std::nullopt;
    if (n > 1 && s[0] == '0') return std::nullopt;  // "model.layers.01" is not layer 1
    return std::pair{s.substr(0, n), s.substr(n + 1)};
}

}  // namespace

std::optional<Arch> arch_from_name(std::string_view n) {
    for (std::string_view l : {"llama", "mistral", "qwen2", "qwen3", "gemma"})
        if (n == l) return Arch::Llama;
    for (std::string_view g : {"gemma2", "gemma3", "gemma3_text"})
        if (n == g) return Arch::Gemma2;
    if (n == "phi3") return Arch::Phi3;
    for (std::string_view g : {"gpt2", "starcoder", "gpt_bigcode"})
        if (n == g) return Arch::Gpt2;
    return std::nullopt;
}

std::string_view arch_name(Arch a) {
    switch (a) {
        case Arch::Llama: return "llama";
        case Arch::Gemma2: return "gemma2";
        case Arch::Phi3: return "phi3";
        case Arch::Gpt2: return "gpt2";
    }
    return "llama";
}

Arch guess_arch(std::span<const std::string> names) {
    for (const auto& n : names) {
        if (starts_with(n, "transformer.h.") || starts_with(n, "h.") || n.find(".attn.c_attn.") != std::string::npos)
            return Arch::Gpt2;
        if (n.find("pre_feedforward_layernorm") != std::string::npos || n.find(".post_ffw_norm.") != std::string::npos)
            return Arch::Gemma2;
        if (n.find("self_attn.qkv_proj.") != std::string::npos || n.find("mlp.gate_up_proj.") != std::string::npos)
            return Arch::Phi3;
    }
    return Arch::Llama;
}

std::optional<std::string> hf_to_gguf_name(std::string_view hf, Arch arch) {
    auto parts = split_param(hf);
    if (!parts) return std::nullopt;
    auto [module, suffix] = *parts;
    const Layout& L = layout(arch);
    // GPT-2 checkpoints exist with and without the "transformer." prefix.
    if (arch == Arch::Gpt2 && !starts_with(module, "transformer.") && module != "lm_head") {
        const std::string full = "transformer." + std::string(module) + std::string(suffix);
        return hf_to_gguf_name(full, arch);
    }
    for (auto [from, to] : L.top)
        if (module == from) return std::string(to) + std::string(suffix);
    if (!starts_with(module, L.block_prefix)) return std::nullopt;
    auto idx = split_index(module.substr(L.block_prefix.size()));
    if (!idx) return std::nullopt;
    for (auto [from, to] : L.block)
        if (idx->second == from) return "blk." + std::string(idx->first) + "." + std::string(to) + std::string(suffix);
    return std::nullopt;
}

std::optional<std::string> hf_to_gguf_name(std::string_view hf) {
    for (Arch a : {Arch::Llama, Arch::Phi3, Arch::Gpt2})
        if (auto g = hf_to_gguf_name(hf, a)) return g;
    return std::nullopt;
}

std::optional<std::string> gguf_to_hf_name(std::string_view gguf, Arch arch) {
    auto parts = split_param(gguf);
    if (!parts) return std::nullopt;
    auto [module, suffix] = *parts;
    const Layout& L = layout(arch);
    for (auto [hf, g] : L.top)
        if (module == g) return std::string(hf) + std::string(suffix);
    if (!starts_with(module, "blk.")) return std::nullopt;
    auto idx = split_index(module.substr(4));
    if (!idx) return std::nullopt;
    for (auto [hf, g] : L.block)
        if (idx->second == g)
            return std::string(L.block_prefix) + std::string(idx->first) + "." + std::string(hf) + std::string(suffix);
    return std::nullopt;
}

bool looks_like_gguf_name(std::string_view name) {
    return starts_with(name, "blk.") || starts_with(name, "token_embd.") || starts_with(name, "output.") ||
           starts_with(name, "output_norm.") || starts_with(name, "rope_freqs.") || starts_with(name, "position_embd.");
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
