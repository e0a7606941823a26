// compressed-tensors export (vLLM / llm-compressor): a quantization_config with one
// config group per distinct weight spec, targets the exact module paths (compressed-
// tensors compares targets to module names literally unless they start with "re:"),
// and the modules kept in full precision under "ignore".
#pragma once
#include "core/export/export.hpp"

#include <nlohmann/json.hpp>

namespace qs::exporter {

// The "weights" quantization args for a spec; `exact` false when only the nearest
// compressed-tensors scheme exists.
nlohmann::ordered_json ct_weight_args(const quant::QuantSpec& s, bool* exact);

// {"quant_method": "compressed-tensors", "format": ..., "config_groups": {"group_0": {"targets": [...],
//  "weights": {...}, "input_activations": null}}, "ignore": [...]}
Result<nlohmann::ordered_json> compressed_tensors_config(const PlanDocument& plan, const ExportOptions& options,
                                                        std::vector<std::string>* warnings);

}  // namespace qs::exporter
