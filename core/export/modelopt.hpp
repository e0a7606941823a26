// NVIDIA ModelOpt export: hf_quant_config.json with quant_algo MIXED_PRECISION, one
// quantized_layers entry per linear module and exclude_modules for modules kept in full
// precision. A plan only: a real ModelOpt checkpoint also needs ModelOpt's own scales.
#pragma once
#include "core/export/export.hpp"

#include <nlohmann/json.hpp>

namespace qs::exporter {

struct ModelOptAlgo {
    std::string algo;     // "W4A16_AWQ", "W8A16", "FP8", "NVFP4", ...
    int group_size = 0;   // 0: none written
    bool has_zero_point = false;
    bool exact = true;    // false: nearest algorithm
};
ModelOptAlgo modelopt_algo_for(const quant::QuantSpec& s);

// {"producer": {...}, "quantization": {"quant_algo": "MIXED_PRECISION", "kv_cache_quant_algo": null,
//  "quantized_layers": {module: {"quant_algo", ["group_size", "has_zero_point", "pre_quant_scale"]}},
//  "exclude_modules": [...]}}
Result<nlohmann::ordered_json> modelopt_config(const PlanDocument& plan, const ExportOptions& options,
                                              std::vector<std::string>* warnings);

}  // namespace qs::exporter
