// The empirical Fisher information's diagonal for a core/nn model:
// F_ii = mean over gradient draws of g_i^2, each draw the gradient of the
// cross-entropy of one sample (per-sample, the textbook empirical Fisher) or of
// a mini-batch mean (cheaper; E[g_B^2] = (E g)^2 + Var(g)/B, so smaller).
// Used as a sensitivity proxy beside the Hessian (docs/sensitivity-compare.md).
#pragma once
#include "core/nn/digits.hpp"
#include "core/nn/model.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"

#include <cstdint>
#include <vector>

namespace qs::sensitivity {

struct FisherOptions {
    int64_t samples_per_gradient = 1;  // 1 = per-sample gradients; B = gradients of B-sample means
    int threads = 0;                   // 0 = hardware threads; the result does not depend on it
};

// One value per parameter (arch.params order, flat like Model::theta), in float64.
Result<std::vector<double>> empirical_fisher_diagonal(const nn::Model& model, const nn::Dataset& data,
                                                      const FisherOptions& opts = {}, const Progress& progress = {});

}  // namespace qs::sensitivity
