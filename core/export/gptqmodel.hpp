// GPTQModel / AutoGPTQ export: a quantize_config with a `dynamic` section of per-module
// overrides. Keys are "+:" (override) or "-:" (leave unquantized) followed by a Python
// re.match pattern anchored with ^...$, module paths without ".weight"; GPTQModel
// takes the first key that matches, in dict order.
#pragma once

#include "core/export/export.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace qs::exporter {

struct GptqConfig {
    int bits = 4;
    int group_size = 128;  // -1 = per output channel
    bool sym = true;
    bool desc_act = false;
    bool operator==(const GptqConfig&) const = default;
};

struct GptqRule {
    std::string module;                // "model.layers.0.self_attn.q_proj"
    std::string key;                   // "+:^model\.layers\.0\.self_attn\.q_proj$" or "-:^...$"
    std::optional<GptqConfig> config;  // nullopt for "-:" (skip) rules
};

struct GptqPlan {
    GptqConfig base;               // the most common configuration (by parameters)
    std::vector<GptqRule> rules;   // modules whose config differs from base, and skipped modules
};

Result<GptqPlan> gptq_plan(const PlanDocument& plan, const ExportOptions& options, std::vector<std::string>* warnings);
// quantize_config.json: {"quant_method": "gptq", "bits", "group_size", "desc_act", "sym",
// "checkpoint_format": "gptq", "dynamic": {key: {bits, group_size, sym, desc_act} | {}}}
nlohmann::ordered_json gptq_config_json(const GptqPlan& gp);
// Python source defining `dynamic = {...}` and `quantize_config = {...}`.
std::string gptq_python(const GptqPlan& gp);

}  // namespace qs::exporter
