// The demo-model side of the Learn menu: live accuracy with per-layer QuantSpecs
// (weights fake-quantized by core/quant, then core/nn's evaluate), the same
// specs as a QAT fake-quant, and lesson 9's Hessian-aware mixed precision
// (per-layer Hutchinson traces, HAWQ-v2 costs Tr(H)/n * ||Q(W) - W||^2, the
// exact MCKP planner under a size budget, and the accuracy of its plan vs
// uniform bits at the same size).
#pragma once

#include "core/nn/act_quant.hpp"
#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/nn/qat.hpp"
#include "core/quant/spec.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qs::learn {

// Parameter name ("fc1.weight") -> spec; weights without an entry stay float.
using LayerSpecs = std::map<std::string, quant::QuantSpec, std::less<>>;

struct LayerQuantInfo {
    std::string param;
    uint64_t numel = 0;
    double bits_per_weight = 32;  // 32 when float
    double mse = 0, sqnr_db = 0;
    double sum_sq_err = 0;        // ||Q(W) - W||^2
};
struct QuantizedWeights {
    nn::OwnedOverrides overrides;
    std::vector<LayerQuantInfo> layers;  // every weight, in Arch order
    double total_bits = 0;               // weights only (biases stay float and are not counted)
    uint64_t total_weights = 0;
    double avg_bits() const { return total_weights ? total_bits / double(total_weights) : 0.0; }
};
// Fake-quantizes every weight with a spec through quant::quantize.
Result<QuantizedWeights> quantize_weights(const nn::Model& model, const LayerSpecs& specs);

struct LiveAccuracy {
    double accuracy = 0, loss = 0;
    double float_accuracy = 0, float_loss = 0;
    QuantizedWeights weights;
};
// Test-split accuracy and loss with `specs` (and optional activation quantization).
Result<LiveAccuracy> live_accuracy(const nn::Model& model, const nn::DigitsSplit& data, const LayerSpecs& specs,
                                   const nn::ActQuant& act = {}, int threads = 0);

// The specs as a QAT fake-quant (every step re-quantizes the master weights).
nn::WeightFakeQuant spec_fake_quant(const nn::Arch& arch, const LayerSpecs& specs);

// The same spec for every weight of the model.
LayerSpecs uniform_specs(const nn::Arch& arch, const quant::QuantSpec& spec);

// ---- lesson 9 -----------------------------------------------------------------------
struct MixedPrecisionOptions {
    std::vector<int> candidate_bits{2, 3, 4, 6, 8};  // int, symmetric, per-channel
    double budget_bpw = 4.0;                         // average bits per weight (scales included)
    uint64_t seed = 1;
    int max_iterations = 200;                        // Hutchinson samples per layer
    double rel_tol = 0.05;
    int hessian_samples = 512;                       // training samples the Hessian is taken over
    int threads = 0;
};
struct LayerSensitivity {
    std::string param;
    uint64_t numel = 0;
    double trace = 0, trace_std_error = 0;
    double mean_diagonal = 0;            // Tr(H) / n
    std::vector<double> sq_error;        // ||Q(W) - W||^2 per candidate
    std::vector<double> cost;            // HAWQ-v2 Omega per candidate
    std::vector<double> bits;            // stored bits per candidate
    int chosen = -1;                     // index into candidate_bits
};
struct MixedPrecisionStudy {
    std::vector<int> candidate_bits;
    std::vector<LayerSensitivity> layers;
    double budget_bits = 0;
    double plan_bits = 0, plan_cost = 0;
    double plan_accuracy = 0, plan_loss = 0;
    int uniform_bits = 0;                // the largest uniform candidate that fits the same budget
    double uniform_bits_total = 0;
    double uniform_accuracy = 0, uniform_loss = 0;
    double float_accuracy = 0;
    int hvp_calls = 0;
    bool cancelled = false;
};
Result<MixedPrecisionStudy> mixed_precision_study(const nn::Model& model, const nn::DigitsSplit& data,
                                                  const MixedPrecisionOptions& opts, const Progress& progress = {});
// Re-plan for another budget without recomputing traces (fast: the GUI's slider).
Status replan(const nn::Model& model, const nn::DigitsSplit& data, MixedPrecisionStudy& study, double budget_bpw,
              int threads = 0);

}  // namespace qs::learn
