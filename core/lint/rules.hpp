// The data the lint works on: one tool's override rules as read from a file or made
// from a plan (RuleSet), the model's tensors (LintTensor), and what the lint reports
// (Finding). Readers live in read_rules.*, matchers in match.*, checks in lint.*.
#pragma once
#include "core/util/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qs::lint {

// llama: llama-quantize --tensor-type; GptqModel: quantize_config "dynamic";
// CompressedTensors: quantization_config "config_groups" targets + "ignore".
enum class Tool { Llama, GptqModel, CompressedTensors };
Result<Tool> parse_tool(std::string_view name);  // "llama", "gptqmodel", "compressed-tensors"
std::string_view tool_name(Tool t);

enum class Severity { Info, Warning, Error };
std::string_view severity_name(Severity s);

struct Finding {
    Severity severity = Severity::Warning;
    std::string code;                  // "no-match", "conflict", "tied-split", "row-block", ...
    std::string pattern;               // the rule concerned ("" when none)
    std::vector<std::string> tensors;  // tensors concerned (may be empty)
    std::string message;
};

struct Rule {
    std::string pattern;  // as written (gptq: without "+:"/"-:"; compressed-tensors: incl. "re:")
    std::string assigns;  // what it gives a tensor, for display: "q4_K", "bits=4 group_size=128 ...", "skip"
    std::string key;      // identity of `assigns`, compared to find conflicts ("unquantized" for skips)
    bool skip = false;    // leaves the tensors it wins unquantized (gptq "-:", compressed-tensors ignore)
    bool forced = false;  // llama --output-tensor-type / --token-embedding-type: exact name, beats patterns
    int64_t block = 0;    // rows (last dim) must divide by this: llama type block, group size; 0 = none
    std::string origin;   // where it was read: "plan.txt token 3", "dynamic key 2", "config_groups.group_0.targets[1]"
};

struct RuleSet {
    Tool tool = Tool::Llama;
    std::string source;                 // file the rules came from
    std::vector<Rule> rules;            // in file order
    std::string default_assigns;        // what a tensor no rule matches gets (display)
    std::string default_key;
    std::vector<Finding> findings;      // problems seen while reading (unknown type, ...)
};

struct LintTensor {
    std::string name;             // in the tool's convention (GGUF for llama, HF for the others)
    std::vector<int64_t> shape;   // outermost first; empty = unknown
    std::string model_name;       // the name in the model file, when it was mapped ("" = same)
};

}  // namespace qs::lint
