// The model's tensors as a tool sees them: GGUF names for llama-quantize, Hugging Face
// names for GPTQModel / compressed-tensors, mapped with core/export/tensor_names when the
// model uses the other convention (the file's own name is kept in model_name).
#pragma once
#include "core/export/tensor_names.hpp"
#include "core/io/model_index.hpp"
#include "core/lint/rules.hpp"

#include <optional>

namespace qs::lint {

struct ToolTensors {
    std::vector<LintTensor> tensors;  // in model order
    exporter::Arch arch = exporter::Arch::Llama;
    size_t mapped = 0;                // names translated between conventions
    size_t unmapped = 0;              // names the table does not know (kept as they are)
};

// `arch`: layout for the name mapping; nullopt = the GGUF general.architecture of the
// model when present, else guessed from the names.
ToolTensors tool_tensors(const io::ModelIndex& model, Tool tool, std::optional<exporter::Arch> arch = std::nullopt);

}  // namespace qs::lint
