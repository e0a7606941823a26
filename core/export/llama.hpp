// llama.cpp export: a `llama-quantize` tensor-type file (PATTERN=TYPE tokens) or a
// complete command line, one anchored, escaped pattern per tensor so each matches
// exactly its tensor under llama.cpp's rules (lower-cased pattern, std::regex search).
// Each spec maps to the nearest ggml type (table in docs/plan.md).
#pragma once

#include "core/export/export.hpp"
#include "core/quant/spec.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace qs::exporter {

struct GgufTypeChoice {
    std::string type;           // ggml type name as llama-quantize spells it: "q4_K", "q8_0", "f16"
    uint32_t block_elems = 1;   // row length (ne0) must be a multiple of this
    bool exact = false;         // false: no GGUF type represents the spec; `type` is the nearest
};

GgufTypeChoice nearest_gguf_type(const quant::QuantSpec& spec);
// ggml spelling of a stored dtype name ("Q4_K" -> "q4_K", "BF16" -> "bf16"); "" when unknown.
std::string ggml_type_name_of(std::string_view dtype_name);
// llama-quantize's ftype argument for a base type ("q4_K" -> "Q4_K_M"); "" when none.
std::string llama_ftype_for(std::string_view ggml_type);

struct LlamaOverride {
    std::string tensor;   // GGUF tensor name
    std::string pattern;  // anchored, escaped regex
    std::string type;     // ggml type name
};

struct LlamaPlan {
    std::vector<LlamaOverride> overrides;  // plan order
    std::string base_ftype;                // positional type argument of llama-quantize
    std::string output_type;               // --output-tensor-type (empty: none in the plan)
    std::string token_embedding_type;      // --token-embedding-type
};

Result<LlamaPlan> llama_plan(const PlanDocument& plan, const ExportOptions& options,
                             std::vector<std::string>* warnings);
// Whitespace-separated tokens, one "PATTERN=TYPE" per line (llama-quantize --tensor-type-file).
std::string llama_tensor_type_file(const LlamaPlan& lp);
// A POSIX shell script running llama-quantize with every override as --tensor-type.
std::string llama_quantize_script(const LlamaPlan& lp, const ExportOptions& options);

}  // namespace qs::exporter
