// The lint: runs a tool's matcher (match.hpp) over the model's tensors and reports what
// would go wrong: patterns matching nothing (or only tensors the tool never touches),
// patterns that never win, tensors matched by patterns assigning different specs, tied
// groups (q/k/v, gate/up) split across specs, rows not a multiple of the type's block,
// unanchored layer numbers (blk.1 matching blk.10..19), lower-cased escapes (\D -> \d).
#pragma once
#include "core/lint/match.hpp"

#include <span>

namespace qs::lint {

struct LintOptions {
    MatchOptions match;
    // Regexes (ECMAScript, searched in the tensor name) whose tensors with equal capture
    // groups must share a spec; default: core/plan's common q/k/v and gate/up ties.
    std::vector<std::string> ties;
    bool default_ties = true;
};

struct LintReport {
    RuleSet rules;
    std::vector<LintTensor> tensors;
    Matches matches;
    std::vector<Finding> findings;   // most severe first, then in rule order
    size_t errors = 0, warnings = 0, infos = 0;
    // What tensor t ends up with: its winning rule's assigns, or the default.
    std::string effective(size_t t) const;
};

LintReport lint(RuleSet rules, std::vector<LintTensor> tensors, const LintOptions& options = {});

// Block of a ggml type as llama-quantize spells it (case-insensitive): 1 for f32/f16/bf16,
// 32 for q4_0..q8_0/iq4_nl/mxfp4, 256 for K and IQ types; 0 when the name is no ggml type.
int64_t ggml_type_block(std::string_view type);

}  // namespace qs::lint
