// Plan exports: one entry point that writes a PlanDocument (plan_document.hpp) in
// any supported format. Each format lives in its own file (plan_json, csv, llama,
// gptqmodel, aimet, quant_safetensors); this header is what the CLI and GUI call.
// Every write is atomic: an existing output file is never left half-written.
#pragma once

#include "core/export/plan_document.hpp"
#include "core/io/model_index.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qs::exporter {

enum class ExportFormat { Json, Llama, GptqModel, Aimet, Safetensors, Csv, ModelOpt, CompressedTensors };

// "json", "llama", "gptqmodel", "aimet", "safetensors", "csv", "modelopt",
// "compressed-tensors" (case-insensitive).
Result<ExportFormat> parse_export_format(std::string_view name);
std::string_view export_format_name(ExportFormat f);

// How tensor names in the plan are spelled.
enum class NameConvention {
    Auto,  // HF/PyTorch names ("model.layers.0.self_attn.q_proj.weight") are mapped when a
           // target needs GGUF names; GGUF names ("blk.0.attn_q.weight") are kept
    Hf,    // plan names are HF names
    Gguf,  // plan names are GGUF names
};

enum class SafetensorsMode {
    FakeQuant,  // dequantized weights, in the source float dtype (or F32, see below)
    Codes,      // integer codes + scales + zero points, with metadata; read back by
                // read_quantized_safetensors (quant_safetensors.hpp)
};

struct ExportOptions {
    // The opened source model. Needed by the formats that must see the weights
    // (aimet: scales/offsets; safetensors: the tensors themselves). Must outlive the call.
    const io::ModelIndex* model = nullptr;
    NameConvention names = NameConvention::Auto;
    // Architecture layout for HF <-> GGUF name mapping ("llama", "gemma2", "phi3", "gpt2",
    // ... see tensor_names.hpp); empty = guessed from the plan's tensor names.
    std::string arch;

    // safetensors
    SafetensorsMode safetensors_mode = SafetensorsMode::FakeQuant;
    bool fake_quant_f32 = false;  // fake-quant: write F32 instead of the source float dtype
    int threads = 0;              // quantize() threads (0 = all)

    // llama.cpp
    std::optional<std::string> llama_base_type;  // llama-quantize ftype argument ("Q4_K_M");
                                                 // default: derived from the most common type
    std::string llama_input = "model-f16.gguf";  // used in the .sh command line form
    std::string llama_output = "model-quant.gguf";
    std::string llama_imatrix;                   // optional --imatrix file for the command line

    // GPTQModel
    bool gptq_desc_act = false;

    // AIMET: plan tensor name -> ONNX initializer name (AIMET matches ONNX names);
    // tensors not listed keep their plan name.
    std::map<std::string, std::string> aimet_names;

    Progress progress;  // reported per tensor; cancelling aborts and leaves `out` untouched
};

// Writes `plan` to `out` in `format`. Conditions worth a user's attention (no exact
// GGUF type, a module AIMET cannot express, ...) are appended to `warnings`
// (may be nullptr). Errors leave any existing file at `out` unchanged.
//
// Per format, `out` is:
//   json         the quantscope plan file (plan_json.hpp, docs/plan.md)
//   csv          the per-tensor table
//   llama        a llama-quantize --tensor-type-file; if `out` ends in ".sh", a shell script
//                with the complete llama-quantize command line instead
//   gptqmodel    quantize_config.json with a "dynamic" section; if `out` ends in ".py", a
//                Python file defining `dynamic = {...}` and `quantize_config = {...}`
//   aimet        AIMET 1.0.0 encodings JSON (needs options.model)
//   safetensors  quantized weights (needs options.model)
//   modelopt     NVIDIA ModelOpt hf_quant_config.json (MIXED_PRECISION, per-module quantized_layers)
//   compressed-tensors  config.json-style {"quantization_config": {config_groups, ignore}}
Status export_plan(const PlanDocument& plan, ExportFormat format, const std::filesystem::path& out,
                   const ExportOptions& options = {}, std::vector<std::string>* warnings = nullptr);

}  // namespace qs::exporter
