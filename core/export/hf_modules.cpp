// Linear modules of a plan under HF names (see hf_modules.hpp).
#include "core/export/hf_modules.hpp"

#include "core/export/tensor_names.hpp"

#include <fmt/format.h>

#include <map>

namespace qs::exporter {

bool is_embedding_name(std::string_view n) {
    for (std::string_view e : {"embed_tokens", "wte.", "wpe.", "token_embd.", "position_embd.", "embeddings."})
        if (n.find(e) != std::string_view::npos) return true;
    return false;
}

Result<std::vector<HfLinear>> hf_linear_modules(const PlanDocument& plan, const ExportOptions& options,
                                                std::string_view who, std::vector<std::string>* warnings) {
    auto warn = [&](std::string w) {
        if (warnings) warnings->push_back(std::move(w));
    };
    std::vector<std::string> names;
    for (const auto& t : plan.tensors) names.push_back(t.name);
    Arch arch = guess_arch(names);
    if (!options.arch.empty()) {
        auto a = arch_from_name(options.arch);
        if (!a) return make_error("{}: unknown architecture '{}' for name mapping", who, options.arch);
        arch = *a;
    }
    std::vector<HfLinear> out;
    std::map<std::string, std::string> seen;
    constexpr std::string_view kWeight = ".weight";
    for (const auto& t : plan.tensors) {
        if (t.shape.size() != 2) continue;
        std::string name = t.name;
        const bool gguf = options.names == NameConvention::Gguf ||
                          (options.names == NameConvention::Auto && looks_like_gguf_name(name));
        if (gguf) {
            auto hf = gguf_to_hf_name(name, arch);
            if (!hf) {
                warn(fmt::format("{}: tensor '{}': no Hugging Face name known for it ({} layout); left out", who,
                                 t.name, arch_name(arch)));
                continue;
            }
            name = *hf;
        }
        if (name.size() <= kWeight.size() || name.compare(name.size() - kWeight.size(), kWeight.size(), kWeight) != 0)
            continue;
        if (is_embedding_name(name)) {
            if (t.quantized)
                warn(fmt::format("{}: tensor '{}' is an embedding table, not a linear module; left out", who, t.name));
            continue;
        }
        std::string module = name.substr(0, name.size() - kWeight.size());
        if (auto [it, fresh] = seen.emplace(module, t.name); !fresh)
            return make_error("{}: tensors '{}' and '{}' both name module '{}'", who, it->second, t.name, module);
        out.push_back({std::move(module), &t});
    }
    return out;
}

}  // namespace qs::exporter
