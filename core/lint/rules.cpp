// Names of tools and severities (see rules.hpp).
#include "core/lint/rules.hpp"

#include <cctype>

namespace qs::lint {

Result<Tool> parse_tool(std::string_view name) {
    std::string n(name);
    for (char& c : n) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (n == "llama" || n == "llama.cpp" || n == "gguf") return Tool::Llama;
    if (n == "gptqmodel" || n == "gptq") return Tool::GptqModel;
    if (n == "compressed-tensors" || n == "compressed_tensors" || n == "ct") return Tool::CompressedTensors;
    return make_error("unknown lint format '{}' (expected llama, gptqmodel or compressed-tensors)", name);
}

std::string_view tool_name(Tool t) {
    switch (t) {
        case Tool::Llama: return "llama";
        case Tool::GptqModel: return "gptqmodel";
        case Tool::CompressedTensors: return "compressed-tensors";
    }
    return "?";
}

std::string_view severity_name(Severity s) {
    switch (s) {
        case Severity::Info: return "info";
        case Severity::Warning: return "warning";
        case Severity::Error: return "error";
    }
    return "?";
}

}  // namespace qs::lint
