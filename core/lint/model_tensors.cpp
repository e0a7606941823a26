// Model tensors in a tool's naming convention (see model_tensors.hpp).
#include "core/lint/model_tensors.hpp"

namespace qs::lint {

ToolTensors tool_tensors(const io::ModelIndex& model, Tool tool, std::optional<exporter::Arch> arch) {
    ToolTensors out;
    std::vector<std::string> names;
    for (const auto& t : model.tensors) names.push_back(t.name);
    if (!arch)
        for (const auto& e : model.metadata)
            if (e.key == "general.architecture") arch = exporter::arch_from_name(e.value);
    out.arch = arch ? *arch : exporter::guess_arch(names);
    const bool want_gguf = tool == Tool::Llama;
    for (const auto& t : model.tensors) {
        LintTensor lt{t.name, t.shape, ""};
        const bool is_gguf = exporter::looks_like_gguf_name(t.name);
        std::optional<std::string> mapped;
        if (want_gguf && !is_gguf) mapped = exporter::hf_to_gguf_name(t.name, out.arch);
        else if (!want_gguf && is_gguf) mapped = exporter::gguf_to_hf_name(t.name, out.arch);
        else {
            out.tensors.push_back(std::move(lt));
            continue;
        }
        if (mapped) {
            lt.model_name = t.name;
            lt.name = *mapped;
            ++out.mapped;
        } else {
            ++out.unmapped;
        }
        out.tensors.push_back(std::move(lt));
    }
    return out;
}

}  // namespace qs::lint
