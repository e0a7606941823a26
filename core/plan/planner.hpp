// Mixed-precision planning: choose one candidate spec per layer so the total
// predicted cost (loss increase) is minimal and the total size fits a budget.
// This is the multiple-choice knapsack problem (MCKP).
//
//   solve_greedy()     the incremental-efficiency greedy (HAWQ-style baseline)
//   solve_exact()      provably optimal: Lagrangian bound + variable reduction,
//                      then an exact Pareto-list DP over the few undecided layers
//   pareto_frontier()  the lower convex hull of (size, cost) over all budgets, in one sweep
//
// Sizes are in bits and exact (no discretisation): params * bits_per_weight.
#pragma once

#include "core/util/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qs::plan {

struct Candidate {
    std::string label;   // usually the spec's compact text, e.g. "int4:sym:group=128"
    double bits = 0.0;   // stored size of the layer under this candidate, in bits
    double cost = 0.0;   // predicted cost (loss increase) of the layer under this candidate
};

struct Layer {
    std::string name;
    std::vector<Candidate> candidates;
    std::optional<std::string> pin;  // forced candidate label
};

struct Problem {
    std::vector<Layer> layers;
    std::vector<std::vector<size_t>> groups;  // layers that must choose the same label (e.g. q/k/v)
    double budget_bits = 0.0;                 // total size limit, in bits
};

struct Plan {
    std::vector<size_t> choice;   // candidate index per layer
    double bits = 0.0;            // total size
    double cost = 0.0;            // total predicted cost
    bool optimal = false;         // proven optimal for the budget
    double lower_bound = 0.0;     // no feasible plan costs less than this
};

struct SolveOptions {
    size_t max_states = 4'000'000;  // cap on the exact DP's Pareto states; beyond it the best
                                    // plan found is returned with optimal = false
};

Result<Plan> solve_greedy(const Problem& p);
Result<Plan> solve_exact(const Problem& p, const SolveOptions& opts = {});

// The lower convex hull of achievable (bits, cost), smallest size first. Each
// point is a real plan; point k differs from point k-1 in the layers listed in
// `changes` (a group changes together), so 10,000 layers x 8 candidates give
// ~70,000 points without storing 70,000 full plans.
struct FrontierPoint {
    double bits = 0.0;
    double cost = 0.0;
    std::vector<std::pair<size_t, size_t>> changes;  // (layer, new candidate index)
};
struct Frontier {
    std::vector<size_t> first_choice;   // the plan at points[0] (the smallest non-dominated one)
    std::vector<FrontierPoint> points;
    std::vector<size_t> choice_at(size_t k) const;  // the plan at points[k]
};
Result<Frontier> pareto_frontier(const Problem& p);

// Budget helpers: total parameters x average bits per weight, or bytes.
double budget_from_bpw(double bpw, uint64_t total_params);
inline double budget_from_bytes(double bytes) { return bytes * 8.0; }

}  // namespace qs::plan
