// Tensor-name conventions the exporters translate between: Hugging Face / PyTorch
// state-dict names ("model.layers.3.self_attn.q_proj.weight") and llama.cpp's GGUF
// names ("blk.3.attn_q.weight") for the llama family (Llama, Mistral, Qwen2/3 and
// others with the same module layout), plus regex escaping for name patterns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace qs::exporter {

// The GGUF name llama.cpp's converter gives an HF tensor, or nullopt when the name
// is not one of the llama-family tensors this table knows (docs/plan.md lists it).
std::optional<std::string> hf_to_gguf_name(std::string_view hf);

// True for names already in llama.cpp's spelling (blk.N.*, token_embd.*, output.*, output_norm.*).
bool looks_like_gguf_name(std::string_view name);

// Escapes the ECMAScript/Python regex metacharacters \ ^ $ . | ? * + ( ) [ ] { } with a backslash.
std::string regex_escape(std::string_view s);

// "^" + regex_escape(name) + "$": matches `name` and nothing else, under search or match.
std::string exact_name_pattern(std::string_view name);

}  // namespace qs::exporter
