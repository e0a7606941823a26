// ModelOpt hf_quant_config.json (see modelopt.hpp). Integer group quantization maps to
// AWQ's weight-only algorithms (the only grouped int algorithms ModelOpt exports);
// per-channel int8 to W8A16; FP8 to FP8 / FP8_PER_CHANNEL_PER_TOKEN; FP4 E2M1 to NVFP4
// (groups of 16) or the MXFP4 algorithm (blocks of 32).
#include "core/export/modelopt.hpp"

#include "core/export/hf_modules.hpp"

#include <fmt/format.h>

namespace qs::exporter {

using quant::Granularity;
using quant::Scheme;

ModelOptAlgo modelopt_algo_for(const quant::QuantSpec& s) {
    const bool group = s.granularity == Granularity::PerGroup;
    switch (s.scheme) {
        case Scheme::Int:
            if (s.bits == 4 && group) return {"W4A16_AWQ", s.group_size, !s.symmetric, true};
            if (s.bits == 8 && s.granularity == Granularity::PerChannel && s.symmetric) return {"W8A16", 0, false, true};
            if (s.bits <= 4) return {"W4A16_AWQ", group ? s.group_size : 128, !s.symmetric, false};
            return {"W8A16", 0, false, false};
        case Scheme::Fp:
            if (s.bits == 8 && s.exp_bits == 4 && s.man_bits == 3)
                return {s.granularity == Granularity::PerChannel ? "FP8_PER_CHANNEL_PER_TOKEN" : "FP8", 0, false,
                        s.granularity != Granularity::PerGroup};
            if (s.bits == 4 && s.exp_bits == 2 && s.man_bits == 1)
                return {"NVFP4", 16, false, group && s.group_size == 16};
            return {s.bits <= 4 ? "NVFP4" : "FP8", s.bits <= 4 ? 16 : 0, false, false};
        case Scheme::MX:
            if (s.mx_element == quant::MxElement::FP8_E4M3) return {"MXFP8", 0, false, true};
            if (s.mx_element == quant::MxElement::FP4_E2M1) return {"W4A8_MXFP4_FP8", 0, false, false};
            return {"MXFP8", 0, false, false};
        case Scheme::NF4:
        case Scheme::KMeans:
        case Scheme::Log2:
        case Scheme::Binary:
        case Scheme::Ternary:
            if (s.bits <= 4) return {"W4A16_AWQ", group ? s.group_size : 128, false, false};
            return {"W8A16", 0, false, false};
    }
    return {"W8A16", 0, false, false};
}

Result<nlohmann::ordered_json> modelopt_config(const PlanDocument& plan, const ExportOptions& options,
                                              std::vector<std::string>* warnings) {
    auto warn = [&](std::string w) {
        if (warnings) warnings->push_back(std::move(w));
    };
    auto mods = hf_linear_modules(plan, options, "modelopt", warnings);
    if (!mods) return mods.error();
    nlohmann::ordered_json layers = nlohmann::ordered_json::object();
    nlohmann::ordered_json exclude = nlohmann::ordered_json::array();
    for (const auto& m : *mods) {
        const PlannedTensor& t = *m.tensor;
        if (!t.quantized) {
            exclude.push_back(m.module);
            continue;
        }
        const ModelOptAlgo a = modelopt_algo_for(t.spec);
        if (!a.exact)
            warn(fmt::format("modelopt: tensor '{}': no ModelOpt algorithm matches {}; using the nearest, {}", t.name,
                             quant::to_text(t.spec), a.algo));
        nlohmann::ordered_json e;
        e["quant_algo"] = a.algo;
        if (a.algo == "W4A16_AWQ") {
            e["group_size"] = a.group_size;
            e["has_zero_point"] = a.has_zero_point;
            e["pre_quant_scale"] = true;
        } else if (a.group_size > 0) {
            e["group_size"] = a.group_size;
        }
        layers[m.module] = std::move(e);
    }
    nlohmann::ordered_json j;
    j["producer"] = {{"name", "quantscope"}, {"version", "0.1.0"}};
    j["quantization"] = {{"quant_algo", "MIXED_PRECISION"},
                         {"kv_cache_quant_algo", nullptr},
                         {"quantized_layers", std::move(layers)},
                         {"exclude_modules", std::move(exclude)}};
    warn("modelopt: hf_quant_config.json describes the plan only; a loadable checkpoint also needs the scales "
         "ModelOpt computes");
    return j;
}

}  // namespace qs::exporter
