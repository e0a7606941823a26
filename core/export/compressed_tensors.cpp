// compressed-tensors quantization_config (see compressed_tensors.hpp). Groups are
// numbered in order of first appearance in the plan, so the output is deterministic.
#include "core/export/compressed_tensors.hpp"

#include "core/export/hf_modules.hpp"

#include <fmt/format.h>

#include <map>

namespace qs::exporter {

using quant::Granularity;
using quant::Scheme;

nlohmann::ordered_json ct_weight_args(const quant::QuantSpec& s, bool* exact) {
    bool ok = true;
    nlohmann::ordered_json w;
    int bits = s.bits;
    std::string type = "int";
    bool sym = s.symmetric;
    switch (s.scheme) {
        case Scheme::Int: break;
        case Scheme::Fp: type = "float", sym = true; break;
        case Scheme::MX:
            type = s.mx_element == quant::MxElement::INT8 ? "int" : "float";
            bits = s.mx_element == quant::MxElement::FP4_E2M1 ? 4 : s.mx_element == quant::MxElement::INT8 ? 8
                   : (s.mx_element == quant::MxElement::FP6_E3M2 || s.mx_element == quant::MxElement::FP6_E2M3) ? 6
                                                                                                                  : 8;
            sym = true;
            ok = false;  // the shared power-of-two scale has no compressed-tensors equivalent
            break;
        default: ok = false, sym = true; break;
    }
    w["num_bits"] = bits;
    w["type"] = type;
    w["symmetric"] = sym;
    switch (s.scheme == Scheme::MX ? Granularity::PerGroup : s.granularity) {
        case Granularity::PerTensor: w["strategy"] = "tensor", w["group_size"] = nullptr; break;
        case Granularity::PerChannel:
            w["strategy"] = "channel", w["group_size"] = nullptr;
            if (s.axis != 0) ok = false;
            break;
        case Granularity::PerGroup:
            w["strategy"] = "group", w["group_size"] = s.scheme == Scheme::MX ? 32 : s.group_size;
            break;
        case Granularity::PerBlock:
            w["strategy"] = "block", w["group_size"] = nullptr;
            w["block_structure"] = {s.block_rows, s.block_cols};
            break;
    }
    w["dynamic"] = false;
    if (exact) *exact = ok;
    return w;
}

Result<nlohmann::ordered_json> compressed_tensors_config(const PlanDocument& plan, const ExportOptions& options,
                                                        std::vector<std::string>* warnings) {
    auto warn = [&](std::string w) {
        if (warnings) warnings->push_back(std::move(w));
    };
    auto mods = hf_linear_modules(plan, options, "compressed-tensors", warnings);
    if (!mods) return mods.error();
    std::vector<std::pair<nlohmann::ordered_json, std::vector<std::string>>> groups;
    std::map<std::string, size_t> group_of;  // weights args dump -> group index
    nlohmann::ordered_json ignore = nlohmann::ordered_json::array();
    for (const auto& m : *mods) {
        const PlannedTensor& t = *m.tensor;
        if (!t.quantized) {
            ignore.push_back(m.module);
            continue;
        }
        bool exact = true;
        auto w = ct_weight_args(t.spec, &exact);
        if (!exact)
            warn(fmt::format("compressed-tensors: tensor '{}': {} has no exact compressed-tensors scheme; written as "
                             "{}",
                             t.name, quant::to_text(t.spec), w.dump()));
        auto [it, fresh] = group_of.emplace(w.dump(), groups.size());
        if (fresh) groups.push_back({w, {}});
        groups[it->second].second.push_back(m.module);
    }
    nlohmann::ordered_json cg = nlohmann::ordered_json::object();
    for (size_t i = 0; i < groups.size(); ++i) {
        nlohmann::ordered_json g;
        g["targets"] = groups[i].second;
        g["weights"] = groups[i].first;
        g["input_activations"] = nullptr;
        g["output_activations"] = nullptr;
        cg[fmt::format("group_{}", i)] = std::move(g);
    }
    nlohmann::ordered_json j;
    j["quant_method"] = "compressed-tensors";
    j["format"] = "pack-quantized";
    j["quantization_status"] = "compressed";
    j["config_groups"] = std::move(cg);
    j["ignore"] = std::move(ignore);
    return j;
}

}  // namespace qs::exporter
