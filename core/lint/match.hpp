// Each tool's own matching rules, as pure functions over the tensor list:
//   llama-quantize  pattern lower-cased, std::regex_search (unanchored) over the GGUF
//                   tensor name; only tensors llama-quantize quantizes take part; the
//                   --output-tensor-type / --token-embedding-type flags beat every pattern;
//                   first matching pattern wins (current llama.cpp; last match in the first
//                   releases with --tensor-type, see docs/lint.md)
//   GPTQModel       Python re.match (anchored at the start only) over the module path (the
//                   name without ".weight"); dict order, first match wins; "-:" skips
//   compressed-     a target is an exact module path, "re:" + re.match pattern, or a class
//   tensors         name ("Linear"); a bare regex is compared literally; exact names beat
//                   regexes beat class names (ties: config order); "ignore" beats targets
#pragma once
#include "core/lint/rules.hpp"

#include <span>

namespace qs::lint {

enum class LlamaPrecedence { FirstMatch, LastMatch };

struct MatchOptions {
    LlamaPrecedence llama = LlamaPrecedence::FirstMatch;
};

struct Matches {
    std::vector<std::vector<size_t>> by_rule;  // tensors each rule's pattern matches, precedence ignored
    std::vector<std::string> rule_error;       // per rule: why it cannot be used ("" = fine)
    std::vector<int> winner;                   // per tensor: the rule that applies, -1 = none
    std::vector<bool> subject;                 // per tensor: the tool considers it at all
};

// llama-quantize's test for tensors it quantizes (and so applies patterns to): names
// ending in "weight", 2 or more dimensions (when known), not norms, MoE gate inputs or
// position/token-type embeddings.
bool llama_quantizable(const LintTensor& t);
// GPTQModel / compressed-tensors subjects: "<module>.weight" of 2 dimensions (when known).
bool linear_weight(const LintTensor& t);
// The module path of a "<module>.weight" tensor ("" when not such a name).
std::string module_of(std::string_view tensor_name);

// A compressed-tensors class-name target ("Linear", "Embedding", ...): a bare identifier
// starting with a capital letter.
bool is_class_target(std::string_view target);

Matches match_rules(const RuleSet& rules, std::span<const LintTensor> tensors, const MatchOptions& options = {});

}  // namespace qs::lint
