// From a cost table to a decision: builds the planning problem (budget, pins,
// tied groups), solves it exactly, and reports the greedy baseline, the uniform
// baselines and the Pareto frontier beside it, as a PlanDocument ready to export.
#pragma once
#include "core/export/plan_document.hpp"
#include "core/plan/planner.hpp"
#include "core/sensitivity/cost_table.hpp"
#include "core/util/result.hpp"
#include <optional>
#include <string>
#include <vector>

namespace qs::plan {

struct Pin {
    std::string pattern;   // ECMAScript regex, searched in the tensor name
    std::string label;     // a candidate label
};

struct PlanRequest {
    std::optional<double> budget_bpw;      // average over quantized tensors, incl. overheads
    std::optional<uint64_t> budget_bytes;  // total of the quantized tensors
    std::vector<Pin> pins;
    // Tensors matching a tie pattern whose capture groups agree must share a spec,
    // e.g. "layers\.(\d+)\.self_attn\.[qkv]_proj" ties q/k/v per layer.
    std::vector<std::string> ties;
    bool tie_common = false;               // add the built-in q/k/v and gate/up ties (HF and GGUF names)
};

// The regexes tie_common adds.
std::vector<std::string> common_tie_patterns();

struct Baseline {
    std::string label;
    bool feasible = false;     // every tensor offers the label (and the pins allow it)
    double bits = 0.0;
    double cost = 0.0;
};

struct PlanOutcome {
    exporter::PlanDocument doc;
    Problem problem;                        // as solved (for the GUI and re-planning)
    Plan exact;
    Plan greedy;
    std::vector<Baseline> uniform;          // one per candidate label
    std::vector<std::vector<size_t>> groups;  // layer indices of each tie group
    std::vector<std::string> notes;         // warnings worth showing (unmatched pins, ...)
};

Result<PlanOutcome> plan_from_costs(const sensitivity::CostTable& table, const PlanRequest& req);

// The frontier of the same problem as (bits, cost) points (no budget needed).
Result<Frontier> frontier_from_costs(const sensitivity::CostTable& table, const PlanRequest& req);

}  // namespace qs::plan
