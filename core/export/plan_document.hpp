// PlanDocument: the per-tensor mixed-precision plan as one plain value, the hand-off
// between the planner/sensitivity side (core/plan, core/sensitivity, cli plan) and the
// exporters (core/export/*). Its JSON form is the versioned "quantscope_plan" schema
// (docs/plan.md); every other format is written from this value.
#pragma once
#include "core/quant/spec.hpp"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qs::exporter {

struct PlannedTensor {
    std::string name;                   // tensor name exactly as in the model file
    std::vector<int64_t> shape;         // outermost first
    std::string source_dtype;           // dtype name in the file ("BF16", "Q4_K", ...)
    bool quantized = true;              // false: kept as in the source (norms, biases, 1-D)
    quant::QuantSpec spec;              // chosen spec (meaningful when quantized)
    std::string label;                  // candidate label shown to users, e.g. "int4:g128"
    double bits_per_weight = 0.0;       // incl. scales/zero points/codebooks/outliers
    double predicted_cost = 0.0;        // planner cost of this choice (sensitivity-weighted)
    double sensitivity = 0.0;           // score behind the cost (e.g. Tr(H)/n); 0 if none
    bool pinned = false;                // forced by the user
    std::optional<double> mse;          // measured on the weights, when known
    std::optional<double> sqnr_db;
};

struct PlanDocument {
    std::string model;                  // model path as given on the command line
    std::string sensitivity_source;     // "hessian-trace", "imatrix", "traces-json", "data-free"
    std::optional<double> budget_bpw;   // average bits per weight over quantized tensors
    std::optional<uint64_t> budget_bytes;
    std::vector<std::string> candidates;  // candidate labels, in the order given
    std::vector<PlannedTensor> tensors;   // in model order
    bool optimal = false;               // the planner proved optimality
    double total_predicted_cost = 0.0;
    // Totals over quantized tensors (kept tensors are listed but not counted here).
    uint64_t quantized_params = 0;
    double quantized_bits = 0.0;
    double avg_bpw() const { return quantized_params ? quantized_bits / double(quantized_params) : 0.0; }
};

}  // namespace qs::exporter
