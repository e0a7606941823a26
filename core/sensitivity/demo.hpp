// Sensitivity on models quantscope can run (core/nn: the bundled demo models):
// Hessian traces of the training loss per weight tensor, and the measured test
// accuracy of the model with weights fake-quantized per tensor, so a plan's
// predicted cost can be set beside its real effect.
#pragma once
#include "core/nn/digits.hpp"
#include "core/nn/evaluate.hpp"
#include "core/nn/model.hpp"
#include "core/quant/spec.hpp"
#include "core/sensitivity/hessian.hpp"
#include "core/sensitivity/traces.hpp"
#include "core/util/cancel.hpp"
#include "core/util/result.hpp"
#include <map>
#include <string>

namespace qs::sensitivity {

struct DemoTraceOptions {
    TraceOptions trace;
    bool top_eigenvalue = false;   // also power iteration per weight tensor
    EigenOptions eigen;
    int threads = 0;
};

// Hutchinson traces (and optionally top eigenvalues) of the mean cross-entropy
// over `data`, one entry per weight tensor (biases are not quantized).
Result<TraceTable> demo_traces(const nn::Model& model, const nn::Dataset& data, const DemoTraceOptions& opts = {},
                               const Progress& progress = {});

// Test accuracy/loss with each named weight replaced by its fake-quantized value
// (weights not named keep float values).
Result<nn::EvalResult> evaluate_quantized(const nn::Model& model, const nn::Dataset& data,
                                          const std::map<std::string, quant::QuantSpec>& specs, int threads = 0);

}  // namespace qs::sensitivity
