// Tensor-name conventions the exporters and the lint translate between: Hugging Face /
// PyTorch state-dict names ("model.layers.3.self_attn.q_proj.weight") and llama.cpp's
// GGUF names ("blk.3.attn_q.weight"), per architecture layout (tables follow
// llama.cpp's gguf-py tensor_mapping.py), plus regex escaping for name patterns.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace qs::exporter {

// Module layouts with distinct name tables. Llama also covers Mistral, Qwen2 (q/k/v
// biases), Qwen3 (q_norm/k_norm) and Gemma 1; Gemma2 covers Gemma 3 text models.
enum class Arch { Llama, Gemma2, Phi3, Gpt2 };

// GGUF general.architecture or HF model_type ("llama", "mistral", "qwen2", "qwen3",
// "gemma", "gemma2", "gemma3", "gemma3_text", "phi3", "gpt2", "starcoder", "gpt_bigcode")
// -> layout; nullopt when unknown.
std::optional<Arch> arch_from_name(std::string_view name);
std::string_view arch_name(Arch a);
// The layout a set of names (HF or GGUF) most likely has: GPT-2 block prefixes, Gemma2's
// pre/post feed-forward norms, Phi-3's fused qkv_proj/gate_up_proj; Llama otherwise.
Arch guess_arch(std::span<const std::string> names);

// The GGUF name llama.cpp's converter gives an HF tensor of layout `arch`, or nullopt
// when the name is not in the table (docs/lint.md lists it).
std::optional<std::string> hf_to_gguf_name(std::string_view hf, Arch arch);
// Layout guessed from the name alone (Llama table, then Phi-3/GPT-2 extras).
std::optional<std::string> hf_to_gguf_name(std::string_view hf);
// The reverse: the HF name of a GGUF tensor for layout `arch`.
std::optional<std::string> gguf_to_hf_name(std::string_view gguf, Arch arch);

// True for names already in llama.cpp's spelling (blk.N.*, token_embd.*, output.*, output_norm.*).
bool looks_like_gguf_name(std::string_view name);

// Escapes the ECMAScript/Python regex metacharacters \ ^ $ . | ? * + ( ) [ ] { } with a backslash.
std::string regex_escape(std::string_view s);

// "^" + regex_escape(name) + "$": matches `name` and nothing else, under search or match.
std::string exact_name_pattern(std::string_view name);

}  // namespace qs::exporter
