// The linear modules of a plan under Hugging Face module paths, for the exporters whose
// formats name modules (ModelOpt, compressed-tensors): 2-D "<module>.weight" tensors,
// GGUF names mapped back to HF (tensor_names.hpp), embeddings left out.
#pragma once
#include "core/export/export.hpp"

#include <string>
#include <vector>

namespace qs::exporter {

struct HfLinear {
    std::string module;          // "model.layers.0.self_attn.q_proj"
    const PlannedTensor* tensor;  // points into the plan
};

// `who` prefixes warnings ("modelopt", "compressed-tensors").
Result<std::vector<HfLinear>> hf_linear_modules(const PlanDocument& plan, const ExportOptions& options,
                                                std::string_view who, std::vector<std::string>* warnings);

// True for names of embedding tables (embed_tokens, wte, wpe, token_embd, position_embd).
bool is_embedding_name(std::string_view name);

}  // namespace qs::exporter
