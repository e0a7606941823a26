// GPTQModel export (see gptqmodel.hpp). GPTQ kernels support 2, 3, 4 and 8-bit
// integer weights; other widths round up to the next supported one (with a warning)
// so the module is never given fewer bits than planned.
#include "core/export/gptqmodel.hpp"

#include "core/export/tensor_names.hpp"

#include <fmt/format.h>

#include <map>
#include <tuple>

namespace qs::exporter {
namespace {

using quant::Granularity;
using quant::Scheme;

int supported_bits(int bits) {
    for (int b : {2, 3, 4, 8})
        if (bits <= b) return b;
    return 8;
}

std::string py_bool(bool b) { return b ? "True" : "False"; }

std::string py_config(const GptqConfig& c) {
    return fmt::format("{{\"bits\": {}, \"group_size\": {}, \"sym\": {}, \"desc_act\": {}}}", c.bits, c.group_size,
                       py_bool(c.sym), py_bool(c.desc_act));
}

}  // namespace

Result<GptqPlan> gptq_plan(const PlanDocument& plan, const ExportOptions& options, std::vector<std::string>* warnings) {
    auto warn = [&](std::string w) {
        if (warnings) warnings->push_back(std::move(w));
    };
    struct Entry {
        std::string module;
        std::optional<GptqConfig> cfg;
        uint64_t params;
    };
    std::vector<Entry> entries;
    std::map<std::string, GptqConfig> by_module;
    constexpr std::string_view kWeight = ".weight";
    for (const auto& t : plan.tensors) {
        // GPTQ quantizes the weight matrices of linear modules: 2-D tensors named <module>.weight.
        const bool linear = t.shape.size() == 2 && t.name.size() > kWeight.size() &&
                            t.name.compare(t.name.size() - kWeight.size(), kWeight.size(), kWeight) == 0;
        if (!linear) {
            if (t.quantized && t.shape.size() >= 2)
                warn(fmt::format("gptqmodel: tensor '{}' is not the weight of a linear module; GPTQ cannot "
                                 "quantize it, left out",
                                 t.name));
            continue;
        }
        if (options.names == NameConvention::Gguf || looks_like_gguf_name(t.name))
            warn(fmt::format("gptqmodel: tensor '{}' has a llama.cpp name; GPTQModel matches Hugging Face module "
                             "paths",
                             t.name));
        const std::string module = t.name.substr(0, t.name.size() - kWeight.size());
        const uint64_t params = uint64_t(t.shape[0]) * uint64_t(t.shape[1]);
        if (!t.quantized) {
            entries.push_back({module, std::nullopt, params});
            continue;
        }
        const auto& s = t.spec;
        GptqConfig c;
        c.desc_act = options.gptq_desc_act;
        c.sym = s.scheme == Scheme::Int ? s.symmetric : true;
        c.bits = supported_bits(s.bits);
        if (s.scheme != Scheme::Int)
            warn(fmt::format("gptqmodel: tensor '{}': GPTQ has integer weights only; {} written as int{}", t.name,
                             quant::to_text(s), c.bits));
        else if (c.bits != s.bits)
            warn(fmt::format("gptqmodel: tensor '{}': GPTQ has no {}-bit kernels; using {} bits", t.name, s.bits,
                             c.bits));
        if (s.granularity == Granularity::PerGroup) {
            c.group_size = s.group_size;
            if (t.shape[1] % s.group_size != 0)
                warn(fmt::format("gptqmodel: tensor '{}': {} input features are not a multiple of group size {}",
                                 t.name, t.shape[1], s.group_size));
        } else {
            c.group_size = -1;
            if (!(s.granularity == Granularity::PerChannel && s.axis == 0))
                warn(fmt::format("gptqmodel: tensor '{}': {} scaling has no GPTQ equivalent; using per-channel "
                                 "(group_size -1)",
                                 t.name, quant::granularity_name(s.granularity)));
        }
        by_module[module] = c;
        entries.push_back({module, c, params});
    }
    // vLLM fuses q/k/v and gate/up into one kernel: they must share a configuration.
    for (const auto& [module, c] : by_module) {
        for (auto [first, others] : {std::pair{".self_attn.q_proj", std::vector<const char*>{".self_attn.k_proj", ".self_attn.v_proj"}},
                                     std::pair{".mlp.gate_proj", std::vector<const char*>{".mlp.up_proj"}}}) {
            const std::string_view f(first);
            if (module.size() <= f.size() || module.compare(module.size() - f.size(), f.size(), f) != 0) continue;
            const std::string prefix = module.substr(0, module.size() - f.size());
            for (const char* o : others) {
                auto it = by_module.find(prefix + o);
                if (it != by_module.end() && !(it->second == c))
                    warn(fmt::format("gptqmodel: '{}' and '{}' have different configurations; vLLM fuses them and "
                                     "needs one",
                                     module, it->first));
            }
        }
    }
    GptqPlan gp;
    std::map<std::tuple<int, int, bool, bool>, uint64_t> votes;
    for (const auto& e : entries)
        if (e.cfg) votes[{e.cfg->bits, e.cfg->group_size, e.cfg->sym, e.cfg->desc_act}] += e.params;
    uint64_t most = 0;
    for (const auto& [k, n] : votes)
        if (n > most) {
            most = n;
            gp.base = {std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k)};
        }
    if (votes.empty()) gp.base.desc_act = options.gptq_desc_act;
    for (const auto& e : entries) {
        const std::string pattern = exact_name_pattern(e.module);
        if (!e.cfg) gp.rules.push_back({e.module, "-:" + pattern, std::nullopt});
        else if (!(*e.cfg == gp.base)) gp.rules.push_back({e.module, "+:" + pattern, e.cfg});
    }
    return gp;
}

nlohmann::ordered_json gptq_config_json(const GptqPlan& gp) {
    nlohmann::ordered_json j;
    j["quant_method"] = "gptq";
    j["bits"] = gp.base.bits;
    j["group_size"] = gp.base.group_size;
    j["desc_act"] = gp.base.desc_act;
    j["sym"] = gp.base.sym;
    j["checkpoint_format"] = "gptq";
    nlohmann::ordered_json d = nlohmann::ordered_json::object();
    for (const auto& r : gp.rules) {
        if (!r.config) {
            d[r.key] = nlohmann::ordered_json::object();
        } else {
            d[r.key] = {{"bits", r.config->bits},
                        {"group_size", r.config->group_size},
                        {"sym", r.config->sym},
                        {"desc_act", r.config->desc_act}};
        }
    }
    j["dynamic"] = std::move(d);
    return j;
}

std::string gptq_python(const GptqPlan& gp) {
    // JSON string literals are valid Python string literals (same escapes), so keys
    // are written with nlohmann's string escaping.
    std::string out = "# Written by quantscope: GPTQModel per-module overrides from a quantscope plan.\n"
                      "# Keys are re.match patterns; the first matching key wins; \"-:\" leaves a module unquantized.\n"
                      "dynamic = {\n";
    for (const auto& r : gp.rules)
        out += fmt::format("    {}: {},\n", nlohmann::json(r.key).dump(), r.config ? py_config(*r.config) : "{}");
    out += "}\n\n";
    out += fmt::format("quantize_config = {{\"bits\": {}, \"group_size\": {}, \"sym\": {}, \"desc_act\": {}, "
                       "\"dynamic\": dynamic}}\n",
                       gp.base.bits, gp.base.group_size, py_bool(gp.base.sym), py_bool(gp.base.desc_act));
    return out;
}

}  // namespace qs::exporter
